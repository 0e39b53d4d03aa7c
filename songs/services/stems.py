"""Stems, covers, added vocals or instrumentals of a clip: music requests of the SunoAPI-style tasks
(docs/protocol.md 7.1, 7.5, 8.1).

Each is saved and charged like every song (``requests.task_create``) before a worker sends it; the
request's ``parent_clip`` is the source, so the stems land on the source's card and a cover names it.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _

from songs import catalog
from songs.models import Clip, GenerationTask
from songs.services import requests

Mode = GenerationTask.Mode
# The request key of a clip's stems is derived from the clip, so a double click (or two tabs) makes one.
_STEMS_KEYS = uuid.UUID("5b0f3d52-6f1e-4a43-9b7e-2f3c1c0a57e1")


class NotSplittable(Exception):
    """The clip cannot be split (not finished, a stem itself, or an upload); the message says why."""


def stems_of(*, clip: Clip) -> GenerationTask | None:
    """The clip's stems request that is running or done (the newest), or None."""
    return (
        GenerationTask.objects.filter(parent_clip=clip, mode=Mode.STEMS)
        .exclude(status=GenerationTask.Status.FAILED)
        .order_by("-pk")
        .first()
    )


def stems_payload(*, clip: Clip) -> dict:
    """The reference's two-stem request (docs/protocol.md 7.5): vocals and instrumental."""
    return {
        "task": "gen_stem",
        "generation_type": "TEXT",
        "title": clip.title,
        "mv": catalog.TASK_MODELS["gen_stem"][0],  # the reference's (separation sounds the same on any)
        "prompt": "",
        "make_instrumental": True,
        "continue_clip_id": clip.upstream_id,
        "continued_aligned_prompt": None,
        "continue_at": None,
        "stem_type_id": 91,
        "stem_type_group_name": "Two",
        "stem_task": "two",
        # Families that name a clip by its task and id (sunoapi's vocal-removal) need the task too.
        "task_id": clip.task.upstream_id,
    }


def stems_request(*, clip: Clip, user) -> GenerationTask:
    """ "Split stems": one request per clip; asking again while it runs (or once done) returns it."""
    if clip.status != Clip.Status.COMPLETE or clip.clip_type in ("stem", "upload"):
        raise NotSplittable(_("Only a finished song made here can be split into stems."))
    return requests.clip_request_once(
        clip=clip,
        user=user,
        action=GenerationTask.Action.MUSIC,
        mode=Mode.STEMS,
        payload=stems_payload(clip=clip),
        keys=_STEMS_KEYS,
        label="",
        current=lambda: stems_of(clip=clip),
    )


def cover_payload(*, clip: Clip, tags: str, title: str) -> dict:
    """The reference's cover request (docs/protocol.md 7.1): the source's lyrics in a new style.

    A cover of the user's own upload says so (``cover_clip_type``): some families take it as another
    action (AceDataCloud's upload_cover); the v2 body leaves the key out."""
    upload = {"cover_clip_type": "upload"} if clip.clip_type == "upload" else {}
    return upload | {
        "prompt": clip.lyrics,
        "generation_type": "TEXT",
        "tags": tags,
        "negative_tags": "",
        "mv": catalog.task_model("cover"),
        "title": title,
        "make_instrumental": not clip.lyrics,
        "task": "cover",
        "cover_clip_id": clip.upstream_id,
        # Families that cover from a link (sunoapi's upload-cover) take the source's own audio link.
        "cover_audio_url": clip.audio_url,
    }


def cover_request(
    *, clip: Clip, user, tags: str, title: str, request_key: uuid.UUID | None = None
) -> GenerationTask:
    """ "Cover in another style": same lyrics and melody, the style (and title) given."""
    return requests.task_create(
        project=clip.project,
        user=user,
        action=GenerationTask.Action.MUSIC,
        mode=Mode.COVER,
        payload=cover_payload(clip=clip, tags=tags, title=title or clip.title),
        request_key=request_key,
        parent_clip=clip,
    )


class NotAnUpload(Exception):
    """Add vocals / Add instrumental take only a user's own audio; the message says so."""


def add_part_payload(
    *, clip: Clip, vocals: bool, tags: str, title: str, lyrics: str = "", negative_tags: str = ""
) -> dict:
    """Add vocals (the lyrics sung over the upload) or an instrumental (a backing for it): sunoapi's
    add-vocals and add-instrumental (docs/protocol.md 8.1). The worker adds the upload's signed link."""
    return {
        "task": "add_vocals" if vocals else "add_instrumental",
        "prompt": lyrics if vocals else "",
        "tags": tags,
        "negative_tags": negative_tags,  # required by the family: sent even when empty (docs 8.1)
        "title": title,
        "mv": catalog.task_model("add_part"),
        "make_instrumental": not vocals,
        "source_clip_id": clip.upstream_id,
    }


def add_part_request(
    *,
    clip: Clip,
    user,
    vocals: bool,
    tags: str,
    title: str,
    lyrics: str = "",
    negative_tags: str = "",
    request_key: uuid.UUID | None = None,
) -> GenerationTask:
    """ "Add vocals" / "Add instrumental" on an uploaded clip: a new card, saved and charged like a song."""
    if clip.clip_type != "upload" or clip.status != Clip.Status.COMPLETE:
        raise NotAnUpload(_("Vocals or an instrumental can be added only to your own uploaded audio."))
    return requests.task_create(
        project=clip.project,
        user=user,
        action=GenerationTask.Action.MUSIC,
        mode=Mode.ADD_VOCALS if vocals else Mode.ADD_INSTRUMENTAL,
        payload=add_part_payload(
            clip=clip,
            vocals=vocals,
            tags=tags,
            title=title or clip.title,
            lyrics=lyrics,
            negative_tags=negative_tags,
        ),
        request_key=request_key,
        parent_clip=clip,
    )
