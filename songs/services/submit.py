"""Sending a saved request to the gateway, exactly once.

A worker claims the task with a compare-and-set update; a network failure before sending queues it again;
an answer that may have created a task upstream is "outcome unknown" and is never sent again.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from songs.gateway import Gateway, GatewayError, SubmitOutcomeUnknown, gateway_for
from songs.models import GenerationTask
from songs.services import uploads
from songs.services.common import retry_delay, task_mark

Status = GenerationTask.Status


# A submit that has been "in flight" this long lost its worker: its outcome is unknown.
SUBMIT_LEASE = timedelta(minutes=2)


UNKNOWN_OUTCOME = (
    "The gateway did not confirm this request in time. It was not sent again, because it may have "
    "been accepted and a second request could be billed twice. Try again if no clips appear."
)


def task_submit(*, task_pk: int, gateway: Gateway | None = None) -> None:
    """Send a queued request to the gateway once. Safe to call twice: only one caller wins the claim."""
    now = timezone.now()
    won = GenerationTask.objects.filter(pk=task_pk, status=Status.QUEUED, upstream_id="").update(
        status=Status.SUBMITTED, attempts=F("attempts") + 1, next_poll_at=now + SUBMIT_LEASE, changed_at=now
    )
    if not won:
        return
    task = GenerationTask.objects.select_related("upload").get(pk=task_pk)
    with gateway_for(gateway) as gateway:
        _submit_claimed(task, gateway)


def _submit_claimed(task: GenerationTask, gateway: Gateway) -> None:
    try:
        if task.action == GenerationTask.Action.UPLOAD:
            uploads.upload_prepare(upload=task.upload, gateway=gateway)
        upstream_id = _send(gateway, task)
    except uploads.UploadRefused as exc:
        task_mark(task, status=Status.FAILED, fail_reason=str(exc), finished_at=timezone.now())
        return
    except SubmitOutcomeUnknown:
        task_mark(task, status=Status.FAILED, fail_reason=UNKNOWN_OUTCOME, finished_at=timezone.now())
        return
    except GatewayError as exc:
        _submit_failed(task, exc)
        return
    now = timezone.now()
    if task.action == GenerationTask.Action.UPLOAD:
        # The gateway answers an upload with the new clip's id at once: there is nothing to poll.
        uploads.upload_registered(task=task, clip_id=upstream_id)
        task_mark(
            task,
            upstream_id=upstream_id,
            submitted_at=now,
            fail_reason="",
            status=Status.SUCCEEDED,
            progress="100%",
            finished_at=now,
            next_poll_at=None,
        )
        return
    task_mark(
        task,
        upstream_id=upstream_id,
        submitted_at=now,
        fail_reason="",
        next_poll_at=now + timedelta(seconds=1),
    )


def _send(gateway: Gateway, task: GenerationTask) -> str:
    payload = task.request_payload
    if task.action == GenerationTask.Action.LYRICS:
        return gateway.submit_lyrics(prompt=payload["prompt"])
    if task.action == GenerationTask.Action.CONCAT:
        return gateway.submit_concat(clip_id=payload["clip_id"], is_infill=payload.get("is_infill", False))
    if task.action == GenerationTask.Action.UPLOAD:
        return gateway.upload_audio_url(url=payload["url"])
    return gateway.submit_music(payload=payload)


def _submit_failed(task: GenerationTask, exc: GatewayError) -> None:
    if exc.retryable and task.attempts < settings.SUBMIT_MAX_ATTEMPTS:
        # Nothing was created upstream: queue it again; the poller re-sends it when due.
        task_mark(
            task,
            status=Status.QUEUED,
            next_poll_at=timezone.now() + retry_delay(task.attempts),
            fail_reason=f"Not sent yet: {exc.message}. Trying again shortly.",
        )
        return
    reason = exc.message if not exc.retryable else f"Still failing after {task.attempts} tries: {exc.message}"
    task_mark(task, status=Status.FAILED, fail_reason=reason, finished_at=timezone.now())
