"""Saving what a person asked for: the exact gateway payload, charged, and queued on commit.

The user's input is saved before anything can fail; a request key seen before returns the task it made,
so a double click creates one song.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from songs import catalog, reasons
from songs.gateway import SKETCH_FORMAT, sketches_offered
from songs.models import Clip, GenerationTask, Project, Team
from songs.services import features, quotas
from songs.services.common import job_enqueue

# Its own job is enqueued on commit; the poll cycle re-enqueues it only if that job got lost.
SUBMIT_GRACE = timedelta(seconds=30)


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
    extras: dict | None = None,
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
    payload.update(extras or {})  # finer control and a persona (songs.forms_extras), as the form checked
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
        # Stock gateways need the task that made the clip; the others ignore it (docs/protocol.md). An
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

    A request_key seen before returns the task it made: a double click creates one song, charged once,
    even when both clicks arrive at the same moment. The team's row is locked before the key is looked
    up (SQLite's immediate transactions serialise writers the same way), so the second click waits for
    the first and finds its task; if it slipped past anyway, the unique key stops it and it answers with
    the first click's task.
    """
    features.feature_require(action=action, payload=payload)
    task = GenerationTask(
        project=project,
        user=user,
        action=action,
        mode=mode,
        request_payload=payload,
        api_format=settings.SUNO_API_FORMAT,
        next_poll_at=timezone.now() + SUBMIT_GRACE,
        **fields,
    )
    task.full_clean(exclude=["request_key"])  # the key is checked below, under the lock
    try:
        with transaction.atomic():
            team_lock(team_id=project.team_id)
            if request_key:
                existing = _task_for_key(request_key=request_key, user=user, project=project)
                if existing is not None:
                    return existing
                # A key made for another project (or person) stays theirs: this is a new request, unkeyed.
                if not GenerationTask.objects.filter(request_key=request_key).exists():
                    task.request_key = request_key
            task.cost = quotas.quota_charge(team=project.team, action=action)
            task.charged_team = project.team
            task.save()
            Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
            transaction.on_commit(lambda: submit_enqueue(task.pk))
    except IntegrityError:
        existing = _task_for_key(request_key=request_key, user=user, project=project) if request_key else None
        if existing is None:
            raise
        return existing
    return task


def team_lock(*, team_id: int) -> None:
    """Hold the team's row until the transaction ends: one request of the team is saved at a time, so a
    look-up of what a click already made and the charge that follows see every earlier click."""
    Team.objects.select_for_update().filter(pk=team_id).first()


def clip_request_once(
    *, clip: Clip, user, action: str, mode: str, payload: dict, keys: uuid.UUID, label: str, current
) -> GenerationTask:
    """One request of a kind per clip (stems, a render): under the team's lock, so two clicks at once (two
    tabs, two editors) find one request. ``current()`` is the request to answer with instead of a new one
    (running, or done), or None; a new one is keyed by the clip, ``label`` and how many were made before,
    so a double click that races past the lock makes one as well."""
    with transaction.atomic():
        team_lock(team_id=clip.project.team_id)
        existing = current()
        if existing is not None:
            return existing
        tries = GenerationTask.objects.filter(parent_clip=clip, mode=mode).count()
        key = uuid.uuid5(keys, f"{clip.uid}:{label}{tries}")
        try:
            return task_create(
                project=clip.project,
                user=user,
                action=action,
                mode=mode,
                payload=payload,
                request_key=key,
                parent_clip=clip,
            )
        except IntegrityError:  # the same click, saved by a concurrent request a moment ago
            found = current()
            if found is None:
                raise
            return found


def _task_for_key(*, request_key: uuid.UUID, user, project: Project) -> GenerationTask | None:
    """The task this key made, only for the same person in the same project (which the caller checked
    they may use): a key replayed elsewhere, say after leaving a team, must not reveal that team's task."""
    return GenerationTask.objects.filter(request_key=request_key, user=user, project=project).first()


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


