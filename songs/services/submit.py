"""Sending a saved request to the gateway, exactly once.

A worker claims the task with a compare-and-set update; a network failure before sending queues it again;
an answer that may have created a task upstream is "outcome unknown" and is never sent again.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from songs import reasons
from songs.gateway import Gateway, GatewayError, SubmitOutcomeUnknown, gateway_for, verdicts
from songs.models import GenerationTask
from songs.services import callbacks, features, personas, uploads
from songs.services.common import db_retry, job_deadline, retry_delay, task_mark

Status = GenerationTask.Status


# A submit that has been "in flight" this long lost its worker: its outcome is unknown.
SUBMIT_LEASE = timedelta(minutes=2)


UNKNOWN_OUTCOME = reasons.english("outcome_unknown")
# Seconds between sends while the gateway's queue is full (a 429 without Retry-After).
QUEUE_FULL_WAIT = 10


def task_submit(*, task_pk: int, gateway: Gateway | None = None) -> None:
    """Send a queued request to the gateway once. Safe to call twice: only one caller wins the claim."""
    deadline = job_deadline()  # the gateway's answer is recorded (through a database blip) before this
    now = timezone.now()
    won = GenerationTask.objects.filter(pk=task_pk, status=Status.QUEUED, upstream_id="").update(
        status=Status.SUBMITTED, attempts=F("attempts") + 1, next_poll_at=now + SUBMIT_LEASE, changed_at=now
    )
    if not won:
        return
    task = GenerationTask.objects.select_related("upload").get(pk=task_pk)
    # A sketch goes to the built-in engine beside the gateway, never to the gateway itself.
    with gateway_for(gateway, sketch=task.sketch) as gateway:
        _submit_claimed(task, gateway, deadline)


def _submit_claimed(task: GenerationTask, gateway: Gateway, deadline: float) -> None:
    try:
        if task.action == GenerationTask.Action.UPLOAD:
            uploads.upload_prepare(upload=task.upload, gateway=gateway)
        upstream_id = _send(gateway, task)
    except uploads.UploadRefused as exc:
        record = partial(
            task_mark, task, status=Status.FAILED, fail_reason=str(exc), finished_at=timezone.now()
        )
    except SubmitOutcomeUnknown as exc:
        record = partial(_fail, task, "outcome_unknown", exc)
    except GatewayError as exc:
        record = partial(_submit_failed, task, exc)
    else:
        record = partial(_accepted, task, upstream_id)
    # The gateway has answered: what it said must be kept through a database blip. Lost, an accepted
    # request would end "outcome unknown" (and a refused one never be retried).
    db_retry(record, what=f"recording the gateway's answer to task {task.pk}", deadline=deadline)


def _accepted(task: GenerationTask, upstream_id: str) -> None:
    now = timezone.now()
    if task.action == GenerationTask.Action.UPLOAD:
        # The gateway answers an upload with the new clip's id at once: there is nothing to poll.
        uploads.upload_registered(task=task, clip_id=upstream_id)
    if task.action == GenerationTask.Action.PERSONA:
        personas.persona_registered(task=task, persona_id=upstream_id)
    if task.action in (GenerationTask.Action.UPLOAD, GenerationTask.Action.PERSONA):
        task_mark(
            task,
            upstream_id=upstream_id,
            submitted_at=now,
            fail_reason="",
            reason_code="",
            reason_detail="",
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
        reason_code="",  # a note it carried while waiting to be sent ("the broker is down") is over
        reason_detail="",
        next_poll_at=now + timedelta(seconds=1),
    )


def _send(gateway: Gateway, task: GenerationTask) -> str:
    payload = task.request_payload
    hook = callbacks.callback_url_for(task=task, gateway=gateway)
    if task.action == GenerationTask.Action.LYRICS:
        return gateway.submit_lyrics(prompt=payload["prompt"], callback_url=hook)
    if task.action == GenerationTask.Action.CONCAT:
        is_infill = payload.get("is_infill", False)
        return gateway.submit_concat(clip_id=payload["clip_id"], is_infill=is_infill, callback_url=hook)
    if task.action == GenerationTask.Action.UPLOAD:
        return uploads.upload_send(upload=task.upload, url=payload["url"], gateway=gateway)
    if task.action == GenerationTask.Action.PERSONA:
        return gateway.persona_create(
            clip_id=payload["root_clip_id"],
            name=payload["name"],
            description=payload["description"],
            task_id=payload.get("task_id", ""),
        )
    if gateway.uploads_by_link and (link := uploads.upload_link_for(clip=task.parent_clip)):
        payload = {**payload, "upload_url": link}  # made from a user's own audio: it goes as a link
    return gateway.submit_music(payload=payload, callback_url=hook)


def _submit_failed(task: GenerationTask, exc: GatewayError) -> None:
    if not task.sketch and (feature := features.feature_lacking(task=task, exc=exc)):
        # Nothing was accepted, and it never will be: hide the feature for everyone, fail this one (its
        # credits come back with the failure).
        features.feature_learn_missing(name=feature, task=task, exc=exc)
        _fail(task, "not_supported", exc, detail=feature)
        return
    if exc.kind == verdicts.RATE_LIMITED and not _past_cap(task):
        # A full queue accepted nothing (ACE-Step answers 429 while its 200 places are taken): wait and send
        # it again, not counted as a failed try, until the task's cap; the card says it is waiting.
        detail = exc.detail or exc.message
        task_mark(
            task,
            status=Status.QUEUED,
            attempts=max(task.attempts - 1, 0),
            next_poll_at=timezone.now() + timedelta(seconds=min(exc.retry_after or QUEUE_FULL_WAIT, 60)),
            fail_reason=reasons.english("retrying", detail=detail),
            reason_code="retrying",
            reason_detail=detail[:300],
        )
        return
    if exc.retryable and task.attempts < settings.SUBMIT_MAX_ATTEMPTS:
        # Nothing was created upstream: queue it again; the poller re-sends it when due.
        detail = exc.detail or exc.message
        task_mark(
            task,
            status=Status.QUEUED,
            next_poll_at=timezone.now() + retry_delay(task.attempts),
            fail_reason=reasons.english("retrying", detail=detail),
            reason_code="retrying",
            reason_detail=detail[:300],
        )
        return
    _fail(task, exc.kind, exc, tries=task.attempts if exc.retryable else 0)


def _past_cap(task: GenerationTask) -> bool:
    return timezone.now() - task.created_at > timedelta(minutes=settings.TASK_TIMEOUT_MINUTES)


def _fail(task: GenerationTask, code: str, exc: GatewayError, *, detail: str = "", tries: int = 0) -> None:
    """Fail with a reason: a plain sentence for people, and for staff the gateway's own words and answer."""
    detail = detail or exc.detail or exc.message
    reason = reasons.english(code, detail=detail)
    if tries:
        reason = f"Still failing after {tries} tries: {reason}"
    if code not in ("not_supported", "outcome_unknown") and exc.detail and exc.detail not in reason:
        reason += f" (The gateway said: {exc.detail})"
    task_mark(
        task,
        status=Status.FAILED,
        fail_reason=reason,
        reason_code=code,
        reason_detail=detail[:300],
        finished_at=timezone.now(),
        last_response={"error": {"http_status": exc.http_status, "code": exc.code, "answer": exc.raw}},
    )
