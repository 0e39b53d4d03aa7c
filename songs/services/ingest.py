"""Applying a gateway's answer to a task: its status, its clips (upserted by upstream id), a reason when
it failed, a lyric draft when lyrics arrive, and copies of finished media. Idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from songs import reasons
from songs.gateway import Clip as GatewayClip
from songs.gateway import Task, verdicts
from songs.models import Clip, GenerationTask
from songs.services import callbacks, copies, drafts
from songs.services.common import task_mark

log = logging.getLogger(__name__)


Status = GenerationTask.Status


# How much slower the safety-net poll is for a task whose gateway calls back (songs.services.callbacks):
# a callback wakes it at once, so the poll only catches a callback that never came.
CALLBACK_SLOWDOWN = 5


def _poll_interval(task: GenerationTask, now, called_back: bool = False) -> timedelta:
    """Every ~2 s while young, slower as a task ages: gateways refresh their own table every ~15 s.
    Five times slower when its gateway's callbacks are arriving (10 s, 25 s, 75 s)."""
    age = (now - (task.submitted_at or task.created_at)).total_seconds()
    seconds = 2 if age < 90 else 5 if age < 300 else 15
    return timedelta(seconds=seconds * (CALLBACK_SLOWDOWN if called_back else 1))


def past_cap(task: GenerationTask, now) -> bool:
    started = task.submitted_at or task.created_at
    return now - started > timedelta(minutes=settings.TASK_TIMEOUT_MINUTES)


_UPSTREAM_TO_STATUS = {"SUCCESS": Status.SUCCEEDED, "FAILURE": Status.FAILED, "IN_PROGRESS": Status.RUNNING}


def task_ingest(
    *,
    task: GenerationTask,
    answer: Task | None,
    now=None,
    outbox: list | None = None,
    known: dict[str, Clip] | None = None,
) -> None:
    """Apply one fetch answer. Idempotent: the same answer twice changes nothing more.

    With an ``outbox`` the copies to queue are collected there (the caller queues them); otherwise they are
    queued when the transaction commits. ``known`` is accepted for older callers and ignored: the clips of
    the task are read in one query anyway.
    """
    answers = {task.upstream_id: answer} if answer is not None else {}
    box = tasks_ingest(tasks=[task], answers=answers, now=now)
    if outbox is not None:
        outbox.extend(box)
    else:  # one job per copy, each queued once this transaction commits
        for item in box:
            transaction.on_commit(partial(copies.copies_enqueue, [item]))


# The clip fields an answer sets (rows_update writes these and nothing else).
_CLIP_FIELDS = (
    "title", "status", "tags", "lyrics", "description", "model_name", "clip_type", "duration",
    "error_message", "audio_url", "image_url", "video_url", "is_video_pending", "metadata", "updated_at",
)  # fmt: skip


def tasks_ingest(*, tasks: list[GenerationTask], answers: dict[str, Task], now=None) -> list[tuple[str, int]]:
    """Apply a batch of fetch answers (by upstream task id) in one transaction and a few queries.

    One read locks the batch's tasks (a final state, set by staff meanwhile, is never overwritten), one
    reads all its clips, one inserts the new clips, one updates the changed ones and one updates the
    tasks. Returns the copies to queue, ``[("media" | "video", clip pk), ...]``, for the caller to queue
    in bulk after the commit. Idempotent: the same answers twice change nothing more.
    """
    now = now or timezone.now()
    if not tasks:
        return []
    with transaction.atomic():
        statuses = dict(
            GenerationTask.objects.select_for_update()
            .filter(pk__in=[task.pk for task in tasks])
            .values_list("pk", "status")
        )
        live = [task for task in tasks if statuses.get(task.pk) in GenerationTask.PENDING]
        done = [task.pk for task in tasks if statuses.get(task.pk) not in GenerationTask.PENDING]
        if done:
            GenerationTask.objects.filter(pk__in=done).update(claim_token=None)
        called_back = {
            api_format: callbacks.callbacks_arriving(api_format)
            for api_format in {task.api_format for task in live if task.callback_token}
        }
        answered = []
        for task in live:
            answer = answers.get(task.upstream_id)
            if answer is None:
                _ingest_missing(task, now)  # rare: one task's own queries
            else:
                answered.append((task, answer))
        if not answered:
            return []
        visible, outbox = _clips_upsert(answered, now)
        before = {task.pk: task.polls for task, _ in answered}
        written: dict[int, frozenset] = {}
        for task, answer in answered:
            fields = _outcome(task, answer, now)
            if fields["status"] == Status.SUCCEEDED and task.action == GenerationTask.Action.LYRICS:
                _draft_from_lyrics(task, answer)
            if task.pk in visible or any(getattr(task, k) != v for k, v in fields.items()):
                fields["changed_at"] = now
            fields.update(
                last_response=answer.raw,
                claim_token=None,
                next_poll_at=now + _poll_interval(task, now, called_back.get(task.api_format, False)),
            )
            for name, value in fields.items():
                setattr(task, name, value)
            written[task.pk] = frozenset(fields)
        _tasks_update([task for task, _ in answered], written)
        for task, _ in answered:
            task.polls = before[task.pk] + 1  # what "polls = polls + 1" wrote (the task is ours: claimed)
    return outbox


