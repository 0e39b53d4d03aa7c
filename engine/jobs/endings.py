"""How a task ends, success or failure, and the signal that tells whoever waits on it.

task_finished is sent once a task has reached its final state and is saved (the callbacks of the
engine's API listen: engine/apps.py connects them, as this layer knows nothing of the API).
"""

from __future__ import annotations

import time

from django.dispatch import Signal

from engine.jobs.faults import plain
from engine.models import EngineTask

task_finished = Signal()  # sender=EngineTask, task=<the task>


def succeed(task: EngineTask) -> None:
    task.status, task.progress, task.finish_time = EngineTask.Status.SUCCESS, "100%", int(time.time())
    task.save(update_fields=["status", "progress", "finish_time"])
    task_finished.send(sender=EngineTask, task=task)


def fail(task: EngineTask, reason: str) -> None:
    """End the task visibly; its clips say why too (the v2 and SunoAPI feeds have no task to read)."""
    task.status, task.fail_reason = EngineTask.Status.FAILURE, plain(reason)
    task.finish_time = int(time.time())
    task.save(update_fields=["status", "fail_reason", "finish_time"])
    for clip in task.clips.exclude(status="complete"):
        clip.status = "error"
        clip.metadata = {**clip.metadata, "error_type": "render_failed", "error_message": task.fail_reason}
        clip.save(update_fields=["status", "metadata"])
    task_finished.send(sender=EngineTask, task=task)
