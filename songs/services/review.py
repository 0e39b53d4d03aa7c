"""Staff review: the services behind the admin's actions. Keyword-only, <thing>_<verb>.

None of these reaches the gateway: "poll now" only makes tasks due and wakes a worker,
"retry" saves a new request that a worker submits, "cancel" only changes our own rows.
Each returns an Outcome: what was done and, grouped by reason, what was left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from songs.models import Clip, GenerationTask, ShareLink
from songs.services import quotas
from songs.services.common import job_enqueue
from songs.services.requests import task_create

Status = GenerationTask.Status


POLLABLE = (Status.SUBMITTED, Status.RUNNING)


CANCEL_REASON_MAX = 300


@dataclass
class Outcome:
    done: list[int] = field(default_factory=list)  # primary keys changed (or, for retries, made)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # why -> primary keys left alone

    def skip(self, why: str, pk: int) -> None:
        self.skipped.setdefault(why, []).append(pk)


def _finished(task: GenerationTask) -> str:
    return f"already finished ({task.get_status_display().lower()})"


def tasks_poll_now(*, tasks: QuerySet[GenerationTask]) -> Outcome:
    """Make the selected tasks due at once and wake one poll cycle in a worker.

    The web request never fetches from the gateway itself; the worker's cycle claims the
    tasks like any other due ones, so a poller that is already running cannot double up.
    """
    outcome = Outcome()
    now = timezone.now()
    for task in tasks.order_by("pk"):
        if task.status not in POLLABLE:
            why = _finished(task) if not task.is_pending else "not accepted by the gateway yet"
            outcome.skip(why, task.pk)
        elif not task.upstream_id:
            outcome.skip("not accepted by the gateway yet (no upstream id)", task.pk)
        elif GenerationTask.objects.filter(pk=task.pk, status__in=POLLABLE).update(next_poll_at=now):
            outcome.done.append(task.pk)
        else:
            outcome.skip("finished meanwhile", task.pk)
    if outcome.done:
        transaction.on_commit(_enqueue_cycle)
    return outcome


def _enqueue_cycle() -> None:
    job_enqueue("cycle", name="staff-poll")


def tasks_retry(*, tasks: QuerySet[GenerationTask]) -> Outcome:
    """Try each failed request again as a new task (retry_of the old one, which stays as it was).

    The new task goes through task_create, so the team's quota is charged (and may
    refuse) and the submit is enqueued on commit exactly as for a user's own click.
    """
    outcome = Outcome()
    for task in tasks.select_related("project__team", "user").order_by("pk"):
        if task.status != Status.FAILED:
            outcome.skip("only failed tasks can be retried", task.pk)
            continue
        if retry := task.retries.order_by("pk").first():
            outcome.skip(f"already retried (as #{retry.pk}); retry that one if it failed too", task.pk)
            continue
        if task.user is None:
            outcome.skip("its user no longer exists", task.pk)
            continue
        try:
            new = _retry_create(task)
        except quotas.QuotaExceeded as exc:
            outcome.skip(f"over quota: {exc}", task.pk)
        except ValidationError as exc:
            outcome.skip(f"the request is no longer valid: {'; '.join(exc.messages)}", task.pk)
        else:
            outcome.done.append(new.pk)
    return outcome


def _retry_create(task: GenerationTask) -> GenerationTask:
    return task_create(
        project=task.project,
        user=task.user,
        action=task.action,
        mode=task.mode,
        payload=task.request_payload,
        parent_clip=task.parent_clip,
        continue_at=task.continue_at,
        upload=task.upload,
        retry_of=task,
    )


def tasks_cancel(*, tasks: QuerySet[GenerationTask], by, reason: str) -> Outcome:
    """Fail pending tasks with the staff member's reason. Failing is the refund (see quotas).

    Compare-and-set per row: a task that finished while staff were deciding is left as it is.
    The gateway has no cancel call: work it already started may still finish there, unseen.
    """
    reason = " ".join(reason.split())[:CANCEL_REASON_MAX]
    if not reason:
        raise ValueError("A reason is needed to cancel a task.")
    fail_reason = f"Cancelled by staff ({by.get_username()}): {reason}"
    outcome = Outcome()
    for task in tasks.order_by("pk"):
        if not task.is_pending:
            outcome.skip(_finished(task), task.pk)
            continue
        now = timezone.now()
        won = GenerationTask.objects.filter(pk=task.pk, status__in=GenerationTask.PENDING).update(
            status=Status.FAILED,
            fail_reason=fail_reason,
            finished_at=now,
            changed_at=now,
            next_poll_at=None,
            claim_token=None,
        )
        if won:
            outcome.done.append(task.pk)
        else:
            outcome.skip("finished meanwhile", task.pk)
    return outcome


def clips_set_hidden(*, clips: QuerySet[Clip], hidden: bool) -> Outcome:
    """Hide clips from public share links (or allow them again). The owners still see them."""
    outcome = Outcome()
    for pk, current in clips.order_by("pk").values_list("pk", "hidden_from_sharing"):
        if current == hidden:
            outcome.skip("already hidden" if hidden else "not hidden", pk)
        else:
            outcome.done.append(pk)
    Clip.objects.filter(pk__in=outcome.done).update(hidden_from_sharing=hidden)
    return outcome


def share_links_revoke(*, links: Iterable[ShareLink] | QuerySet[ShareLink]) -> Outcome:
    """Stop share links from working. A revoked link stays revoked; the row is kept as a record."""
    outcome = Outcome()
    now = timezone.now()
    for link in links:
        if ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now):
            outcome.done.append(link.pk)
        else:
            outcome.skip("already revoked", link.pk)
    return outcome
