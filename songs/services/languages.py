"""Each person's language: chosen with the switcher, kept on the account, applied at every log-in.

The page's language is otherwise Django's own choice (LocaleMiddleware): the language cookie, then the
browser's Accept-Language, then LANGUAGE_CODE. songs.middleware.UserLanguageMiddleware applies the
person's choice, which this module stores and puts in the session.
"""

from __future__ import annotations

from django.conf import settings

from songs.models import UserLanguage
from songs.selectors import user_language

SESSION_KEY = "studio_language"


def language_supported(code: str | None) -> bool:
    return code in dict(settings.LANGUAGES)


def language_remember(*, user, language: str, session=None) -> None:
    """Keep `language` as this person's choice (and for the rest of this session)."""
    if not language_supported(language):
        return
    UserLanguage.objects.update_or_create(user=user, defaults={"language": language})
    if session is not None:
        session[SESSION_KEY] = language


def language_on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: the person's own choice, if they made one, becomes this session's language."""
    if request is None or not hasattr(request, "session"):
        return
    chosen = user_language(user=user)
    if chosen and language_supported(chosen):
        request.session[SESSION_KEY] = chosen
        return
    # No choice on the account yet: one made with the switcher before logging in (or signing up), kept in
    # the language cookie, is this person's choice, on any device from now on.
    picked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language_supported(picked):
        language_remember(user=user, language=picked, session=request.session)
