"""The task format's endpoints (docs/protocol.md): submit music, lyrics or concat, fetch tasks, upload."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engine.api import protocol, sources, uploads
from engine.api.endpoint import api_view, callback_of, create_task, music_payload
from engine.api.safejson import read_json
from engine.api.validation import RequestInvalid, validate_lyrics
from engine.jobs import leases
from engine.models import EngineTask


def _submit_music(request: HttpRequest, owner: str) -> JsonResponse:
    body = read_json(request)
    payload = {**music_payload(owner, body), **callback_of(request, body)}
    with transaction.atomic():
        task = create_task(owner=owner, action="MUSIC", payload=payload)
    return protocol.ok(task.id)


def _submit_concat(request: HttpRequest, owner: str) -> JsonResponse:
    body = read_json(request)
    payload = {**sources.validate_concat(owner, body), **callback_of(request, body)}
    with transaction.atomic():
        task = create_task(owner=owner, action="CONCAT", payload=payload)
    return protocol.ok(task.id)


def _submit_lyrics(request: HttpRequest, owner: str) -> JsonResponse:
    body = read_json(request)
    payload = {**validate_lyrics(body), **callback_of(request, body)}
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
    leases.resume([task])
    leases.resume_videos(task.clips.all())
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
    leases.resume(tasks.values())
    leases.resume_videos([clip for task in tasks.values() for clip in task.clips.all()])
    return protocol.ok([protocol.task_object(request, tasks[i]) for i in wanted if i in tasks])
