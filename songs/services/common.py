"""What every stage shares: moving the card clock, retry delays, and the names of queued jobs.

A project page re-renders the cards whose task's ``changed_at`` moved, so every write a person should see
goes through ``task_mark`` or ``card_touch``. django-q2 stores jobs by dotted path: the paths live here.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone
from django_q.tasks import async_task

from songs.models import GenerationTask

# django-q2 keeps these dotted paths in queued jobs and schedules: renaming one strands work in flight.
JOBS = {
    "submit": "songs.tasks.submit_task",
    "media": "songs.tasks.download_media",
    "video": "songs.tasks.download_video",
    "cycle": "songs.tasks.poll_cycle",
}


def task_mark(task: GenerationTask, **fields) -> None:
    """Save fields the user can see, and move changed_at so live pages pick them up."""
    fields["changed_at"] = timezone.now()
    GenerationTask.objects.filter(pk=task.pk).update(**fields)
    for name, value in fields.items():
        setattr(task, name, value)


def card_touch(*, task_id: int | None) -> None:
    """Move the card clock of a task whose clips changed, so open project pages pick it up."""
    GenerationTask.objects.filter(pk=task_id).update(changed_at=timezone.now())


def retry_delay(attempt: int) -> timedelta:
    return timedelta(seconds=min(2**attempt, 300))


def job_enqueue(job: str, *args, name: str) -> None:
    """Queue one of the studio's jobs; the random suffix keeps django-q2's task names unique."""
    async_task(JOBS[job], *args, task_name=f"{name}-{uuid.uuid4().hex[:6]}")
