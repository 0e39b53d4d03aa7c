"""Copies of a clip's media in the studio's own storage. Upstream links expire; ours do not.

Two pipelines share one shape: "media" (audio and cover, as soon as a clip is complete) and "video" (the
gateway renders it later, so a 404 means "not yet"). Each claims its clip with a compare-and-set update
and retries with backoff.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from songs import audio
from songs.gateway import Gateway, GatewayError, download_media, gateway_for
from songs.models import Clip
from songs.services.common import card_touch, job_enqueue, retry_delay

log = logging.getLogger(__name__)


MediaState = Clip.MediaState


LEASE = timedelta(minutes=2)


VIDEO_MAX_ATTEMPTS = 12


def clip_media_schedule(*, clip: Clip, kind: str = "media") -> None:
    """Ask a worker to copy the clip's media ("media": audio and cover, or "video")."""
    Clip.objects.filter(pk=clip.pk).update(
        **{f"{kind}_state": MediaState.PENDING, f"{kind}_next_at": timezone.now() + LEASE}
    )
    setattr(clip, f"{kind}_state", MediaState.PENDING)
    transaction.on_commit(lambda: _enqueue(clip.pk, kind))


def _enqueue(clip_pk: int, kind: str) -> None:
    job_enqueue(kind, clip_pk, name=f"{kind}-{clip_pk}")


def _claim(clip_pk: int, kind: str) -> Clip | None:
    won = Clip.objects.filter(pk=clip_pk, **{f"{kind}_state": MediaState.PENDING}).update(
        **{f"{kind}_attempts": F(f"{kind}_attempts") + 1, f"{kind}_next_at": timezone.now() + LEASE}
    )
    return Clip.objects.get(pk=clip_pk) if won else None


def _dest(clip: Clip, folder: str, ext: str) -> tuple[str, Path]:
    name = f"clips/{folder}/{clip.uid}.{ext}"
    return name, Path(settings.MEDIA_ROOT) / name


def clip_media_download(*, clip_pk: int, gateway: Gateway | None = None) -> None:
    """Download audio and cover; the card keeps playing the upstream stream meanwhile."""
    _download(clip_pk, "media", _copy_audio_and_cover, gateway)


def _copy_audio_and_cover(clip: Clip, gateway: Gateway) -> None:
    try:
        audio_name, audio_path = _dest(clip, "audio", "mp3")
        _size, sha = download_media(
            gateway, clip.audio_url, dest=audio_path, max_bytes=settings.MEDIA_MAX_BYTES
        )
        image_name = ""
        if clip.image_url:
            image_name, image_path = _dest(clip, "images", "jpeg")
            download_media(gateway, clip.image_url, dest=image_path, max_bytes=20 * 1024 * 1024)
    except GatewayError as exc:
        _failed(clip, "media", exc, retry=exc.retryable, max_attempts=settings.MEDIA_MAX_ATTEMPTS)
        return
    _stored(
        clip,
        audio_file=audio_name,
        image_file=image_name,
        audio_sha256=sha,
        media_state=MediaState.STORED,
        media_error="",
        media_next_at=None,
    )


def clip_video_download(*, clip_pk: int, gateway: Gateway | None = None) -> None:
    """Download the video. Gateways render it after the song, so "not found" means "try later"."""
    _download(clip_pk, "video", _copy_video, gateway)


def _download(clip_pk: int, kind: str, copy, gateway: Gateway | None) -> None:
    """Claim the clip for this kind of download, then copy with the caller's (or a fresh) gateway."""
    clip = _claim(clip_pk, kind)
    if clip is None:
        return
    with gateway_for(gateway) as gateway:
        copy(clip, gateway)


def _copy_video(clip: Clip, gateway: Gateway) -> None:
    try:
        name, path = _dest(clip, "video", "mp4")
        download_media(gateway, clip.video_url, dest=path, max_bytes=settings.MEDIA_MAX_BYTES)
    except GatewayError as exc:
        _failed(
            clip, "video", exc, retry=exc.retryable or exc.http_status == 404, max_attempts=VIDEO_MAX_ATTEMPTS
        )
        return
    _stored(clip, video_file=name, video_state=MediaState.STORED, video_next_at=None, is_video_pending=False)


def _stored(clip: Clip, **fields) -> None:
    Clip.objects.filter(pk=clip.pk).update(**fields)
    card_touch(task_id=clip.task_id)


def _failed(clip: Clip, kind: str, exc: GatewayError, *, retry: bool, max_attempts: int) -> None:
    attempts = getattr(clip, f"{kind}_attempts")
    if retry and attempts < max_attempts:
        Clip.objects.filter(pk=clip.pk).update(**{f"{kind}_next_at": timezone.now() + retry_delay(attempts)})
        return
    log.warning("giving up on %s of clip %s: %s", kind, clip.pk, exc.code)
    fields = {f"{kind}_state": MediaState.FAILED, f"{kind}_next_at": None}
    if kind == "media":
        fields["media_error"] = f"Could not save a copy of the audio: {exc.message}"
    _stored(clip, **fields)


def media_resume_due(*, now) -> int:
    """Re-enqueue downloads whose retry time has come (or whose worker died)."""
    count = 0
    for kind in ("media", "video"):
        due = Clip.objects.filter(**{f"{kind}_state": MediaState.PENDING, f"{kind}_next_at__lte": now})
        for pk in list(due.values_list("pk", flat=True)[:100]):
            Clip.objects.filter(pk=pk).update(**{f"{kind}_next_at": now + LEASE})
            _enqueue(pk, kind)
            count += 1
    return count


def clip_wav_path(*, clip: Clip) -> Path:
    """A WAV of the stored MP3, converted on first download and kept."""
    dest = Path(settings.MEDIA_ROOT) / "clips" / "wav" / f"{clip.uid}.wav"
    if not dest.exists():
        audio.to_wav(Path(settings.MEDIA_ROOT) / clip.audio_file.name, dest)
    return dest
