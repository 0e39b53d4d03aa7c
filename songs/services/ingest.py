"""Applying a gateway's answer to a task: its status, its clips (upserted by upstream id), a reason when
it failed, a lyric draft when lyrics arrive, and copies of finished media. Idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from songs import reasons
from songs.gateway import Clip as GatewayClip
from songs.gateway import Task, verdicts
from songs.models import Clip, GenerationTask
from songs.services import copies, drafts
from songs.services.common import task_mark

log = logging.getLogger(__name__)


Status = GenerationTask.Status


def _poll_interval(task: GenerationTask, now) -> timedelta:
    """Every ~2 s while young, slower as a task ages: gateways refresh their own table every ~15 s."""
    age = (now - (task.submitted_at or task.created_at)).total_seconds()
    if age < 90:
        return timedelta(seconds=2)
    if age < 300:
        return timedelta(seconds=5)
    return timedelta(seconds=15)


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

    A poll cycle passes the clips it already read for its batch (``known``, by upstream id) and an
    ``outbox`` that collects the copies to queue for the whole batch at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Staff may have cancelled it while this poll was in flight: a final state is never overwritten.
        current = (
            GenerationTask.objects.select_for_update().filter(pk=task.pk).values_list("status", flat=True)
        )
        if current.first() not in GenerationTask.PENDING:
            GenerationTask.objects.filter(pk=task.pk).update(claim_token=None)
            return
        if answer is None:
            _ingest_missing(task, now)
            return
        upserts = [_clip_upsert(task=task, data=clip, known=known, outbox=outbox) for clip in answer.clips]
        clips_changed = any(upserts)
        fields = _outcome(task, answer, now)
        if fields["status"] == Status.SUCCEEDED and task.action == GenerationTask.Action.LYRICS:
            _draft_from_lyrics(task, answer)
        if clips_changed or any(getattr(task, k) != v for k, v in fields.items()):
            fields["changed_at"] = now
        GenerationTask.objects.filter(pk=task.pk).update(
            last_response=answer.raw,
            polls=F("polls") + 1,
            claim_token=None,
            next_poll_at=now + _poll_interval(task, now),
            **fields,
        )
        for name, value in fields.items():
            setattr(task, name, value)


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
        fields.update(_upstream_failure(answer.fail_reason))
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


def _upstream_failure(text: str) -> dict:
    """The gateway's own reason; a plain sentence too when it is one people can be told in their words."""
    kind = verdicts.kind_of("", text, None)
    if not text:
        return {"fail_reason": "The gateway reported a failure without a reason.", "reason_code": ""}
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


def _clip_upsert(
    *, task: GenerationTask, data: GatewayClip, known: dict[str, Clip] | None, outbox: list | None
) -> bool:
    """Create or update the clip by its upstream id. Returns True when anything visible changed."""
    values = {
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
    clip = known.get(data.id) if known is not None else Clip.objects.filter(upstream_id=data.id).first()
    if clip is None:
        clip = Clip.objects.create(
            upstream_id=data.id,
            project=task.project,
            task=task,
            metadata=data.metadata,
            parent=task.parent_clip,
            continue_at=task.continue_at,
            **values,
        )
        changed = True
    elif clip.task_id != task.pk:
        log.warning("clip %s arrived for task %s but belongs to task %s", data.id, task.pk, clip.task_id)
        return False
    else:
        changed = any(getattr(clip, k) != v for k, v in values.items())
        if changed:
            for name, value in values.items():
                setattr(clip, name, value)
            clip.metadata = data.metadata
            clip.save()
    return _schedule_copies(clip, outbox) or changed


def _schedule_copies(clip: Clip, outbox: list | None) -> bool:
    """A complete clip's media is copied at once; its video as soon as the gateway offers one."""
    if clip.status != Clip.Status.COMPLETE:
        return False
    scheduled = False
    if clip.media_state == Clip.MediaState.NONE:
        copies.clip_media_schedule(clip=clip, outbox=outbox)
        scheduled = True
    if clip.video_url and clip.video_state == Clip.MediaState.NONE:
        copies.clip_media_schedule(clip=clip, kind="video", outbox=outbox)
        scheduled = True
    return scheduled


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
