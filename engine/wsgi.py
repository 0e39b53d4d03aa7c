"""The built-in engine's own web application: the gateway's endpoints and media only (engine/urls.py).

`make run` serves it on ENGINE_PORT (gunicorn engine.wsgi:application), whether or not a real gateway is
configured, so the engine stands apart as a remote gateway would: no log-in page, no admin, no /metrics,
no studio page and none of the studio's middleware (sessions, CSRF, CSP, the axes lockout) on its port.
It is the same Django project (settings, database, media folder) with another urlconf and a middleware
list of its own, so one process can hold both applications (the tests do).
"""

from __future__ import annotations

import os

import django
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

URLCONF = "engine.urls"
# Only middleware with no process_view/process_exception/process_template_response hooks (the chain below
# is built without them): the security headers (nosniff, referrer policy) on the API's answers and media.
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]


class EngineRequest(WSGIRequest):
    urlconf = URLCONF  # Django resolves (and reverses) with a request's own urlconf when it has one


class EngineHandler(WSGIHandler):
    request_class = EngineRequest

    def load_middleware(self, is_async: bool = False) -> None:
        """The engine's own middleware chain (Django's would come from the studio's settings.MIDDLEWARE)."""
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(MIDDLEWARE):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler


django.setup(set_prefix=False)
application = EngineHandler()
