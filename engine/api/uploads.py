"""Audio uploads by URL: fetch, decode, analyse and keep the audio as a complete clip of type "upload".

The upload is synchronous (the seed's endpoint answers the clip id at once). Like a real gateway the
engine fetches any public audio link; it refuses private and local network addresses, redirects
included (engine.jobs.outbound), except the studio's own upload links (under settings.UPLOAD_LINK_PATH
on the studio's addresses, loopback on purpose) and what ENGINE_FETCH_ALLOW lists.
"""

from __future__ import annotations

import posixpath
import time
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction

from engine.api.validation import RequestInvalid
from engine.jobs import clipmeta, lifecycle, media, outbound, render, storage
from engine.models import EngineClip, EngineTask, new_id

FETCH_TIMEOUT_S = 60
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_SECONDS = 8 * 60
MIN_UPLOAD_SECONDS = 1.0
UPLOAD_MV = "chirp-v3-5-upload"


def check_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        raise RequestInvalid("url must be the http(s) address of an audio file.")
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise RequestInvalid(f"url must be an http or https address; got {url.strip()[:200]!r}.")
    return url.strip()


def _read_limited(response) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > MAX_UPLOAD_BYTES:
        raise RequestInvalid(f"the file is {int(length)} bytes; at most {MAX_UPLOAD_BYTES} (50 MB).")
    data = response.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise RequestInvalid(f"the file is larger than {MAX_UPLOAD_BYTES} bytes (50 MB).")
    return data


def fetch_url(url: str) -> tuple[bytes, str]:
    """(body, file name) of an http(s) URL: the upload's one network call (tests replace it)."""
    try:
        response = outbound.get(url, timeout=FETCH_TIMEOUT_S, studio_paths=(settings.UPLOAD_LINK_PATH,))
        try:
            data = _read_limited(response)
        finally:
            response.close()
    except outbound.Refused as exc:
        raise RequestInvalid(f"could not fetch the url: {exc.message}.") from None
    except (OSError, ValueError):  # the connection broke while reading
        raise RequestInvalid("could not fetch the url: the connection failed.") from None
    name = response.headers.get_filename() or posixpath.basename(unquote(urlsplit(response.url).path))
    return data, name


def decode(data: bytes):
    """Float32 stereo at the engine's rate; the length is checked before decoding a whole file."""
    try:
        seconds = media.audio_duration(data)
        if seconds > MAX_UPLOAD_SECONDS:
            raise RequestInvalid(f"the audio is {seconds:.0f} s long; at most {MAX_UPLOAD_SECONDS} s.")
        audio, _ = media.decode_audio(data, sample_rate=storage.SAMPLE_RATE)
    except RequestInvalid:
        raise
    except Exception:  # miniaudio raises several kinds for bytes that are not audio
        raise RequestInvalid("not an audio file (MP3, WAV, FLAC or OGG expected).") from None
    if len(audio) < MIN_UPLOAD_SECONDS * storage.SAMPLE_RATE:
        raise RequestInvalid(f"not an audio file, or shorter than {MIN_UPLOAD_SECONDS:g} s.")
    return audio


def _title(name: str) -> str:
    stem = PurePosixPath(name.replace("\\", "/")).stem if name else ""
    return " ".join(stem.replace("_", " ").split())[:80] or "Uploaded audio"


def upload(owner: str, url: str) -> EngineClip:
    """Fetch, keep and describe the audio; the clip is complete when this returns."""
    data, name = fetch_url(check_url(url))
    audio = decode(data)
    clip_id, title = new_id(), _title(name)
    storage.save_audio(clip_id, audio, quality=7)  # minutes of someone else's mix: the fastest encode
    style = render.analyse(audio)
    cover = media.render_cover(title=title, tags="", seed=lifecycle.seed_of(clip_id), genre=style["genre"])
    storage.write_atomic(storage.media_path(clip_id, "jpeg"), cover)
    now = int(time.time())
    duration = round(len(audio) / storage.SAMPLE_RATE, 3)
    meta = {**clipmeta.for_upload(url), "duration": duration, "engine": style}
    with transaction.atomic():
        task = EngineTask.objects.create(
            key_fingerprint=owner,
            action="UPLOAD",
            payload={"url": url},
            status=EngineTask.Status.SUCCESS,
            progress="100%",
            submit_time=now,
            start_time=now,
            finish_time=now,
        )
        clip = EngineClip.objects.create(
            id=clip_id,
            task=task,
            status="streaming",
            title=title,
            mv=UPLOAD_MV,
            metadata=meta,
            seed=lifecycle.seed_of(clip_id),
            has_audio=True,
            has_image=True,
        )
    lifecycle.complete([clip])
    return clip
