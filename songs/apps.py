from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_schedules(sender, **kwargs) -> None:
    from songs.schedules import schedules_ensure

    schedules_ensure()


class SongsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "songs"
    verbose_name = _("Song Studio")

    def ready(self) -> None:
        post_migrate.connect(_ensure_schedules, sender=self)
        from songs.services.languages import language_on_login

        user_logged_in.connect(language_on_login, dispatch_uid="songs-language-on-login")
