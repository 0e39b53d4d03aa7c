from django.apps import AppConfig


class SongsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "songs"
    verbose_name = "Song Studio"
