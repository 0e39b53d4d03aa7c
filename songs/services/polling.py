"""The poll cycle: claim due tasks, fetch them in batches, ingest the answers; and resume lost work.

One function, ``poll_cycle``, is what both the poller loop (``manage.py studio_poller``) and the minutely
safety-net schedule run. Claims are compare-and-set updates, so several pollers never share a task.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from songs import metrics
from songs.gateway import Gateway, GatewayError, gateway_for
from songs.models import COPIES_PENDING, Clip, GenerationTask
from songs.services import boost, common, copies, requests, timing
from songs.services.common import jobs_waiting, task_mark
from songs.services.ingest import LATE_POLL, past_cap, task_ingest, tasks_ingest, timed_out_fields
from songs.services.submit import SUBMIT_LEASE, UNKNOWN_OUTCOME

log = logging.getLogger(__name__)


Status = GenerationTask.Status


# How long a claim on a task lasts; a worker that dies mid-poll frees it after this.
POLL_LEASE = timedelta(seconds=30)


def _in_progress(now=None) -> QuerySet[GenerationTask]:
    """Tasks the gateway has and is still working on, and finished ones still watched (a late result after
    a time-out, a video being made): the ones the poller fetches."""
    now = now or timezone.now()
    return GenerationTask.objects.filter(
        Q(status__in=(Status.SUBMITTED, Status.RUNNING)) | Q(watch_until__gt=now)
    ).exclude(upstream_id="")


def tasks_claim_due(*, limit: int, now=None, sketch: bool = False) -> list[GenerationTask]:
    """Claim up to `limit` tasks due at `now`. A row another poller claimed (or is claiming) is skipped.

    The claim's lease outlasts the work, so a task stays with its poller for the whole cycle; where the
    database has it, SELECT ... FOR UPDATE SKIP LOCKED lets several pollers claim side by side.
    """
    now = now or timezone.now()
    due = _in_progress(now).filter(next_poll_at__lte=now, sketch=sketch).order_by("next_poll_at")
    token = uuid.uuid4()
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        pks = list(due.values_list("pk", flat=True)[:limit])
        # Compare-and-set: only rows still due are taken, so two pollers never share one.
        GenerationTask.objects.filter(pk__in=pks, next_poll_at__lte=now).update(
            claim_token=token, next_poll_at=now + POLL_LEASE
        )
    return list(GenerationTask.objects.filter(claim_token=token))


def tasks_poll_due(*, gateway: Gateway | None = None, now=None, budget: float | None = None) -> int:
    """One poll cycle: fetch the tasks due when it started, in batches, and ingest the answers.

    Each task is fetched at most once per cycle (an ingested task is due again later than the cycle's
    start), and a cycle stops claiming after `budget` seconds: what is left is the next cycle's.
    Returns the tasks polled. Each destination is fetched through its own client: sketches from the
    built-in engine beside the real gateway (only when there are any), everything else from the gateway.
    """
    start = now or timezone.now()
    deadline = time.monotonic() + (budget if budget is not None else settings.POLL_CYCLE_SECONDS)
    polled = 0
    for sketch in (False, True):
        if sketch and not _in_progress().filter(sketch=True, next_poll_at__lte=start).exists():
            break
        with gateway_for(gateway, sketch=sketch) as client:
            while time.monotonic() < deadline:
                tasks = tasks_claim_due(limit=settings.POLL_BATCH_SIZE, now=start, sketch=sketch)
                if not tasks:
                    break
                polled += len(tasks)
                if not _poll_batch(client, tasks):
                    break
    return polled


def _poll_batch(gateway: Gateway, tasks: list[GenerationTask]) -> bool:
    """Fetch one batch in one request and ingest it; copies are queued for the batch at once."""
    try:
        answers = {}
        # Each task is read the way it was made (its api_format): switching SUNO_API_FORMAT strands none.
        for api_format, ids in _by_format(tasks).items():
            answers.update({t.task_id: t for t in gateway.fetch_tasks(ids, api_format=api_format)})
    except GatewayError as exc:
        log.warning("poll of %d tasks failed: %s (%s)", len(tasks), exc.code, exc.message)
        _poll_failed(tasks, exc)
        return False
    try:
        outbox = tasks_ingest(tasks=tasks, answers=answers)
    except DatabaseError:
        # One answer the batch could not take (a clip another poller inserted meanwhile, ...): each task
        # alone, so the others are not held back by it.
        log.exception("bulk ingest of %d tasks failed; ingesting them one by one", len(tasks))
        outbox = []
        for task in tasks:
            task_ingest(task=task, answer=answers.get(task.upstream_id), outbox=outbox)
    copies.copies_enqueue(outbox)
    return True


def _by_format(tasks: list[GenerationTask]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for task in tasks:
        grouped.setdefault(task.api_format or "task", []).append(task.upstream_id)
    return grouped


def _poll_failed(tasks: list[GenerationTask], exc: GatewayError) -> None:
    now = timezone.now()
    for task in tasks:
        if task.status not in GenerationTask.PENDING:  # watched after it finished: ask again later
            GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=now + LATE_POLL, claim_token=None)
        elif past_cap(task, now):
            fields = timed_out_fields(now, settings.TASK_TIMEOUT_MINUTES)
            fields["fail_reason"] += f" (Last error: {exc.message})"  # for staff, in the admin
            task_mark(task, **fields)
        else:
            GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=now + timedelta(seconds=10))


def work_resume_due(*, now=None) -> dict[str, int]:
    """Pick up what fell through: retries that are due, submits whose worker died, media left pending.

    A job still waiting in the queue (behind a backlog, for a busy worker) is not lost: it is left alone.
    """
    now = now or timezone.now()
    due = list(
        GenerationTask.objects.filter(status=Status.QUEUED, next_poll_at__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )
    # The queue is read (and its jobs decoded) only when something is due: not on every idle cycle.
    waiting = jobs_waiting() if due or copies.media_due_exists(now=now) else frozenset()
    retry = []
    reachable = waiting is not None or not due or common.broker_reachable()
    for pk in due:
        if not reachable:
            # The broker is down: nothing can be queued. The request stays saved and due again shortly,
            # and its card says it waits (sent as soon as the broker answers: nothing is lost).
            requests.submit_delayed(task_pk=pk, code="broker_down", retry_at=now + requests.BROKER_RETRY)
            continue
        # Push the due time first so the next cycle does not enqueue it again.
        GenerationTask.objects.filter(pk=pk).update(next_poll_at=now + SUBMIT_LEASE)
        if waiting is None:
            continue  # too many jobs to read: it may be among them, and its lease brings it back
        if f"submit-{pk}" in waiting:
            # Its job waits for a worker (a backlog, or no worker running): say so on the card.
            requests.submit_delayed(task_pk=pk, code="worker_busy", retry_at=now + SUBMIT_LEASE)
        elif requests.submit_enqueue(pk):
            retry.append(pk)
    lost = GenerationTask.objects.filter(status=Status.SUBMITTED, upstream_id="", next_poll_at__lte=now)
    lost_count = lost.update(
        status=Status.FAILED,
        fail_reason=UNKNOWN_OUTCOME,
        reason_code="outcome_unknown",  # said to people in their own language, as any other reason
        finished_at=now,
        changed_at=now,
    )
    downloads = copies.media_resume_due(now=now, waiting=waiting)
    timings = timing.timing_resume_due(now=now)
    boosts = boost.boosts_expire(now=now)
    return {
        "resubmitted": len(retry),
        "lost": lost_count,
        "media": downloads,
        "timing": timings,
        "boosts_lost": boosts,
    }


def pause_before_next_cycle(*, longest: float, shortest: float = 0.25, now=None) -> float:
    """Seconds the poller loop may rest: until the soonest task in progress comes due, within
    [shortest, longest]. A task is then fetched when it comes due, not up to ``longest`` later (the half
    second that was most of the wait between a gateway's finishing and the studio's knowing)."""
    now = now or timezone.now()
    soonest = (
        _in_progress()
        .filter(next_poll_at__isnull=False)
        .order_by("next_poll_at")
        .values_list("next_poll_at", flat=True)
        .first()
    )
    if soonest is None:
        return longest
    return min(longest, max(shortest, (soonest - now).total_seconds()))


def work_pending_exists() -> bool:
    return (
        GenerationTask.objects.filter(status__in=GenerationTask.PENDING).exists()
        or Clip.objects.filter(COPIES_PENDING).exists()
        or GenerationTask.objects.filter(watch_until__gt=timezone.now()).exists()
    )


@metrics.poll_cycle_timed
def poll_cycle(*, gateway: Gateway | None = None, budget: float | None = None) -> None:
    """One pass of background work: resume what fell through, then poll what is due.

    The poller loop runs it every second or so; the minutely schedule runs it as a safety net, with a
    budget well inside its job's timeout so it is never killed halfway.
    """
    work_resume_due()
    if work_pending_exists():
        tasks_poll_due(gateway=gateway, budget=budget)
