from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def api_format_check() -> None:
    """Refuse to start with a SUNO_API_FORMAT no family speaks (the families' one list is the registry)."""
    from songs.gateway import FORMATS

    if settings.SUNO_API_FORMAT not in FORMATS:
        raise ImproperlyConfigured(
            f"SUNO_API_FORMAT must be one of {', '.join(FORMATS)}, got {settings.SUNO_API_FORMAT!r}"
        )


def _ensure_schedules(sender, **kwargs) -> None:
    from songs.schedules import schedules_ensure

    schedules_ensure()


class SongsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "songs"
    verbose_name = _("Song Studio")

    def ready(self) -> None:
        api_format_check()
        post_migrate.connect(_ensure_schedules, sender=self)
        from songs.services.languages import language_on_login

        user_logged_in.connect(language_on_login, dispatch_uid="songs-language-on-login")
