from __future__ import annotations

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete


def _forget_media(sender, instance, **kwargs) -> None:
    from engine.jobs import storage

    # after the commit: a rolled-back delete must keep its files
    transaction.on_commit(lambda: storage.delete_media(instance.id))


class EngineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "engine"
    verbose_name = "Built-in engine"

    def ready(self) -> None:
        post_delete.connect(_forget_media, sender="engine.EngineClip", dispatch_uid="engine-forget-media")
        from engine.api import callbacks
        from engine.jobs import endings

        # The jobs layer announces a task's end; the API, which knows the answer shapes, calls back.
        endings.task_finished.connect(callbacks.on_finished, dispatch_uid="engine-callbacks")