def music_requests(
    *, project: Project, user, count: int = 1, request_key: uuid.UUID | None = None, **song
) -> list[GenerationTask]:
    """Batch variations: ``count`` identical song requests from one click, each its own task and charge.

    All or nothing: the team is charged for the whole batch or nothing is saved (QuotaExceeded). Every task
    is saved before anything is sent, with a key derived from the click's (``variation_keys``), so the same
    click sent twice finds the batch it made: a double click on a batch of 3 makes 3, not 6. The team's row
    is locked before the keys are looked up, so two copies of one click cannot both pass the look-up; where
    the database has no row locks (SQLite) the unique key stops the second, which then finds the first's.
    """
    payload = music_payload(**song)
    keys = variation_keys(request_key, count)
    features.feature_require(action=GenerationTask.Action.MUSIC, payload=payload)
    try:
        return _batch_save(project=project, user=user, count=count, keys=keys, payload=payload, song=song)
    except IntegrityError:
        made = _batch_made(keys=keys, user=user, project=project)
        if not made:
            raise
        return made


def _batch_made(*, keys: list[uuid.UUID], user, project: Project) -> list[GenerationTask]:
    """The tasks these keys made, for the same person in the same project (see ``_task_for_key``)."""
    if not keys:
        return []
    mine = GenerationTask.objects.filter(request_key__in=keys, user=user, project=project)
    made = {task.request_key: task for task in mine}
    return [made[key] for key in keys if key in made]


def _batch_save(*, project: Project, user, count: int, keys: list, payload: dict, song: dict) -> list:
    action = GenerationTask.Action.MUSIC
    with transaction.atomic():
        team_lock(team_id=project.team_id)
        if made := _batch_made(keys=keys, user=user, project=project):
            return made  # this click was saved before
        if keys:  # a key made for another project (or person): these are new requests, unkeyed
            taken = GenerationTask.objects.filter(request_key__in=keys).values_list("request_key", flat=True)
            elsewhere = set(taken)
            keys = [None if key in elsewhere else key for key in keys]
        if count == 1:
            cost = quotas.quota_charge(team=project.team, action=action)
        else:
            cost = quotas.quota_charge_batch(team=project.team, action=action, count=count)
        tasks = []
        for key in keys or [None] * count:
            task = GenerationTask(
                project=project,
                user=user,
                action=action,
                mode=song["mode"],
                request_payload=payload,
                api_format=settings.SUNO_API_FORMAT,
                next_poll_at=timezone.now() + SUBMIT_GRACE,
                request_key=key,
                parent_clip=song.get("parent_clip"),
                continue_at=payload.get("continue_at"),
                cost=cost,
                charged_team=project.team,
            )
            task.full_clean(exclude=["request_key"])  # the key's uniqueness was checked above, under the lock
            task.save()
            tasks.append(task)
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
        for task in tasks:
            transaction.on_commit(lambda pk=task.pk: submit_enqueue(pk))
    return tasks


class SketchRefused(Exception):
    """A sketch that cannot be made now (turned off, or too many of the person's still running)."""


# Sketches cost the studio's own machine, not credits: a person waits for theirs before asking for more.
SKETCHES_PENDING_MAX = 2
# Request fields that name the real gateway's own objects (a persona and its clip): the engine has none.
_GATEWAY_ONLY_FIELDS = ("task", "persona_id", "artist_clip_id")


