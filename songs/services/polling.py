"""The poll cycle: claim due tasks, fetch them in batches, ingest the answers; and resume lost work.

One function, ``poll_cycle``, is what both the poller loop (``manage.py studio_poller``) and the minutely
safety-net schedule run. Claims are compare-and-set updates, so several pollers never share a task.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from songs.gateway import Gateway, GatewayError, gateway_for
from songs.models import COPIES_PENDING, Clip, GenerationTask
from songs.services import copies, requests
from songs.services.common import task_mark
from songs.services.ingest import past_cap, task_ingest
from songs.services.submit import SUBMIT_LEASE, UNKNOWN_OUTCOME

log = logging.getLogger(__name__)


Status = GenerationTask.Status


# How long a claim on a task lasts; a worker that dies mid-poll frees it after this.
POLL_LEASE = timedelta(seconds=30)


def tasks_claim_due(*, limit: int, now=None) -> list[GenerationTask]:
    """Claim up to `limit` tasks due for a poll. A row another worker claimed first is skipped."""
    now = now or timezone.now()
    due = (
        GenerationTask.objects.filter(status__in=(Status.SUBMITTED, Status.RUNNING), next_poll_at__lte=now)
        .exclude(upstream_id="")
        .order_by("next_poll_at")
        .values_list("pk", flat=True)[:limit]
    )
    token = uuid.uuid4()
    # Compare-and-set: only rows still due are taken, so two pollers never share one.
    GenerationTask.objects.filter(pk__in=list(due), next_poll_at__lte=now).update(
        claim_token=token, next_poll_at=now + POLL_LEASE
    )
    return list(GenerationTask.objects.filter(claim_token=token))


def tasks_poll_due(*, gateway: Gateway | None = None, now=None) -> int:
    """One poll cycle: fetch every due task in batches and ingest the answers. Returns tasks polled."""
    with gateway_for(gateway) as gateway:
        return _poll_batches(gateway, now)


def _poll_batches(gateway: Gateway, now) -> int:
    polled = 0
    while True:
        tasks = tasks_claim_due(limit=settings.POLL_BATCH_SIZE, now=now)
        if not tasks:
            return polled
        polled += len(tasks)
        try:
            answers = {t.task_id: t for t in gateway.fetch_tasks([task.upstream_id for task in tasks])}
        except GatewayError as exc:
            log.warning("poll of %d tasks failed: %s (%s)", len(tasks), exc.code, exc.message)
            _poll_failed(tasks, exc)
            return polled
        for task in tasks:
            task_ingest(task=task, answer=answers.get(task.upstream_id))


def _poll_failed(tasks: list[GenerationTask], exc: GatewayError) -> None:
    now = timezone.now()
    for task in tasks:
        if past_cap(task, now):
            task_mark(
                task,
                status=Status.FAILED,
                finished_at=now,
                fail_reason=f"No result from the gateway after {settings.TASK_TIMEOUT_MINUTES} minutes "
                f"(last error: {exc.message}).",
                reason_code="timed_out",
                reason_detail=str(settings.TASK_TIMEOUT_MINUTES),
            )
        else:
            GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=now + timedelta(seconds=10))


def work_resume_due(*, now=None) -> dict[str, int]:
    """Pick up what fell through: retries that are due, submits whose worker died, media left pending."""
    now = now or timezone.now()
    retry = list(
        GenerationTask.objects.filter(status=Status.QUEUED, next_poll_at__lte=now).values_list(
            "pk", flat=True
        )[:100]
    )
    for pk in retry:
        # Push the due time first so the next cycle does not enqueue it again.
        GenerationTask.objects.filter(pk=pk).update(next_poll_at=now + SUBMIT_LEASE)
        requests.submit_enqueue(pk)
    lost = GenerationTask.objects.filter(status=Status.SUBMITTED, upstream_id="", next_poll_at__lte=now)
    lost_count = lost.update(
        status=Status.FAILED, fail_reason=UNKNOWN_OUTCOME, finished_at=now, changed_at=now
    )
    downloads = copies.media_resume_due(now=now)
    return {"resubmitted": len(retry), "lost": lost_count, "media": downloads}


def work_pending_exists() -> bool:
    return (
        GenerationTask.objects.filter(status__in=GenerationTask.PENDING).exists()
        or Clip.objects.filter(COPIES_PENDING).exists()
    )


def poll_cycle(*, gateway: Gateway | None = None) -> None:
    """One pass of background work: resume what fell through, then poll what is due.

    The poller loop runs it every second or so; the minutely schedule runs it as a safety net.
    """
    work_resume_due()
    if work_pending_exists():
        tasks_poll_due(gateway=gateway)
