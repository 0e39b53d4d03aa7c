"""HTTP endpoints of the built-in engine, at the paths of the seed documents."""

from __future__ import annotations

import functools
import json
import time

from django.db import transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_q.tasks import async_task

from engine import drills, protocol, sources, uploads
from engine.models import EngineTask
from engine.storage import media_path
from engine.validation import RequestInvalid, validate_lyrics, validate_music
from studio.ranged import ranged_file_response

# What the media view serves; the lossless .npy copies next to them are the engine's own.
MEDIA_TYPES = {"mp3": "audio/mpeg", "jpeg": "image/jpeg", "mp4": "video/mp4"}


def read_json(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestInvalid("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise RequestInvalid("The request body must be a JSON object.")
    return body


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
    transaction.on_commit(
        lambda: async_task("engine.jobs.render_task", task.id, task_name=f"engine-{task.id}")
    )
    return task


def music_payload(owner: str, body: dict, *, v2: bool = False) -> dict:
    """A checked music request; continue and infill requests also have their source clip checked."""
    payload = validate_music(body, v2=v2)
    if "continue_clip_id" in payload:
        payload = sources.resolve_source(owner, payload)
    return payload


@require_POST
@api_view
def submit_music(request: HttpRequest, owner: str) -> JsonResponse:
    payload = music_payload(owner, read_json(request))
    with transaction.atomic():
        task = create_task(owner=owner, action="MUSIC", payload=payload)
    return protocol.ok(task.id)


@require_POST
@api_view
def submit_concat(request: HttpRequest, owner: str) -> JsonResponse:
    payload = sources.validate_concat(owner, read_json(request))
    with transaction.atomic():
        task = create_task(owner=owner, action="CONCAT", payload=payload)
    return protocol.ok(task.id)


@require_POST
@api_view
def upload_audio_url(request: HttpRequest, owner: str) -> JsonResponse:
    """Synchronous, like the seed's: the answer carries the new clip's id in data and in clip_id."""
    clip = uploads.upload(owner, read_json(request).get("url"))
    return protocol.ok(clip.id, extra={"clip_id": clip.id})


@require_POST
@api_view
def submit_lyrics(request: HttpRequest, owner: str) -> JsonResponse:
    payload = validate_lyrics(read_json(request))
    with transaction.atomic():
        task = create_task(owner=owner, action="LYRICS", payload=payload)
    return protocol.ok(task.id)


@require_GET
@api_view
def fetch_one(request: HttpRequest, owner: str, task_id: str) -> JsonResponse:
    task = EngineTask.objects.filter(id=task_id, key_fingerprint=owner).prefetch_related("clips").first()
    if task is None:
        return protocol.fail("task_not_exist", "task_not_exist")
    return protocol.ok(protocol.task_object(request, task))


@require_http_methods(["POST"])
@api_view
def fetch_many(request: HttpRequest, owner: str) -> JsonResponse:
    ids = read_json(request).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise RequestInvalid("ids must be a list of task id strings.")
    if len(ids) > 1000:
        raise RequestInvalid("At most 1000 ids per request.")
    tasks = EngineTask.objects.filter(id__in=ids, key_fingerprint=owner).prefetch_related("clips")
    return protocol.ok([protocol.task_object(request, task) for task in tasks])


@require_GET
def media(request: HttpRequest, clip_id: str, kind: str):
    """Media links are public, like a CDN's: whoever holds the unguessable URL can fetch it."""
    if kind not in MEDIA_TYPES:
        raise Http404
    path = media_path(clip_id, kind)
    if not path.is_file():
        raise Http404
    return ranged_file_response(request, path, content_type=MEDIA_TYPES[kind])
