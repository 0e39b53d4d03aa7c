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
from songs.services import callbacks, copies, drafts, features, quotas, renders, requests
from songs.services.common import task_mark

log = logging.getLogger(__name__)


Status = GenerationTask.Status


# How much slower the safety-net poll is for a task whose gateway calls back (songs.services.callbacks):
# a callback wakes it at once, so the poll only catches a callback that never came.
CALLBACK_SLOWDOWN = 5


def _poll_interval(task: GenerationTask, now, called_back: bool = False) -> timedelta:
    """Every second while young (most songs finish in their first minute: each second here is a second
    before the copy plays), then 2 s, slower as a task ages: gateways refresh their own table every ~15 s.
    Five times slower when its gateway's callbacks are arriving."""
    age = (now - (task.submitted_at or task.created_at)).total_seconds()
    seconds = 1 if age < 60 else 2 if age < 90 else 5 if age < 300 else 15
    return timedelta(seconds=seconds * (CALLBACK_SLOWDOWN if called_back else 1))


# A timed-out task is asked about this often (a late result is taken); a finished one whose video the
# gateway is still making, this often (its copy is fetched once, when it is ready).
LATE_POLL = timedelta(seconds=60)
VIDEO_POLL = timedelta(seconds=10)
VIDEO_WATCH = timedelta(minutes=60)


def past_cap(task: GenerationTask, now, *, queued: bool = False, since_sent: bool = False) -> bool:
    """Has the task gone without progress too long? The time-out counts from its last progress (the
    gateway's answer changing), so a slow task that moves is never failed; one the gateway reports still
    waiting in its queue has the longer TASK_QUEUED_TIMEOUT_MINUTES, counted from when it was sent."""
    if queued:
        waited = now - (task.submitted_at or task.created_at)
        return waited > timedelta(minutes=settings.TASK_QUEUED_TIMEOUT_MINUTES)
    quiet_since = task.submitted_at or task.created_at
    if not since_sent:
        quiet_since = task.progressed_at or quiet_since
    return now - quiet_since > timedelta(minutes=settings.TASK_TIMEOUT_MINUTES)


def timed_out_fields(now, minutes: int) -> dict:
    """A task failed for want of progress: credits back (a failure is its refund), and still asked about
    for TASK_LATE_HOURS, so that a result the gateway makes after all is taken (and counts again)."""
    return {
        "status": Status.FAILED,
        "finished_at": now,
        **_reason("timed_out", str(minutes)),
        "watch_until": now + timedelta(hours=settings.TASK_LATE_HOURS),
        "next_poll_at": now + LATE_POLL,
    }


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
        rows = {
            pk: (status, watch_until)
            for pk, status, watch_until in GenerationTask.objects.select_for_update()
            .filter(pk__in=[task.pk for task in tasks])
            .values_list("pk", "status", "watch_until")
        }

        def wanted(task: GenerationTask) -> bool:
            status, watch_until = rows.get(task.pk, (None, None))
            return status in GenerationTask.PENDING or (watch_until is not None and watch_until > now)

        live = [task for task in tasks if wanted(task)]
        done = [task.pk for task in tasks if not wanted(task)]
        if done:
            GenerationTask.objects.filter(pk__in=done).update(claim_token=None)
        called_back = {
            api_format: callbacks.callbacks_arriving(api_format)
            for api_format in {task.api_format for task in live if task.callback_token}
        }
        answered, waiting_late = [], []
        for task in live:
            task.status = rows[task.pk][0]  # a claimed copy may be older than the locked row
            answer = answers.get(task.upstream_id)
            if answer is None:
                _ingest_missing(task, now)  # rare: one task's own queries
            elif task.status == Status.FAILED and answer.status not in ("SUCCESS", "FAILURE"):
                waiting_late.append(task.pk)  # timed out, still not done upstream: ask again later
            else:
                answered.append((task, answer))
        if waiting_late:
            GenerationTask.objects.filter(pk__in=waiting_late).update(
                polls=F("polls") + 1, claim_token=None, next_poll_at=now + LATE_POLL
            )
        if not answered:
            return []
        visible, outbox = _clips_upsert(answered, now)
        before = {task.pk: task.polls for task, _ in answered}
        written: dict[int, frozenset] = {}
        succeeded_now = []  # this answer made them succeed (a watched task's later polls do not count)
        for task, answer in answered:
            if _progressed(task, answer, visible):
                task.progressed_at = now  # the time-out counts from here
            finished_before = task.status not in GenerationTask.PENDING
            fields = _outcome(task, answer, now)
            if finished_before and task.status == Status.FAILED and fields["status"] == Status.SUCCEEDED:
                log.info("task %s: a result arrived after its time-out; taken", task.pk)
            if fields["status"] == Status.SUCCEEDED and task.action == GenerationTask.Action.LYRICS:
                _draft_from_lyrics(task, answer)
            if task.status == Status.SUCCEEDED and fields["status"] == Status.SUCCEEDED:
                fields.pop("finished_at", None)  # a video being watched: it finished when it finished
            elif fields["status"] == Status.SUCCEEDED:
                succeeded_now.append(task)
                if task.action == GenerationTask.Action.RENDER:  # its file goes to the clip it was made of
                    outbox += renders.render_done(task=task, url=answer.media_url, now=now)
            if task.pk in visible or any(getattr(task, k) != v for k, v in fields.items()):
                fields["changed_at"] = now
            fields.update(
                last_response=answer.raw,
                claim_token=None,
                progressed_at=task.progressed_at,
                **_next_look(task, answer, fields, now, called_back.get(task.api_format, False)),
            )
            for name, value in fields.items():
                setattr(task, name, value)
            written[task.pk] = frozenset(fields)
        _tasks_update([task for task, _ in answered], written)
        for task, _ in answered:
            task.polls = before[task.pk] + 1  # what "polls = polls + 1" wrote (the task is ours: claimed)
        _sections_stitch(succeeded_now)
    return outbox


