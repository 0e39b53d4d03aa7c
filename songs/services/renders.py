"""Files the gateway makes of a clip it made, asked for one at a time: its own WAV and a music video
(sunoapi's wav/generate and mp4/generate, docs/protocol.md 8.3).

A render is a request like any other (``requests.task_create``: saved and charged before a worker sends
it once, polled or woken by its callback, never re-sent when its outcome is unknown). Its record gives a
link; ingest hands that to the clip (``render_done``), and the clip's copy pipeline fetches the file once,
checks it (RIFF/WAVE, or an MP4's ftyp) and stores it. The file then plays and downloads from the clip's
card like any of its media, to the people who may see the clip.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _

from songs.models import Clip, GenerationTask
from songs.services import copies, requests

Mode = GenerationTask.Mode
# "wav" or "video" (the card's words) -> the request's mode and the payload's task (the family's call).
KINDS = {"wav": (Mode.WAV, "wav"), "video": (Mode.VIDEO, "mp4")}
# The copy each render's file goes through (services.copies): the clip's "wav" or "video" copy.
COPY_OF = {Mode.WAV: "wav", Mode.VIDEO: "video"}
# A render's request key is derived from the clip, so a double click (or two tabs) makes one request.
_RENDER_KEYS = uuid.UUID("0b6d6c1e-93a4-4f5e-8d0c-5a7f2f3e9b41")


class NotRenderable(Exception):
    """The clip cannot be rendered by the gateway (not its song, or not finished); the message says why."""


def renderable(*, clip: Clip) -> bool:
    """A finished song the gateway made itself: not a user's upload, a stem or a local sketch."""
    return (
        clip.status == Clip.Status.COMPLETE
        and clip.clip_type not in ("upload", "stem")
        and not clip.task.sketch
        and clip.task.action == GenerationTask.Action.MUSIC
    )


def render_of(*, clip: Clip, mode: str) -> GenerationTask | None:
    """The clip's render request of this kind that is running or done (the newest), or None."""
    return (
        GenerationTask.objects.filter(parent_clip=clip, action=GenerationTask.Action.RENDER, mode=mode)
        .exclude(status=GenerationTask.Status.FAILED)
        .order_by("-pk")
        .first()
    )


def render_payload(*, clip: Clip, kind: str) -> dict:
    """What the family needs: the task that made the clip and the clip itself. (``mv``, the model that made
    it, goes unsent: every music request names one, and a render makes nothing new.)"""
    return {
        "task": KINDS[kind][1],
        "task_id": clip.task.upstream_id,
        "audio_id": clip.upstream_id,
        "mv": (clip.task.request_payload or {}).get("mv") or "chirp-auk",
    }


def render_request(*, clip: Clip, user, kind: str) -> GenerationTask:
    """ "Make video" / "Get the gateway's WAV": one request per clip and kind; asking again while it runs
    (or once it is done) returns that request. A failed one may be asked for again, and so may one whose
    file the gateway made but could not be saved here (its link may have expired since)."""
    if kind not in KINDS:
        raise NotRenderable(_("That is not something the gateway can make of a clip."))
    if not renderable(clip=clip):
        raise NotRenderable(_("Only a finished song the gateway made can have its WAV or a video made."))
    mode = KINDS[kind][0]
    copy_failed = getattr(clip, f"{COPY_OF[mode]}_state") == Clip.MediaState.FAILED

    def current() -> GenerationTask | None:
        """Running, or made and stored (or being stored): one request is enough."""
        existing = render_of(clip=clip, mode=mode)
        if existing is not None and existing.status == GenerationTask.Status.SUCCEEDED and copy_failed:
            return None
        return existing

    return requests.clip_request_once(
        clip=clip,
        user=user,
        action=GenerationTask.Action.RENDER,
        mode=mode,
        payload=render_payload(clip=clip, kind=kind),
        keys=_RENDER_KEYS,
        label=f"{kind}:",
        current=current,
    )


def render_done(*, task: GenerationTask, url: str, now) -> list[tuple[str, int]]:
    """In ingest's transaction: a render's record has its file's link. The clip's copy of it is marked
    pending; the returned copy is queued by the caller once the transaction commits."""
    if not task.parent_clip_id or not url or task.mode not in COPY_OF:
        return []
    return copies.render_file_due(clip_pk=task.parent_clip_id, kind=COPY_OF[task.mode], url=url, now=now)