def _tasks_update(tasks: list[GenerationTask], written: dict[int, frozenset]) -> None:
    """One bulk update per set of fields written (at most four: with or without finished_at, changed_at):
    a field an answer did not set is never written back from a copy of the task read earlier."""
    groups: dict[frozenset, list[GenerationTask]] = {}
    for task in tasks:
        groups.setdefault(written[task.pk], []).append(task)
    for fields, group in groups.items():
        rows_update(GenerationTask, group, sorted(fields), add_one=("polls",))


def rows_update(model, objs: list, fields: list[str], add_one: tuple[str, ...] = ()) -> None:
    """Write ``fields`` of each object to its row: one statement run for every row (``executemany``).

    Django's ``bulk_update`` builds one CASE per field per row, which costs more in Python than the
    database spends running it (0.18 s for 50 tasks); values are prepared by each field as ``save()``
    would (JSON, dates, UUIDs). ``add_one`` columns are incremented in SQL.
    """
    if not objs:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    sets = [f"{quote(f.column)} = %s" for f in columns]
    sets += [f"{quote(c)} = {quote(c)} + 1" for c in add_one]
    pk = model._meta.pk
    sql = f"UPDATE {quote(model._meta.db_table)} SET {', '.join(sets)} WHERE {quote(pk.column)} = %s"
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk] for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _clip_values(data: GatewayClip) -> dict:
    return {
        "title": data.title[:200],
        "status": data.status if data.status in Clip.Status.values else "queued",
        "tags": data.tags[:1000],
        "lyrics": data.prompt,
        "description": data.gpt_description_prompt,
        "model_name": data.model_name[:40],
        "clip_type": (data.clip_type or "gen")[:20],
        "duration": data.duration,
        "error_message": data.error_message,
        "audio_url": data.audio_url[:1000],
        "image_url": (data.image_large_url or data.image_url)[:1000],
        "video_url": data.video_url[:1000],
        "is_video_pending": data.is_video_pending,
    }


def _clips_upsert(answered: list[tuple[GenerationTask, Task]], now) -> tuple[set[int], list]:
    """Create or update every clip of the batch by upstream id, in bulk.

    Returns the tasks whose clips changed visibly and the copies to queue.
    """
    ids = [data.id for _, answer in answered for data in answer.clips]
    known = {clip.upstream_id: clip for clip in Clip.objects.filter(upstream_id__in=ids)}
    new: list[Clip] = []
    changed: dict[int, Clip] = {}
    visible: set[int] = set()
    due: list[tuple[str, Clip]] = []
    for task, answer in answered:
        for data in answer.clips:
            values = _clip_values(data)
            clip = known.get(data.id)
            if clip is None:
                clip = Clip(
                    upstream_id=data.id,
                    project_id=task.project_id,
                    task=task,
                    metadata=data.metadata,
                    parent_id=task.parent_clip_id,
                    continue_at=task.continue_at,
                    **values,
                )
                known[data.id] = clip
                new.append(clip)
                differs = True
            elif clip.task_id != task.pk:
                log.warning(
                    "clip %s arrived for task %s but belongs to task %s", data.id, task.pk, clip.task_id
                )
                continue
            else:
                differs = any(getattr(clip, k) != v for k, v in values.items())
                if differs:
                    for name, value in values.items():
                        setattr(clip, name, value)
                    clip.metadata = data.metadata
            kinds = copies.copies_due(clip=clip, now=now)
            due.extend((kind, clip) for kind in kinds)
            if differs and clip.pk is not None:
                clip.updated_at = now
                changed[clip.pk] = clip
            if differs or kinds:
                visible.add(task.pk)
    existing_due = [(kind, clip) for kind, clip in due if clip.pk is not None]
    if new:
        Clip.objects.bulk_create(new)
    if changed:  # what the answer says; never the copies' states, which workers move meanwhile
        rows_update(Clip, list(changed.values()), list(_CLIP_FIELDS))
    for kind in ("media", "video"):
        pks = [clip.pk for k, clip in existing_due if k == kind]
        if pks:  # only from "none": a copy a worker stored since the batch's clips were read stays stored
            Clip.objects.filter(pk__in=pks, **{f"{kind}_state": Clip.MediaState.NONE}).update(
                **{f"{kind}_state": Clip.MediaState.PENDING, f"{kind}_next_at": now + copies.LEASE},
                updated_at=now,
            )
    return visible, [(kind, clip.pk) for kind, clip in due]