def sketch_request(*, project: Project, user, request_key: uuid.UUID | None = None, **song) -> GenerationTask:
    """A local sketch of a new song: the same request, sent to the built-in engine beside the real gateway
    (never to the gateway itself) and free: no credits are charged and no quota is counted."""
    if not sketches_offered():
        raise SketchRefused(_("Sketches are turned off on this studio."))
    if request_key and (made := _task_for_key(request_key=request_key, user=user, project=project)):
        return made
    running = GenerationTask.objects.filter(user=user, sketch=True, status__in=GenerationTask.PENDING)
    if running.count() >= SKETCHES_PENDING_MAX:
        raise SketchRefused(_("Wait for your sketches to finish before asking for another."))
    payload = {k: v for k, v in music_payload(**song).items() if k not in _GATEWAY_ONLY_FIELDS}
    if (song.get("extras") or {}).get("persona_id"):
        payload["mv"] = song["mv"]  # the persona's -tau model was for the real gateway's persona task
    if request_key and GenerationTask.objects.filter(request_key=request_key).exists():
        request_key = None  # a key made for another project (or person): a new request, unkeyed
    task = GenerationTask(
        project=project,
        user=user,
        action=GenerationTask.Action.MUSIC,
        mode=song["mode"],
        request_payload=payload,
        api_format=SKETCH_FORMAT,
        sketch=True,
        cost=0,
        next_poll_at=timezone.now() + SUBMIT_GRACE,
        request_key=request_key,
    )
    task.full_clean()
    with transaction.atomic():
        task.save()
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
        transaction.on_commit(lambda: submit_enqueue(task.pk))
    return task


def variation_keys(request_key: uuid.UUID | None, count: int) -> list[uuid.UUID]:
    """One key per request of a batch: the first is the click's own (a batch of one is a plain request),
    the others derived from it, so the same click always names the same requests."""
    if not request_key:
        return []
    return [request_key] + [uuid.uuid5(request_key, f"variation-{n}") for n in range(2, count + 1)]


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


def stitch_request(*, fragment: Clip, user, retry: bool = False) -> GenerationTask:
    """Put a replaced section back into its song: the second half of the one Replace section step.

    Asked for by the poller as soon as the section is made (``services.ingest``), so people get the whole
    song back, as at Suno; drawn on the Replace section card, not as a card of its own. Keyed by the
    section, so asking twice makes one (``retry``, after a failed one, makes another).
    """
    key = None if retry else uuid.uuid5(uuid.NAMESPACE_URL, f"stitch:{fragment.uid}")
    return task_create(
        project=fragment.project,
        user=user,
        action=GenerationTask.Action.CONCAT,
        mode=GenerationTask.Mode.INFILL,
        payload={"clip_id": fragment.upstream_id, "is_infill": True},
        parent_clip=fragment,
        request_key=key,
    )


def lyrics_request(
    *, project: Project, user, prompt: str, request_key: uuid.UUID | None = None
) -> GenerationTask:
    features.lyrics_require()
    return task_create(
        project=project,
        user=user,
        action=GenerationTask.Action.LYRICS,
        mode=GenerationTask.Mode.LYRICS,
        payload={"prompt": prompt},
        request_key=request_key,
    )


# While the broker cannot be reached, the poll cycle tries to queue a saved request again this often.
BROKER_RETRY = timedelta(seconds=5)


def submit_enqueue(task_pk: int) -> bool:
    """Queue the job that sends a saved request. With the broker down, the request stays saved and due
    again shortly, and its card says plainly that it waits for the broker (a job queued twice is still
    sent once: the submit claims the task)."""
    if job_enqueue("submit", task_pk, name=f"submit-{task_pk}"):
        return True
    submit_delayed(task_pk=task_pk, code="broker_down", retry_at=timezone.now() + BROKER_RETRY)
    return False


def submit_delayed(*, task_pk: int, code: str, retry_at) -> None:
    """A saved request that could not be handed to a worker yet: due again at ``retry_at``, its card says
    why (``broker_down``: the job queue does not answer; ``worker_busy``: queued, no worker took it)."""
    now = timezone.now()
    changed = (
        GenerationTask.objects.filter(pk=task_pk, status=GenerationTask.Status.QUEUED, upstream_id="")
        .exclude(reason_code=code)
        .update(
            reason_code=code,
            reason_detail="",
            fail_reason=reasons.english(code),
            next_poll_at=retry_at,
            changed_at=now,  # the open page redraws the card with its note
        )
    )
    if not changed:  # already saying so: only the due time moves
        GenerationTask.objects.filter(
            pk=task_pk, status=GenerationTask.Status.QUEUED, upstream_id="", reason_code=code
        ).update(next_poll_at=retry_at)
