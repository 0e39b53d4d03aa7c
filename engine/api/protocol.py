"""The wire format the engine speaks: envelopes, error shapes and task/clip objects (docs/protocol.md)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from engine import catalog
from engine.api import medialinks
from engine.models import EngineClip, EngineTask

DISPLAY_NAME, HANDLE = "SongStudioEngine", "songstudio"


def ok(data, *, extra: dict | None = None) -> JsonResponse:
    return JsonResponse({"code": "success", "message": "", "data": data, **(extra or {})})


def fail(code: str, message: str, *, status: int = 400) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "data": None}, status=status)


def gateway_error(message: str, *, status: int, kind: str = "new_api_error") -> JsonResponse:
    """The other error shape gateways use for auth, model and channel errors."""
    return JsonResponse({"error": {"message": message, "type": kind}}, status=status)


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def authenticate(request: HttpRequest) -> str | None:
    """Return the caller's key fingerprint, or None when the bearer key is wrong."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    if not hmac.compare_digest(key.strip().encode(), settings.ENGINE_API_KEY.encode()):
        return None
    return key_fingerprint(key.strip())


def model_name(mv: str) -> str:
    """Suno reports the family, not the exact request: chirp-v3-5 answers as chirp-v3."""
    base = mv.removesuffix("-upload").removesuffix("-tau")
    return "chirp-v3" if base.startswith("chirp-v3") else base


def major_version(mv: str) -> str:
    model = catalog.model_for(mv)
    return model.version if model else "v3"


def media_url(request: HttpRequest, clip: EngineClip, kind: str) -> str:
    """A signed link that expires, as CDNs hand out: the studio downloads the file well before then."""
    return request.build_absolute_uri(medialinks.signed_path(clip.id, kind))


def clip_object(request: HttpRequest, clip: EngineClip) -> dict:
    playable = clip.has_audio and clip.status in ("streaming", "complete")
    image = media_url(request, clip, "jpeg") if clip.has_image else None
    # the video URL is announced at completion; it answers 404 until the video job has made the file
    video = clip.status == "complete" and (clip.video_pending or clip.has_video)
    stem = clip.metadata.get("type") == "stem"  # the reseller's stems report no model (docs/protocol.md 7.5)
    return {
        "id": clip.id,
        "title": clip.title,
        "status": clip.status,
        "created_at": clip.created_at.isoformat().replace("+00:00", "Z"),
        "model_name": "" if stem else model_name(clip.mv),
        "major_model_version": "" if stem else major_version(clip.mv),
        "audio_url": media_url(request, clip, "mp3") if playable else "",
        "video_url": media_url(request, clip, "mp4") if video else "",
        "image_url": image,
        "image_large_url": image,
        "is_video_pending": clip.video_pending,
        "is_liked": False,
        "is_public": False,
        "is_trashed": False,
        "play_count": 0,
        "upvote_count": 0,
        "display_name": DISPLAY_NAME,
        "handle": HANDLE,
        "metadata": clip.metadata,
    }


def task_object(request: HttpRequest, task: EngineTask) -> dict:
    if task.action == "LYRICS":
        data = task.result
    else:
        data = [clip_object(request, clip) for clip in task.clips.all()]
    return {
        "task_id": task.id,
        "notify_hook": (task.payload or {}).get("callback_url", ""),
        "action": task.action,
        "status": task.status,
        "fail_reason": task.fail_reason if task.status == "FAILURE" else "",
        "submit_time": task.submit_time,
        "start_time": task.start_time,
        "finish_time": task.finish_time,
        "progress": task.progress,
        "data": data,
    }
