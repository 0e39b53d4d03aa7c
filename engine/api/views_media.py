"""The engine's media: MP3, cover and video by signed, expiring link, as a CDN serves a real gateway's."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET

from engine.api import medialinks
from engine.jobs.storage import media_path
from engine.models import EngineClip
from studio.ranged import ranged_file_response

# What the media view serves; the lossless .npy copies next to them are the engine's own.
MEDIA_TYPES = {"mp3": "audio/mpeg", "jpeg": "image/jpeg", "mp4": "video/mp4"}


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
    if clip is None or not _keeps(clip, kind) or not path.is_file():
        raise Http404
    return ranged_file_response(request, path, content_type=MEDIA_TYPES[kind])
