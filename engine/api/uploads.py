"""Audio uploads by URL: fetch, decode, analyse and keep the audio as a complete clip of type "upload".

The upload is synchronous (the seed's endpoint answers the clip id at once). The engine fetches only
the studio's own signed upload links: under settings.UPLOAD_LINK_PATH on the studio's address
(settings.SUNO_GATEWAY_URL, which is the studio itself when the engine is the gateway) or on
settings.PUBLIC_BASE_URL. Those are loopback addresses on purpose; any other address, loopback or not,
is refused, redirects included, so the engine's key cannot be used to make it read the local network.
"""

from __future__ import annotations

import posixpath
import time
import urllib.error
import urllib.request
from pathlib import PurePosixPath
from urllib.parse import SplitResult, unquote, urlsplit

from django.conf import settings
from django.db import transaction

from engine.api.validation import RequestInvalid
from engine.jobs import clipmeta, lifecycle, media, render, storage
from engine.models import EngineClip, EngineTask, new_id

FETCH_TIMEOUT_S = 60
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_SECONDS = 8 * 60
MIN_UPLOAD_SECONDS = 1.0
UPLOAD_MV = "chirp-v3-5-upload"


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would follow a redirect to ftp://; only http(s) may be fetched."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError(f"redirect to a non-http URL: {newurl}")
        check_studio_link(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_NOT_STUDIO = "could not fetch the url: the engine fetches only the studio's own upload links."


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def check_studio_link(url: str) -> None:
    """RequestInvalid unless url is under the studio's upload link path on one of its own origins."""
    try:
        parts = urlsplit(url)
        origin = _origin(parts)
        allowed = {
            _origin(urlsplit(base)) for base in (settings.SUNO_GATEWAY_URL, settings.PUBLIC_BASE_URL) if base
        }
    except ValueError:
        raise RequestInvalid(_NOT_STUDIO) from None
    path = parts.path
    # Percent signs and dot segments could step out of the prefix once the studio decodes the path.
    unsafe_path = "%" in path or "/." in path or "\\" in path
    if parts.username or parts.password or origin not in allowed or unsafe_path:
        raise RequestInvalid(_NOT_STUDIO)
    if not path.startswith(settings.UPLOAD_LINK_PATH):
        raise RequestInvalid(_NOT_STUDIO)


def _opener() -> urllib.request.OpenerDirector:
    """Only the HTTP handlers (build_opener would add file:, ftp: and data: too); no proxies."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        _HttpOnlyRedirects(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


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
    """(body, file name) of an http(s) URL: the one network call of the engine (tests replace it)."""
    check_studio_link(url)
    request = urllib.request.Request(url, headers={"User-Agent": "SongStudioEngine/1.0"})
    try:
        with _opener().open(request, timeout=FETCH_TIMEOUT_S) as response:
            data = _read_limited(response)
            name = response.headers.get_filename() or posixpath.basename(unquote(urlsplit(response.url).path))
    except urllib.error.HTTPError as exc:
        raise RequestInvalid(f"could not fetch the url: it answered HTTP {exc.code}.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RequestInvalid(f"could not fetch the url: {reason}.") from None
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
