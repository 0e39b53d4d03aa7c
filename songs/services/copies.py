"""Copies of a clip's media in the studio's own storage. Upstream links expire; ours do not.

Three pipelines share one shape: "media" (audio and cover, as soon as a clip is complete), "video" (the
gateway renders it later, so a 404 means "not yet") and "wav" (the gateway's own WAV, once a render
request has its link: services.renders). Each claims its clip with a compare-and-set update and retries
with backoff.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from songs import audio, media, metrics
from songs.gateway import Gateway, GatewayError, download_media, gateway_for
from songs.models import Clip
from songs.services import timing
from songs.services.common import card_touch, job_enqueue, jobs_enqueue_many, retry_delay

log = logging.getLogger(__name__)


MediaState = Clip.MediaState


LEASE = timedelta(seconds=settings.MEDIA_LEASE_SECONDS)


VIDEO_MAX_ATTEMPTS = 12
# Links Suno hands out for audio that is gone (since Aug-Sep 2026): nothing to fetch behind them.
_DEAD_LINK = re.compile(r"/api/forbidden/?$|(^|/)None\.mp3$", re.IGNORECASE)
# Answers that mean the link itself no longer works; trying again later will not bring the file back.
_GONE_STATUSES = frozenset({401, 403, 404, 410})


# Clips per download job: a finished batch of songs is queued in a few jobs, not one broker call per clip,
# while each job stays short enough that the first clip of a song is not kept waiting by the last.
CLIPS_PER_JOB = 8
# A WAV asked for is made by a worker; a second ask within this many seconds queues nothing more.
WAV_JOB_SECONDS = 120


def clip_media_schedule(*, clip: Clip, kind: str = "media", outbox: list | None = None) -> None:
    """Ask a worker to copy the clip's media ("media": audio and cover, or "video").

    With an ``outbox`` the job is not queued here: the caller queues a whole batch at once
    (``copies_enqueue``) after its transactions; otherwise it is queued when this one commits.
    """
    Clip.objects.filter(pk=clip.pk).update(
        **{f"{kind}_state": MediaState.PENDING, f"{kind}_next_at": timezone.now() + LEASE}
    )
    setattr(clip, f"{kind}_state", MediaState.PENDING)
    if outbox is not None:
        outbox.append((kind, clip.pk))
    else:
        transaction.on_commit(lambda: _enqueue(clip.pk, kind))


def copies_due(*, clip: Clip, now) -> list[str]:
    """The copies a clip needs now ("media" once complete, "video" once made), marked pending on the
    clip in memory only: the caller saves the batch in bulk and queues the returned kinds after commit."""
    if clip.status != Clip.Status.COMPLETE:
        return []
    kinds = []
    if clip.media_state == MediaState.NONE:
        kinds.append("media")
    if clip.video_url and not clip.is_video_pending and clip.video_state == MediaState.NONE:
        # Only once the gateway says the video is made: fetched once, not tried until it exists. (A task
        # whose video is still being made stays watched by the poller until it is: ingest._next_look.)
        kinds.append("video")
    for kind in kinds:
        setattr(clip, f"{kind}_state", MediaState.PENDING)
        setattr(clip, f"{kind}_next_at", now + LEASE)
    return kinds


def copies_enqueue(outbox: list[tuple[str, int]]) -> int:
    """Queue the copies a batch of answers asked for: audio in jobs of up to CLIPS_PER_JOB clips, videos
    alone. A few clips (a song's two) go one a job, so that the workers copy them side by side."""
    media = [pk for kind, pk in outbox if kind == "media"]
    workers = max(1, int(settings.Q_CLUSTER.get("workers", 1)))
    per_job = max(1, min(CLIPS_PER_JOB, -(-len(media) // workers)))
    batches = [media[start : start + per_job] for start in range(0, len(media), per_job)]
    queued = jobs_enqueue_many("media_many", batches, name="media-many")
    for kind, pk in outbox:
        if kind in ("video", "wav"):
            queued += _enqueue(pk, kind)
    return queued


# The job each kind of copy runs (services.common.JOBS): "wav" is taken by the WAV converted from the MP3.
_JOB_OF = {"media": "media", "video": "video", "wav": "wav_copy"}


def _enqueue(clip_pk: int, kind: str) -> bool:
    job = _JOB_OF[kind]
    return job_enqueue(job, clip_pk, name=f"{job}-{clip_pk}")


def _claim(clip_pk: int, kind: str) -> Clip | None:
    """Take the clip for one download attempt; a copy of the same job running at once loses the race."""
    attempts = (
        Clip.objects.filter(pk=clip_pk, **{f"{kind}_state": MediaState.PENDING})
        .values_list(f"{kind}_attempts", flat=True)
        .first()
    )
    if attempts is None:
        return None
    won = Clip.objects.filter(
        pk=clip_pk, **{f"{kind}_state": MediaState.PENDING, f"{kind}_attempts": attempts}
    ).update(**{f"{kind}_attempts": F(f"{kind}_attempts") + 1, f"{kind}_next_at": timezone.now() + LEASE})
    return Clip.objects.select_related("task").get(pk=clip_pk) if won else None


def _name(clip: Clip, folder: str, ext: str) -> str:
    return f"clips/{folder}/{clip.uid}.{ext}"


def _fetch_and_store(
    gateway: Gateway, url: str, name: str, max_bytes: int, expect: str
) -> tuple[str, int, str]:
    """Download into this machine's work folder, then save the complete file through the storage.

    ``expect`` ("audio", "image", "video") is checked as a user's link is: a web page is never kept as
    a clip's MP3."""
    with media.work_file(Path(name).suffix) as tmp:
        size, sha = download_media(gateway, url, dest=tmp, max_bytes=max_bytes, expect=expect)
        return media.file_store(name, tmp), size, sha


def clip_media_download(*, clip_pk: int, gateway: Gateway | None = None) -> None:
    """Download audio and cover; the card keeps playing the upstream stream meanwhile."""
    _download(clip_pk, "media", _copy_audio_and_cover, gateway)


def _copy_audio_and_cover(clip: Clip, gateway: Gateway) -> None:
    if not clip.audio_url or _DEAD_LINK.search(urlsplit(clip.audio_url).path):
        log.warning("clip %s has no working audio link", clip.pk)
        _stored(
            clip,
            media_state=MediaState.FAILED,
            media_next_at=None,
            media_reason="media_no_link",
            media_error="The gateway gave no working link for this clip's audio.",
        )
        return
    try:
        audio_name, _size, sha = _fetch_and_store(
            gateway, clip.audio_url, _name(clip, "audio", "mp3"), settings.MEDIA_MAX_BYTES, "audio"
        )
        image_name = ""
        if clip.image_url:
            image_name, _size, _sha = _fetch_and_store(
                gateway, clip.image_url, _name(clip, "images", "jpeg"), 20 * 1024 * 1024, "image"
            )
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
        media_reason="",
        media_next_at=None,
    )  # playable from our copy now: the waveform and the karaoke words come after, never before
    log.info("copy stored: clip %s media", clip.pk)  # the crash drill counts these
    metrics.copy_stored_observed(task=clip.task)
    clip.audio_file.name = audio_name
    if peaks := timing.clip_peaks(clip):
        Clip.objects.filter(pk=clip.pk).update(peaks=peaks)
        card_touch(task_id=clip.task_id)
    timing.clip_timing_schedule(clip=clip)  # its words in a job of its own (resumed if that job is lost)


def clips_media_download(*, clip_pks: list[int], gateway: Gateway | None = None) -> None:
    """A batch of clips' audio and covers, over one gateway connection."""
    with gateway_for(gateway) as gateway:
        for pk in clip_pks:
            clip_media_download(clip_pk=pk, gateway=gateway)


def clip_video_download(*, clip_pk: int, gateway: Gateway | None = None) -> None:
    """Download the video. Gateways render it after the song, so "not found" means "try later"."""
    _download(clip_pk, "video", _copy_video, gateway)


def _download(clip_pk: int, kind: str, copy, gateway: Gateway | None) -> None:
    """Claim the clip for this kind of download, then copy with the caller's (or a fresh) gateway."""
    clip = _claim(clip_pk, kind)
    if clip is None:
        return
    with gateway_for(gateway, sketch=clip.task.sketch) as gateway:  # a sketch's media is the engine's
        copy(clip, gateway)


def _copy_video(clip: Clip, gateway: Gateway) -> None:
    try:
        name, _size, _sha = _fetch_and_store(
            gateway, clip.video_url, _name(clip, "video", "mp4"), settings.MEDIA_MAX_BYTES, "video"
        )
    except GatewayError as exc:
        _failed(
            clip, "video", exc, retry=exc.retryable or exc.http_status == 404, max_attempts=VIDEO_MAX_ATTEMPTS
        )
        return
    _stored(clip, video_file=name, video_state=MediaState.STORED, video_next_at=None, is_video_pending=False)
    log.info("copy stored: clip %s video", clip.pk)


def clip_wav_download(*, clip_pk: int, gateway: Gateway | None = None) -> None:
    """Download the gateway's own WAV (its link came with a render request's record): once, checked to be
    RIFF/WAVE, then it is the clip's WAV for downloads and ZIPs."""
    _download(clip_pk, "wav", _copy_gateway_wav, gateway)


def _copy_gateway_wav(clip: Clip, gateway: Gateway) -> None:
    try:
        name, _size, _sha = _fetch_and_store(
            gateway, clip.wav_url, gateway_wav_name(clip=clip), settings.MEDIA_MAX_BYTES, "wav"
        )
    except GatewayError as exc:
        _failed(clip, "wav", exc, retry=exc.retryable, max_attempts=settings.MEDIA_MAX_ATTEMPTS)
        return
    _stored(clip, wav_file=name, wav_state=MediaState.STORED, wav_next_at=None)
    log.info("copy stored: clip %s gateway wav", clip.pk)


def render_file_due(*, clip_pk: int, kind: str, url: str, now) -> list[tuple[str, int]]:
    """A render request's file is made (services.renders): note its link on the clip and mark its copy
    pending ("video" or "wav"); the caller queues the returned copy after its transaction. A copy already
    stored is kept (a second request's file is not fetched again)."""
    fields = {f"{kind}_url": url[:1000], f"{kind}_state": MediaState.PENDING, f"{kind}_attempts": 0}
    fields[f"{kind}_next_at"] = now + LEASE
    if kind == "video":
        fields["is_video_pending"] = False
    moved = Clip.objects.filter(pk=clip_pk).exclude(**{f"{kind}_state": MediaState.STORED}).update(**fields)
    return [(kind, clip_pk)] if moved else []


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
        fields["media_reason"] = (
            "media_not_audio"
            if exc.code == "not_media"
            else "media_forbidden"
            if exc.http_status in _GONE_STATUSES
            else "media_failed"
        )
    _stored(clip, **fields)


def clip_media_retry(*, clip: Clip) -> bool:
    """Try the copy again after it failed ("Try again" on the card); False if it had not failed."""
    reset = Clip.objects.filter(pk=clip.pk, media_state=MediaState.FAILED).update(
        media_attempts=0, media_error="", media_reason=""
    )
    if reset:
        clip_media_schedule(clip=clip)
        card_touch(task_id=clip.task_id)
    return bool(reset)


def media_due_exists(*, now) -> bool:
    """A copy whose retry time has come (or whose job was lost): one query."""
    due = Q(media_state=MediaState.PENDING, media_next_at__lte=now)
    due |= Q(wav_state=MediaState.PENDING, wav_next_at__lte=now)
    return Clip.objects.filter(due | Q(video_state=MediaState.PENDING, video_next_at__lte=now)).exists()


def media_resume_due(*, now, waiting: set[str] | None = frozenset()) -> int:
    """Re-enqueue downloads whose retry time has come (or whose job was lost).

    ``waiting`` names the jobs still in the queue (``common.jobs_waiting``): a clip whose job is only waiting
    behind a backlog is left to it. None means the queue could not be read: nothing is re-enqueued then.
    """
    if waiting is None:
        return 0
    outbox: list[tuple[str, int]] = []
    for kind in ("media", "video", "wav"):
        due = Clip.objects.filter(**{f"{kind}_state": MediaState.PENDING, f"{kind}_next_at__lte": now})
        for pk in list(due.values_list("pk", flat=True)[:500]):
            Clip.objects.filter(pk=pk).update(**{f"{kind}_next_at": now + LEASE})
            if f"{_JOB_OF[kind]}-{pk}" not in waiting:  # its job is still in the queue: leave it to that job
                outbox.append((kind, pk))
    copies_enqueue(outbox)
    return len(outbox)


def wav_name(*, clip: Clip) -> str:
    return _name(clip, "wav", "wav")


def gateway_wav_name(*, clip: Clip) -> str:
    """The gateway's own WAV: a name of its own, so a converted WAV made meanwhile never overwrites it."""
    return _name(clip, "wav", "gateway.wav")


def clip_wav_ready(*, clip: Clip) -> bool:
    """The clip's WAV is stored. One made before ``wav_file`` was kept is found in the storage and noted."""
    if clip.wav_file:
        return True
    if not clip.audio_file or not media.file_exists(wav_name(clip=clip)):
        return False
    clip.wav_file.name = wav_name(clip=clip)
    Clip.objects.filter(pk=clip.pk).update(wav_file=clip.wav_file.name)
    return True


def clip_wav_request(*, clip: Clip) -> bool:
    """Ask a worker to make the clip's WAV (a download asked for one not made yet). A second ask while
    the first is on its way (a double click, a page that asks again) queues nothing more."""
    if not clip.audio_file:
        return False
    if not caches["ops"].add(f"wav-job-{clip.uid}", 1, timeout=WAV_JOB_SECONDS):
        return False
    return job_enqueue("wav", clip.pk, name=f"wav-{clip.pk}")


def clip_wav_make(*, clip_pk: int) -> None:
    """In a worker: a WAV of the stored MP3, converted from a local copy and saved through the storage."""
    clip = Clip.objects.filter(pk=clip_pk).first()
    if clip is None or not clip.audio_file or clip_wav_ready(clip=clip):
        return
    try:
        with media.local_copy(clip.audio_file.name) as source, media.work_file(".wav") as tmp:
            audio.to_wav(source, tmp)
            stored = media.file_store(wav_name(clip=clip), tmp)
        # The gateway's own WAV, stored meanwhile, stays the clip's WAV.
        Clip.objects.filter(pk=clip.pk).exclude(wav_state=MediaState.STORED).update(wav_file=stored)
    finally:
        caches["ops"].delete(f"wav-job-{clip.uid}")
    card_touch(task_id=clip.task_id)


def partials_sweep(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Remove what downloads and conversions killed mid-file left in the work folder; returns how many."""
    return media.work_sweep(older_than=older_than.total_seconds())
