from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from songs.views.accounts import password_reset, signup
from songs.views.ops import StudioHealthView, metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", StudioHealthView.as_view(), name="health"),  # load balancers
    path("metrics", metrics_view, name="metrics"),  # Prometheus
    path("accounts/signup/", signup, name="signup"),
    # Before Django's own: only with mail configured, and throttled (songs/views/accounts.py).
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switcher posts to Django's set_language (i18n/setlang/); studio.js's sentences come
    # from the JavaScript catalog (locale/*/LC_MESSAGES/djangojs.po), a same-origin script.
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("songs.urls")),
]
# Django's 400 page reads the body again for its CSRF token; this one does not (studio/limits.py).
handler400 = "studio.limits.bad_request"
if not settings.SUNO_BASE_URL and not settings.ENGINE_PORT:
    # The studio's server answers the engine's paths only when the engine has no server of its own
    # (a single gunicorn, the test server) and is the gateway. Under `make run` the engine is served
    # only on ENGINE_PORT (engine/wsgi.py), and with a real gateway configured not on this port at all.
    urlpatterns.insert(3, path("", include("engine.api.urls")))
