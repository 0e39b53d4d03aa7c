"""HTTP endpoints of the built-in engine, at the paths of the seed documents."""

from __future__ import annotations

import functools
import time

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engine import drills, jobs, medialinks, protocol, sources, uploads
from engine.models import EngineClip, EngineTask
from engine.safejson import read_json
from engine.storage import media_path
from engine.validation import RequestInvalid, validate_lyrics, validate_music
from studio.ranged import ranged_file_response

# What the media view serves; the lossless .npy copies next to them are the engine's own.
MEDIA_TYPES = {"mp3": "audio/mpeg", "jpeg": "image/jpeg", "mp4": "video/mp4"}


def api_view(view):
    """Bearer auth, JSON parsing and the gateway's error shapes for every API endpoint."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        owner = protocol.authenticate(request)
        if owner is None:
            return protocol.gateway_error("Invalid token (request id: engine)", status=401)
        if (bad_day := drills.api_misbehaviour()) is not None:
            return bad_day
        try:
            return view(request, owner, *args, **kwargs)
        except RequestInvalid as exc:
            if exc.model_not_allowed:
                return protocol.gateway_error(exc.message, status=403)
            return protocol.fail("invalid_request", exc.message)

    return wrapped


def create_task(*, owner: str, action: str, payload: dict) -> EngineTask:
    """The task row; its render job starts once the row is committed. Call inside transaction.atomic()."""
    task = EngineTask.objects.create(
        key_fingerprint=owner, action=action, payload=payload, submit_time=int(time.time())
    )
    transaction.on_commit(lambda: jobs.enqueue("engine.jobs.render_task", task.id, name=f"engine-{task.id}"))
    return task


def music_payload(owner: str, body: dict, *, v2: bool = False) -> dict:
    """A checked music request; continue and infill requests also have their source clip checked."""
    payload = validate_music(body, v2=v2)
    if "continue_clip_id" in payload:
        payload = sources.resolve_source(owner, payload)
    return sources.resolve_task(owner, payload)


def _submit_music(request: HttpRequest, owner: str) -> JsonResponse:
    payload = music_payload(owner, read_json(request))
    with transaction.atomic():
        task = create_task(owner=owner, action="MUSIC", payload=payload)
    return protocol.ok(task.id)


def _submit_concat(request: HttpRequest, owner: str) -> JsonResponse:
    payload = sources.validate_concat(owner, read_json(request))
    with transaction.atomic():
        task = create_task(owner=owner, action="CONCAT", payload=payload)
    return protocol.ok(task.id)


def _submit_lyrics(request: HttpRequest, owner: str) -> JsonResponse:
    payload = validate_lyrics(read_json(request))
    with transaction.atomic():
        task = create_task(owner=owner, action="LYRICS", payload=payload)
    return protocol.ok(task.id)


SUBMIT_ACTIONS = {"MUSIC": _submit_music, "LYRICS": _submit_lyrics, "CONCAT": _submit_concat}


@require_POST
@api_view
def submit(request: HttpRequest, owner: str, action: str) -> JsonResponse:
    """/suno/submit/<action>, the action in any case: relays (new-api, Suno-API) send MUSIC and LYRICS."""
    handler = SUBMIT_ACTIONS.get(action.upper())
    if handler is None:
        raise RequestInvalid(f"invalid_action: {action[:40]!r} is not one of music, lyrics or concat.")
    return handler(request, owner)


@require_POST
@api_view
def upload_audio_url(request: HttpRequest, owner: str) -> JsonResponse:
    """Synchronous, like the seed's: the answer carries the new clip's id in data and in clip_id."""
    clip = uploads.upload(owner, read_json(request).get("url"))
    return protocol.ok(clip.id, extra={"clip_id": clip.id})


@require_GET
@api_view
def fetch_one(request: HttpRequest, owner: str, task_id: str) -> JsonResponse:
    task = EngineTask.objects.filter(id=task_id, key_fingerprint=owner).prefetch_related("clips").first()
    if task is None:
        return protocol.fail("task_not_exist", "task_not_exist")
    jobs.renders_resume([task])
    return protocol.ok(protocol.task_object(request, task))


@require_http_methods(["POST"])
@api_view
def fetch_many(request: HttpRequest, owner: str) -> JsonResponse:
    ids = read_json(request).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise RequestInvalid("ids must be a list of task id strings.")
    if len(ids) > 1000:
        raise RequestInvalid("At most 1000 ids per request.")
    # Each asked id at most once, in the order asked, and only the caller's own: new-api's poll loop
    # looks every answered id up in its own table and breaks on one it did not ask for.
    wanted = list(dict.fromkeys(ids))
    found = EngineTask.objects.filter(id__in=wanted, key_fingerprint=owner).prefetch_related("clips")
    tasks = found.in_bulk()
    jobs.renders_resume(list(tasks.values()))
    return protocol.ok([protocol.task_object(request, tasks[i]) for i in wanted if i in tasks])


def _keeps(clip: EngineClip, kind: str) -> bool:
    return {"mp3": clip.has_audio, "jpeg": clip.has_image, "mp4": clip.has_video}[kind]


@require_GET
def media(request: HttpRequest, clip_id: str, kind: str) -> HttpResponse:
    """Media by signed, expiring link only (engine.medialinks), and only while the engine keeps the clip."""
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
