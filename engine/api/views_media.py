"""The engine's media: MP3, cover and video by signed, expiring link, as a CDN serves a real gateway's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.views.decorators.http import require_GET

from engine.api import medialinks
from engine.jobs.storage import media_path, part_path
from engine.models import EngineClip
from studio.ranged import ranged_file_response

# What the media view serves; the lossless .npy copies next to them are the engine's own.
MEDIA_TYPES = {"mp3": "audio/mpeg", "jpeg": "image/jpeg", "mp4": "video/mp4"}
# A streaming clip's MP3 is served as it grows (engine.jobs.storage.save_sections): read in these pieces,
# looked at again this often, given up when nothing comes for STREAM_WAIT_S.
STREAM_CHUNK, STREAM_POLL_S, STREAM_WAIT_S = 64 * 1024, 0.05, 60.0


def _keeps(clip: EngineClip, kind: str) -> bool:
    return {"mp3": clip.has_audio, "jpeg": clip.has_image, "mp4": clip.has_video}[kind]


@require_GET
def media(request: HttpRequest, clip_id: str, kind: str) -> HttpResponse:
    """Media by signed, expiring link only (engine.api.medialinks), only while the engine keeps the clip."""
    if kind not in MEDIA_TYPES:
        raise Http404
    expires, signature = request.GET.get("exp", ""), request.GET.get("sig", "")
    if not medialinks.is_valid(clip_id, kind, expires=expires, signature=signature):
        return HttpResponseForbidden(
            "This media link is unsigned, expired or altered.", content_type="text/plain; charset=utf-8"
        )
    clip = EngineClip.objects.filter(id=clip_id).first()
    path = media_path(clip_id, kind)
    if clip is None or not _keeps(clip, kind):
        raise Http404
    if not path.is_file() and kind == "mp3" and clip.status == "streaming":
        growing = growing_file(path, part_path(clip_id, kind))
        if growing is not None:  # still being made: the stream follows it to its end
            response = StreamingHttpResponse(growing, content_type=MEDIA_TYPES[kind])
            response["Cache-Control"] = "no-store"
            response["X-Accel-Buffering"] = "no"  # a proxy passes each piece on as it comes
            return response
    if not path.is_file():
        raise Http404
    return ranged_file_response(request, path, content_type=MEDIA_TYPES[kind])


def growing_file(final: Path, part: Path, wait: float = STREAM_WAIT_S) -> Iterator[bytes] | None:
    """The bytes of a file being written as <final>.part, as they come, until it is renamed to its final
    name (its readers read on: a rename keeps the file) and read to its end; or until nothing has been
    added for ``wait`` seconds (a render that died). None when there is no such file."""
    try:
        handle = open(part, "rb")  # noqa: SIM115 (closed by the generator)
    except FileNotFoundError:
        return None

    def follow() -> Iterator[bytes]:
        with handle:
            idle = 0.0
            while True:
                data = handle.read(STREAM_CHUNK)
                if data:
                    idle = 0.0
                    yield data
                    continue
                if final.is_file() or not part.exists() or idle >= wait:  # done, failed or stalled
                    rest = handle.read()  # renamed: what was written before the rename, to the end
                    if rest:
                        yield rest
                    return
                time.sleep(STREAM_POLL_S)
                idle += STREAM_POLL_S

    return follow()
