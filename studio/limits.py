"""A cap on request bodies, checked from Content-Length before anything reads the body.

Django spools a multipart upload of any size to a temporary file as soon as request.POST is read (the
CSRF check does that for every POST), so without this one anonymous 1 GB POST writes 1 GB to disk. A
body with no Content-Length is never read by Django (it reads exactly Content-Length bytes), and the
reverse proxy (deploy/) caps bodies too.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(_("That request has a broken length."), status=400, content_type="text/plain")
        if _unreadable_form(request):
            # Django would refuse it while the CSRF check reads the form, then read it again on its error
            # page (DEBUG's included) and answer 500: answer 400 here, before anything reads the body.
            return bad_request(request, None)
        if length > self._limit(request):
            message = _("That request is too large. Uploads can be at most %(mb)d MB.") % {
                "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _limit(request: HttpRequest) -> int:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return settings.REQUEST_MAX_BYTES
        return settings.ANONYMOUS_REQUEST_MAX_BYTES


# Forms are read as UTF-8: Django refuses a urlencoded body declaring any other charset (even "utf8").
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _unreadable_form(request: HttpRequest) -> bool:
    """A form body that declares a character set other than UTF-8 (e.g. charset=utf-16)."""
    if request.content_type not in _FORM_TYPES:
        return False
    charset = (request.content_params or {}).get("charset")
    return charset is not None and charset.strip().lower() != "utf-8"


def bad_request(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    """The 400 page (studio/urls.py's handler400), for a request Django could not read.

    Django's own handler asks for the CSRF token first (requires_csrf_token), which reads the body again:
    a form declaring charset=utf-16 then failed a second time in the error path and answered 500. This
    one reads nothing of the request's body.
    """
    return render(request, "400.html", status=400, content_type="text/html; charset=utf-8")
