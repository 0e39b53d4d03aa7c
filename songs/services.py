"""Everything that changes Song Studio's state. Views and tasks call these; nothing else writes.

Keyword-only functions named <thing>_<verb>. The user's input is saved before
anything can fail; the gateway is only ever reached from background workers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from songs import catalog, media, quotas, suno, teams, uploads
from songs.models import COPIES_PENDING, Clip, GenerationTask, LyricDraft, LyricRevision, Project

log = logging.getLogger(__name__)
Status = GenerationTask.Status
# How long a claim on a task lasts; a worker that dies mid-poll frees it after this.
POLL_LEASE = timedelta(seconds=30)
# A submit that has been "in flight" this long lost its worker: its outcome is unknown.
SUBMIT_LEASE = timedelta(minutes=2)
SUBMIT_GRACE = timedelta(seconds=30)
UNKNOWN_OUTCOME = (
    "The gateway did not confirm this request in time. It was not sent again, because it may have "
    "been accepted and a second request could be billed twice. Try again if no clips appear."
)


# --- projects ------------------------------------------------------------------------------


def project_create(*, owner, name: str, team=None) -> Project:
    """A project in the given team (default: the owner's personal team)."""
    team = team or teams.team_personal(user=owner)
    return teams.project_create(team=team, user=owner, name=name)


# --- requests --------------------------------------------------------------------------------


def music_payload(
    *,
    mode: str,
    mv: str,
    description: str = "",
    lyrics: str = "",
    tags: str = "",
    title: str = "",
    instrumental: bool = False,
    negative_tags: str = "",
    parent_clip: Clip | None = None,
    continue_at: float | None = None,
    infill: tuple[float, float] | None = None,
) -> dict:
    """The exact body the gateway receives. Always carries mv: gateways default it to chirp-v3-0."""
    if mode == GenerationTask.Mode.INSPIRATION:
        payload = {"gpt_description_prompt": description, "make_instrumental": instrumental, "mv": mv}
    else:
        payload = {
            "prompt": "" if instrumental else lyrics,
            "tags": tags,
            "mv": mv,
            "title": title,
            "make_instrumental": instrumental,
        }
    if negative_tags:
        payload["negative_tags"] = negative_tags
    if parent_clip is not None:
        payload.update(_continue_fields(mv, parent_clip, continue_at, infill))
    return payload


def _continue_fields(
    mv: str, clip: Clip, continue_at: float | None, infill: tuple[float, float] | None
) -> dict:
    fields = {
        "mv": catalog.continue_model(mv, uploaded=clip.clip_type == "upload"),
        "continue_clip_id": clip.upstream_id,
        "continue_at": infill[0] if infill else continue_at,
    }
    if clip.clip_type != "upload":
        # Stock gateways need the task that made the clip; the others ignore it (PROTOCOL.md). An
        # upload answers with a clip id, not a task id, so there is none to send (as in the seed).
        fields["task_id"] = clip.task.upstream_id
    if infill:
        fields["infill_start_s"], fields["infill_end_s"] = infill
    return fields


def task_create(
    *,
    project: Project,
    user,
    action: str,
    mode: str,
    payload: dict,
    request_key: uuid.UUID | None = None,
    **fields,
) -> GenerationTask:
    """Save the request, then (after commit) hand it to a worker to submit.

    A request_key seen before returns the task it made: a double click creates one song.
    """
    if request_key and (
        existing := GenerationTask.objects.filter(request_key=request_key, user=user).first()
    ):
        return existing
    task = GenerationTask(
        project=project,
        user=user,
        action=action,
        mode=mode,
        request_payload=payload,
        api_format=settings.SUNO_API_FORMAT,
        # Its own job is enqueued on commit; the heartbeat re-enqueues it only if that job got lost.
        next_poll_at=timezone.now() + SUBMIT_GRACE,
        request_key=request_key,
        **fields,
    )
    task.full_clean()
    with transaction.atomic():
        task.cost = quotas.quota_charge(team=project.team, action=action)
        task.save()
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
        transaction.on_commit(lambda: _enqueue_submit(task.pk))
    return task


def music_request(*, project: Project, user, request_key: uuid.UUID | None = None, **song) -> GenerationTask:
    """A song request; `song` holds music_payload's keywords (mode, mv, lyrics, tags, parent_clip…)."""
    payload = music_payload(**song)
    return task_create(
        project=project,
        user=user,
        action=GenerationTask.Action.MUSIC,
        mode=song["mode"],
        payload=payload,
        request_key=request_key,
        parent_clip=song.get("parent_clip"),
        continue_at=payload.get("continue_at"),
    )


def concat_request(*, clip: Clip, user, is_infill: bool = False) -> GenerationTask:
    """ "Get whole song": stitch a continuation chain (or a replaced section) into one clip."""
    return task_create(
        project=clip.project,
        user=user,
        action=GenerationTask.Action.CONCAT,
        mode=GenerationTask.Mode.CONCAT,
        payload={"clip_id": clip.upstream_id, "is_infill": is_infill},
        parent_clip=clip,
    )


def lyrics_request(
    *, project: Project, user, prompt: str, request_key: uuid.UUID | None = None
) -> GenerationTask:
    return task_create(
        project=project,
        user=user,
        action=GenerationTask.Action.LYRICS,
        mode=GenerationTask.Mode.LYRICS,
        payload={"prompt": prompt},
        request_key=request_key,
    )


def _enqueue_submit(task_pk: int) -> None:
    async_task("songs.tasks.submit_task", task_pk, task_name=f"submit-{task_pk}-{uuid.uuid4().hex[:6]}")


# --- submitting --------------------------------------------------------------------------------


def _mark(task: GenerationTask, **fields) -> None:
    """Save fields the user can see, and move changed_at so live pages pick them up."""
    fields["changed_at"] = timezone.now()
    GenerationTask.objects.filter(pk=task.pk).update(**fields)
    for name, value in fields.items():
        setattr(task, name, value)


def task_submit(*, task_pk: int, gateway: suno.Gateway | None = None) -> None:
    """Send a queued request to the gateway once. Safe to call twice: only one caller wins the claim."""
    now = timezone.now()
    won = GenerationTask.objects.filter(pk=task_pk, status=Status.QUEUED, upstream_id="").update(
        status=Status.SUBMITTED, attempts=F("attempts") + 1, next_poll_at=now + SUBMIT_LEASE, changed_at=now
    )
    if not won:
        return
    task = GenerationTask.objects.select_related("upload").get(pk=task_pk)
    with suno.gateway_for(gateway) as gateway:
        _submit_claimed(task, gateway)


def _submit_claimed(task: GenerationTask, gateway: suno.Gateway) -> None:
    try:
        if task.action == GenerationTask.Action.UPLOAD:
            uploads.upload_prepare(upload=task.upload, gateway=gateway)
        upstream_id = _send(gateway, task)
    except uploads.UploadRefused as exc:
        _mark(task, status=Status.FAILED, fail_reason=str(exc), finished_at=timezone.now())
        return
    except suno.SubmitOutcomeUnknown:
        _mark(task, status=Status.FAILED, fail_reason=UNKNOWN_OUTCOME, finished_at=timezone.now())
        return
    except suno.GatewayError as exc:
        _submit_failed(task, exc)
        return
    now = timezone.now()
    if task.action == GenerationTask.Action.UPLOAD:
        # The gateway answers an upload with the new clip's id at once: there is nothing to poll.
        uploads.upload_registered(task=task, clip_id=upstream_id)
        _mark(
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
    _mark(
        task,
        upstream_id=upstream_id,
        submitted_at=now,
        fail_reason="",
        next_poll_at=now + timedelta(seconds=1),
    )


def _send(gateway: suno.Gateway, task: GenerationTask) -> str:
    payload = task.request_payload
    if task.action == GenerationTask.Action.LYRICS:
        return gateway.submit_lyrics(prompt=payload["prompt"])
    if task.action == GenerationTask.Action.CONCAT:
        return gateway.submit_concat(clip_id=payload["clip_id"], is_infill=payload.get("is_infill", False))
    if task.action == GenerationTask.Action.UPLOAD:
        return gateway.upload_audio_url(url=payload["url"])
    return gateway.submit_music(payload=payload)


def _submit_failed(task: GenerationTask, exc: suno.GatewayError) -> None:
    if exc.retryable and task.attempts < settings.SUBMIT_MAX_ATTEMPTS:
        # Nothing was created upstream: queue it again; the poller re-sends it when due.
        _mark(
            task,
            status=Status.QUEUED,
            next_poll_at=timezone.now() + media.retry_delay(task.attempts),
            fail_reason=f"Not sent yet: {exc.message}. Trying again shortly.",
        )
        return
    reason = exc.message if not exc.retryable else f"Still failing after {task.attempts} tries: {exc.message}"
    _mark(task, status=Status.FAILED, fail_reason=reason, finished_at=timezone.now())


# --- polling ---------------------------------------------------------------------------------


def _poll_interval(task: GenerationTask, now) -> timedelta:
    """Every ~2 s while young, slower as a task ages: gateways refresh their own table every ~15 s."""
    age = (now - (task.submitted_at or task.created_at)).total_seconds()
    if age < 90:
        return timedelta(seconds=2)
    if age < 300:
        return timedelta(seconds=5)
    return timedelta(seconds=15)


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


def tasks_poll_due(*, gateway: suno.Gateway | None = None, now=None) -> int:
    """One poll cycle: fetch every due task in batches and ingest the answers. Returns tasks polled."""
    with suno.gateway_for(gateway) as gateway:
        return _poll_batches(gateway, now)


def _poll_batches(gateway: suno.Gateway, now) -> int:
    polled = 0
    while True:
        tasks = tasks_claim_due(limit=settings.POLL_BATCH_SIZE, now=now)
        if not tasks:
            return polled
        polled += len(tasks)
        try:
            answers = {t.task_id: t for t in gateway.fetch_tasks([task.upstream_id for task in tasks])}
        except suno.GatewayError as exc:
            log.warning("poll of %d tasks failed: %s (%s)", len(tasks), exc.code, exc.message)
            _poll_failed(tasks, exc)
            return polled
        for task in tasks:
            task_ingest(task=task, answer=answers.get(task.upstream_id))


def _poll_failed(tasks: list[GenerationTask], exc: suno.GatewayError) -> None:
    now = timezone.now()
    for task in tasks:
        if _past_cap(task, now):
            _mark(
                task,
                status=Status.FAILED,
                finished_at=now,
                fail_reason=f"No result from the gateway after {settings.TASK_TIMEOUT_MINUTES} minutes "
                f"(last error: {exc.message}).",
            )
        else:
            GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=now + timedelta(seconds=10))


def _past_cap(task: GenerationTask, now) -> bool:
    started = task.submitted_at or task.created_at
    return now - started > timedelta(minutes=settings.TASK_TIMEOUT_MINUTES)


_UPSTREAM_TO_STATUS = {"SUCCESS": Status.SUCCEEDED, "FAILURE": Status.FAILED, "IN_PROGRESS": Status.RUNNING}


def task_ingest(*, task: GenerationTask, answer: suno.Task | None, now=None) -> None:
    """Apply one fetch answer. Idempotent: the same answer twice changes nothing more."""
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
        clips_changed = any([_clip_upsert(task=task, data=clip) for clip in answer.clips])
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


def _outcome(task: GenerationTask, answer: suno.Task, now) -> dict:
    """What the answer means for the task: its status, and a reason whenever it failed."""
    status = _UPSTREAM_TO_STATUS.get(answer.status, task.status)
    if status == Status.SUBMITTED and any(c.status == "streaming" for c in answer.clips):
        status = Status.RUNNING
    fields = {
        "upstream_status": answer.status,
        "progress": answer.progress,
        "status": status,
        "fail_reason": "",
    }
    makes_clips = task.action in (GenerationTask.Action.MUSIC, GenerationTask.Action.CONCAT)
    if status == Status.FAILED:
        fields["fail_reason"] = answer.fail_reason or "The gateway reported a failure without a reason."
    elif status == Status.SUCCEEDED and makes_clips and not answer.clips:
        fields.update(
            status=Status.FAILED, fail_reason="The gateway finished the task but returned no clips."
        )
    if fields["status"] in (Status.SUCCEEDED, Status.FAILED):
        fields["finished_at"] = now
    elif _past_cap(task, now):
        fields.update(
            status=Status.FAILED,
            finished_at=now,
            fail_reason=(
                f"Timed out: the gateway gave no result within {settings.TASK_TIMEOUT_MINUTES} minutes."
            ),
        )
    return fields


def _ingest_missing(task: GenerationTask, now) -> None:
    """The gateway does not know the task (yet): keep asking until the cap, then say so."""
    if _past_cap(task, now):
        _mark(
            task,
            status=Status.FAILED,
            finished_at=now,
            fail_reason="The gateway no longer knows this task; it gave no result in time.",
        )
    GenerationTask.objects.filter(pk=task.pk).update(
        polls=F("polls") + 1, claim_token=None, next_poll_at=now + _poll_interval(task, now)
    )


def _clip_upsert(*, task: GenerationTask, data: suno.Clip) -> bool:
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
    clip = Clip.objects.filter(upstream_id=data.id).first()
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
    return _schedule_copies(clip) or changed


def _schedule_copies(clip: Clip) -> bool:
    """A complete clip's media is copied at once; its video as soon as the gateway offers one."""
    if clip.status != Clip.Status.COMPLETE:
        return False
    scheduled = False
    if clip.media_state == Clip.MediaState.NONE:
        media.clip_media_schedule(clip=clip)
        scheduled = True
    if clip.video_url and clip.video_state == Clip.MediaState.NONE:
        media.clip_media_schedule(clip=clip, kind="video")
        scheduled = True
    return scheduled


def _draft_from_lyrics(task: GenerationTask, answer: suno.Task) -> None:
    if answer.lyrics is None or task.drafts.exists():
        return
    draft_create(
        project=task.project,
        user=task.user,
        title=answer.lyrics.title,
        text=answer.lyrics.text,
        prompt=task.request_payload.get("prompt", ""),
        task=task,
        note="Written from a prompt",
    )


# --- lyric drafts --------------------------------------------------------------------------------


def draft_create(
    *,
    project: Project,
    user,
    title: str,
    text: str,
    prompt: str = "",
    task: GenerationTask | None = None,
    note: str = "First version",
) -> LyricDraft:
    with transaction.atomic():
        draft = LyricDraft(
            project=project, created_by=user, title=title[:200], text=text, prompt=prompt[:500], task=task
        )
        draft.full_clean()
        draft.save()
        _revision_add(draft=draft, user=user, note=note)
    return draft


def _revision_add(*, draft: LyricDraft, user, note: str) -> LyricRevision:
    latest = draft.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return LyricRevision.objects.create(
        draft=draft, number=latest + 1, title=draft.title, text=draft.text, note=note, created_by=user
    )


def draft_save(*, draft: LyricDraft, user, title: str, text: str) -> bool:
    """Save an edit as a new revision. Returns False when nothing changed (no empty revisions)."""
    if draft.title == title and draft.text == text:
        return False
    with transaction.atomic():
        LyricDraft.objects.select_for_update().filter(pk=draft.pk).first()  # one editor at a time
        draft.title, draft.text = title[:200], text
        draft.full_clean()
        draft.save(update_fields=["title", "text", "updated_at"])
        _revision_add(draft=draft, user=user, note="Edited")
    return True


def draft_restore(*, draft: LyricDraft, revision: LyricRevision, user) -> None:
    """Bring back an earlier version as the newest one; the versions in between stay."""
    if revision.draft_id != draft.pk:
        raise ValueError("That revision belongs to another draft.")
    with transaction.atomic():
        draft.title, draft.text = revision.title, revision.text
        draft.save(update_fields=["title", "text", "updated_at"])
        _revision_add(draft=draft, user=user, note=f"Restored version {revision.number}")


# --- the background heartbeat ------------------------------------------------------------------


def work_resume_due(*, now=None) -> dict[str, int]:
    """Pick up what fell through: retries that are due, submits whose worker died, media left pending."""
    now = now or timezone.now()
    retry = list(
        GenerationTask.objects.filter(status=Status.QUEUED, next_poll_at__lte=now).values_list(
            "pk", flat=True
        )[:100]
    )
    for pk in retry:
        # Push the due time first so the next heartbeat does not enqueue it again.
        GenerationTask.objects.filter(pk=pk).update(next_poll_at=now + SUBMIT_LEASE)
        _enqueue_submit(pk)
    lost = GenerationTask.objects.filter(status=Status.SUBMITTED, upstream_id="", next_poll_at__lte=now)
    lost_count = lost.update(
        status=Status.FAILED, fail_reason=UNKNOWN_OUTCOME, finished_at=now, changed_at=now
    )
    downloads = media.media_resume_due(now=now)
    return {"resubmitted": len(retry), "lost": lost_count, "media": downloads}


def work_pending_exists() -> bool:
    return (
        GenerationTask.objects.filter(status__in=GenerationTask.PENDING).exists()
        or Clip.objects.filter(COPIES_PENDING).exists()
    )
