"""django-q2 entry points. Thin: load by primary key, call a service."""

from __future__ import annotations

from songs import media, services


def submit_task(task_pk: int) -> None:
    services.task_submit(task_pk=task_pk)


def download_media(clip_pk: int) -> None:
    media.clip_media_download(clip_pk=clip_pk)


def download_video(clip_pk: int) -> None:
    media.clip_video_download(clip_pk=clip_pk)


def heartbeat() -> None:
    """The minutely safety net: does one poll cycle in case the poller loop is not running."""
    services.work_resume_due()
    services.tasks_poll_due()