def _outcome(task: GenerationTask, answer: Task, now) -> dict:
    """What the answer means for the task: its status, and a reason whenever it failed."""
    status = _UPSTREAM_TO_STATUS.get(answer.status, task.status)
    if status == Status.SUBMITTED and any(c.status == "streaming" for c in answer.clips):
        status = Status.RUNNING
    fields = {
        "upstream_status": answer.status,
        "progress": answer.progress,
        "status": status,
        "fail_reason": "",
        "reason_code": "",
        "reason_detail": "",
    }
    makes_clips = task.action in (GenerationTask.Action.MUSIC, GenerationTask.Action.CONCAT)
    if status == Status.FAILED:
        fields.update(_upstream_failure(answer.fail_reason, answer.fail_kind))
    elif status == Status.SUCCEEDED and makes_clips and not answer.clips:
        fields.update(status=Status.FAILED, **_reason("no_clips"))
    if fields["status"] in (Status.SUCCEEDED, Status.FAILED):
        fields["finished_at"] = now
    elif past_cap(task, now) and any(clip.status == "complete" for clip in answer.clips):
        # A clip the answer never lists (some feeds leave out clips in error) is not waited for past the
        # cap: the task ends with the clips it has, and says one never came.
        fields.update(status=Status.SUCCEEDED, finished_at=now, **_reason("clip_missing"))
    elif past_cap(task, now):
        minutes = str(settings.TASK_TIMEOUT_MINUTES)
        fields.update(status=Status.FAILED, finished_at=now, **_reason("timed_out", minutes))
    return fields


def _upstream_failure(text: str, kind: str = "") -> dict:
    """The gateway's own reason; a plain sentence too when it is one people can be told in their words.

    A relayed body inside the reason ({"error": "Internal server error. AxiosError: ..."}) is unwrapped to
    its innermost message first: people never read raw JSON (staff find the whole answer in the admin).
    ``kind`` is the family's own verdict where it gives one (sunoapi's record status)."""
    if not text and not kind:
        return {"fail_reason": "The gateway reported a failure without a reason.", "reason_code": ""}
    inner = verdicts.unwrap("", text)
    text = inner.message or text
    kind = kind or verdicts.kind_of(inner.code, text, None)
    if kind in (verdicts.UNKNOWN, verdicts.INVALID):
        return {"fail_reason": text}  # the gateway's own words are the best we have
    return {"fail_reason": text, "reason_code": kind, "reason_detail": text[:300]}


def _reason(code: str, detail: str = "") -> dict:
    return {
        "fail_reason": reasons.english(code, detail=detail),
        "reason_code": code,
        "reason_detail": detail[:300],
    }


def _ingest_missing(task: GenerationTask, now) -> None:
    """The gateway does not know the task (yet): keep asking until the cap, then say so."""
    if past_cap(task, now):
        task_mark(
            task,
            status=Status.FAILED,
            finished_at=now,
            fail_reason="The gateway no longer knows this task; it gave no result in time.",
            reason_code="not_found",
        )
    GenerationTask.objects.filter(pk=task.pk).update(
        polls=F("polls") + 1, claim_token=None, next_poll_at=now + _poll_interval(task, now)
    )


def _draft_from_lyrics(task: GenerationTask, answer: Task) -> None:
    if answer.lyrics is None or task.drafts.exists():
        return
    drafts.draft_create(
        project=task.project,
        user=task.user,
        title=answer.lyrics.title,
        text=answer.lyrics.text,
        prompt=task.request_payload.get("prompt", ""),
        task=task,
        note="Written from a prompt",
    )
