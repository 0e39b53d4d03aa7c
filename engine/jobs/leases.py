"""Render leases: a render job lost with its worker, its broker or its database is taken up again.

A render holds its task for ENGINE_RENDER_LEASE seconds from its start. The lease is longer than
django-q2's Q_TIMEOUT (a live render is stopped by then, so it is never taken over while it runs) and
shorter than Q_RETRY (a job handed out again after its worker died finds the lease run out and renders).
Jobs nobody hands out again (the Redis broker forgets a job whose worker died; a broker restart may lose
its queue; a submit made while the broker was down queued nothing) are queued again when the task is
read: fetch (task format) and the feeds (v2, SunoAPI-style) both call resume() for what they answer,
as the studio polls every task until it ends. A task is rendered at most MAX_RENDERS times; then it
fails with a reason in plain words.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.conf import settings
from django.db.models import F, Q
from django_q.brokers import get_broker
from django_q.tasks import async_task

from engine.jobs import endings
from engine.models import EngineClip, EngineTask

log = logging.getLogger(__name__)
MAX_RENDERS = 3
RENDER_JOB = "engine.jobs.lifecycle.render_task"
VIDEO_JOB = "engine.jobs.lifecycle.render_video"
# Kept in fail_reason (never shown while the task is pending) so a drilled stuck task is not taken over.
STUCK = "stuck on purpose (ENGINE_STUCK_RATE)"
GAVE_UP = (
    "The engine could not finish this song: its render was interrupted {n} times. Please try again later."
)
_PENDING = (EngineTask.Status.SUBMITTED, EngineTask.Status.IN_PROGRESS)


def lease_seconds() -> int:
    return int(settings.ENGINE_RENDER_LEASE)


def enqueue(func: str, *args, name: str) -> None:
    """Queue the engine's own work on its own queue, so the studio's jobs never wait behind renders."""
    async_task(func, *args, task_name=name, cluster=getattr(settings, "ENGINE_QUEUE", None))


def queue_render(task_id: str, *, name: str | None = None) -> bool:
    """Hand the task's render to the broker (the task's queued_at says when: set by the caller). False,
    logged and nothing raised, when the broker cannot take it: queued_at goes back to 0 and resume()
    queues it once the broker is back, so a submit made during a broker outage is kept, not lost."""
    try:
        enqueue(RENDER_JOB, task_id, name=name or f"engine-{task_id}")
    except Exception as exc:  # the broker's errors are many kinds (redis, database, OS)
        log.warning("engine task %s: its render could not be queued (%s); it is queued again when read",
                    task_id, type(exc).__name__)  # fmt: skip
        EngineTask.objects.filter(id=task_id).update(queued_at=0)
        return False
    return True


def queue_video(clip_id: str, *, name: str | None = None) -> bool:
    """Hand a clip's video job to the broker (the caller noted when, in video_queued_at); False, logged and
    nothing raised, when the broker cannot take it: resume_videos() tries again a lease later."""
    try:
        enqueue(VIDEO_JOB, clip_id, name=name or f"engine-video-{clip_id}")
    except Exception as exc:
        log.warning("engine clip %s: its video could not be queued (%s)", clip_id, type(exc).__name__)
        return False
    return True


def resume_videos(clips: Iterable[EngineClip]) -> list[str]:
    """Queue again the video jobs of these clips that were lost (the worker died making it, the broker
    forgot it or could not take it): a complete clip still waiting for its MP4 a lease after its job was
    queued. Once per lease, however many readers see it at once; the ids queued."""
    now = int(time.time())
    queued = []
    for clip in clips:
        waiting = clip.status == "complete" and clip.video_pending and not clip.has_video
        if not waiting or clip.video_queued_at >= now - lease_seconds():
            continue
        mine = EngineClip.objects.filter(id=clip.id, video_queued_at=clip.video_queued_at, has_video=False)
        if mine.update(video_queued_at=now) and queue_video(clip.id, name=f"engine-video-{clip.id}-{now}"):
            clip.video_queued_at = now
            queued.append(clip.id)
    return queued


def claim(task_id: str) -> EngineTask | None:
    """Take a task to render: a new one, or one whose render was lost (its lease ran out). None when it is
    done, rendering elsewhere, or unknown; a task out of renders fails here with a plain reason."""
    now = int(time.time())
    tasks = EngineTask.objects.filter(id=task_id)
    taken = dict(start_time=now, renders=F("renders") + 1, status=EngineTask.Status.SUBMITTED)
    won = tasks.filter(status=EngineTask.Status.NOT_START).update(**taken)
    if not won:
        expired = tasks.filter(status__in=_PENDING, start_time__lt=now - lease_seconds())
        lost = expired.exclude(fail_reason=STUCK)
        won = lost.filter(renders__lt=MAX_RENDERS).update(**taken)
        spent = None if won else lost.first()
        # One reader ends it, however many jobs of the task come back at once.
        if spent is not None and lost.update(status=EngineTask.Status.FAILURE, finish_time=now):
            log.error("engine task %s: gave up after %s interrupted renders", task_id, spent.renders)
            endings.fail(spent, GAVE_UP.format(n=spent.renders))
    return tasks.first() if won else None


def _lost(task: EngineTask, now: int, broker_idle: bool | None) -> bool:
    if task.status == EngineTask.Status.NOT_START:
        if not task.queued_at:
            return True  # the broker was down when it was submitted
        # Its job may still wait in a long queue: only an idle queue proves it lost (a broker restart).
        return task.queued_at < now - int(settings.Q_CLUSTER.get("retry", 90)) and bool(broker_idle)
    if task.status in _PENDING and task.fail_reason != STUCK:
        return task.start_time < now - lease_seconds() and task.queued_at < now - lease_seconds()
    return False


def _broker_idle() -> bool | None:
    """Whether the engine's queue holds no job (None when the broker cannot say)."""
    try:
        return get_broker(getattr(settings, "ENGINE_QUEUE", None)).queue_size() == 0
    except Exception:
        return None


def resume(tasks: Iterable[EngineTask]) -> list[str]:
    """Queue again the renders of these tasks that were lost; the ids queued. Each lost task is queued
    once per lease (a conditional update on queued_at), however many readers see it at once."""
    now = int(time.time())
    tasks = list(tasks)
    waiting = any(t.status == EngineTask.Status.NOT_START and t.queued_at for t in tasks)
    idle = _broker_idle() if waiting else None
    queued = []
    for task in tasks:
        if not _lost(task, now, idle):
            continue
        mine = EngineTask.objects.filter(id=task.id, queued_at=task.queued_at).filter(
            Q(status=EngineTask.Status.NOT_START) | Q(status__in=_PENDING)
        )
        if not mine.update(queued_at=now):
            continue  # another reader queued it just now
        if queue_render(task.id, name=f"engine-resume-{task.id}-{now}"):
            task.queued_at = now
            queued.append(task.id)
    return queued
