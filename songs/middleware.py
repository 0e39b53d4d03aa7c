"""A logged-in person's language choice, over the browser's (after LocaleMiddleware and the session).

At log-in, songs.services.languages puts the person's stored choice in the session; here it is applied
to every request, and the language cookie follows it so the log-in page keeps it after logging out.
A switch through Django's set_language (POST /i18n/setlang/) is stored on the person as well.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from songs.services.languages import SESSION_KEY, language_remember, language_supported


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        if request.user.is_authenticated:
            language = request.session.get(SESSION_KEY)
            if language_supported(language):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.user.is_authenticated:
            if (
                request.method == "POST"
                and request.path == reverse("set_language")
                and response.status_code < 400
            ):
                chosen = request.POST.get("language")
                if language_supported(chosen):
                    language_remember(user=request.user, language=chosen, session=request.session)
                    language = chosen
            else:
                language = request.session.get(SESSION_KEY)  # a log-in in this request may have set it
            if (
                language_supported(language)
                and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language
            ):
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH,
                    domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
        return response
