"""The engine's own site: the gateway's endpoints and media, nothing of the studio (engine/wsgi.py serves it).

Unknown paths answer as a gateway's do (a plain 404; new-api's Go router says "404 page not found"),
never with the studio's HTML pages, which would name the studio's own URLs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.urls import include, path

urlpatterns = [path("", include("engine.api.urls"))]


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseNotFound("404 page not found", content_type="text/plain; charset=utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    # The gateways' second error shape (docs/protocol.md); a crash's details stay in the log.
    return JsonResponse({"error": {"message": "internal error", "type": "new_api_error"}}, status=500)


handler404 = not_found
handler500 = server_error