def _progressed(task: GenerationTask, answer: Task, visible: set[int]) -> bool:
    """The gateway's answer moved: another status or progress, or a clip that changed."""
    return answer.status != task.upstream_status or answer.progress != task.progress or task.pk in visible


def _next_look(task: GenerationTask, answer: Task, fields: dict, now, called_back: bool = False) -> dict:
    """When the poller asks about the task next, and until when it watches it once finished."""
    status = fields["status"]
    if status in GenerationTask.PENDING:
        return {"next_poll_at": now + _poll_interval(task, now, called_back), "watch_until": None}
    if fields.get("reason_code") == "timed_out":
        return {"next_poll_at": fields["next_poll_at"], "watch_until": fields["watch_until"]}
    if status == Status.SUCCEEDED and any(c.video_url and c.is_video_pending for c in answer.clips):
        # The gateway is still making a video: its copy is fetched once the answer says it is ready.
        until = task.watch_until if task.watch_until and task.watch_until > now else now + VIDEO_WATCH
        return {"next_poll_at": now + VIDEO_POLL, "watch_until": until}
    return {"next_poll_at": None, "watch_until": None}


def _sections_stitch(tasks: list[GenerationTask]) -> None:
    """Replace section is one step: a section that is made is put back into its song at once (free by
    default, CREDIT_COST_WHOLE_SONG). Saved in this transaction, so the page never sees the section done
    and nothing pending in between; a stitch that cannot be asked for leaves the section with its
    "Stitch into the song" button and the reason in the log."""
    made = [
        task.pk
        for task in tasks
        if task.mode == GenerationTask.Mode.INFILL and task.action == GenerationTask.Action.MUSIC
    ]
    if not made:
        return
    fragments = Clip.objects.filter(task_id__in=made, status=Clip.Status.COMPLETE).select_related(
        "project", "task"
    )
    for fragment in fragments:
        if fragment.task.user is None:
            continue  # the person who asked has gone: nobody to charge or show it to
        try:
            requests.stitch_request(fragment=fragment, user=fragment.task.user)
        except (quotas.QuotaExceeded, features.FeatureMissing) as exc:
            log.info("section %s not stitched: %s", fragment.upstream_id, exc)


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
    elif task.status == Status.FAILED:
        # Timed out before and still not done upstream (the caller keeps those apart): stays as it was.
        fields.update(status=Status.FAILED)
    elif past_cap(task, now, since_sent=True) and any(clip.status == "complete" for clip in answer.clips):
        # A clip the answer never lists (some feeds leave out clips in error) is not waited for past the
        # cap: the task ends with the clips it has, and says one never came.
        fields.update(status=Status.SUCCEEDED, finished_at=now, **_reason("clip_missing"))
    elif past_cap(task, now, queued=_queued_upstream(answer)):
        queued = _queued_upstream(answer)
        minutes = settings.TASK_QUEUED_TIMEOUT_MINUTES if queued else settings.TASK_TIMEOUT_MINUTES
        fields.update(timed_out_fields(now, minutes))
    return fields


def _queued_upstream(answer: Task) -> bool:
    """The gateway has the task but has not started it (waiting in its queue)."""
    started = any(clip.status in ("streaming", "complete") for clip in answer.clips)
    return answer.status in GenerationTask.UPSTREAM_QUEUED and not started


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
    if task.status not in GenerationTask.PENDING:  # timed out and watched: the gateway forgot it
        GenerationTask.objects.filter(pk=task.pk).update(
            polls=F("polls") + 1, claim_token=None, next_poll_at=None, watch_until=None
        )
        return
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
