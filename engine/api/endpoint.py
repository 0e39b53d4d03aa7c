"""What every endpoint of the engine's API shares, whatever its format (task, v2, SunoAPI-style).

api_view does the bearer auth, the drills and the gateway's error shapes; create_task, music_payload,
generation and feed_answer are the pieces two formats build their answers from. Each format's views
live beside this module (views_task, views_v2, views_sunoapi) and import only from here, never from
each other.
"""

from __future__ import annotations

import functools
import time

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from engine.api import callbacks, drills, protocol, sources
from engine.api.validation import RequestInvalid, validate_music
from engine.jobs import leases
from engine.models import EngineClip, EngineTask

MAX_FEED_IDS = 1000


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
    """The task row; its render job is queued once the row is committed. Call inside transaction.atomic().
    A broker that cannot take the job does not lose the task: it is queued again when read."""
    now = int(time.time())
    task = EngineTask.objects.create(
        key_fingerprint=owner, action=action, payload=payload, submit_time=now, queued_at=now
    )
    transaction.on_commit(lambda: leases.queue_render(task.id))
    return task


def callback_of(request: HttpRequest, body: dict) -> dict:
    """The request's callback URL (notify_hook, callBackUrl, callback_url), with the address the request
    came to, which the callback's media links are built on; {} when it asks for none."""
    asked = callbacks.callback_field(body)
    return {**asked, "answer_base": request.build_absolute_uri("/").rstrip("/")} if asked else {}


def music_payload(owner: str, body: dict, *, v2: bool = False) -> dict:
    """A checked music request; continue and infill requests also have their source clip checked."""
    payload = validate_music(body, v2=v2)
    if "continue_clip_id" in payload:
        payload = sources.resolve_source(owner, payload)
    return sources.resolve_task(owner, payload)


def generation(request: HttpRequest, generation_id: str, clips: list[EngineClip]) -> dict:
    """The v2 answer to a submission: the generation with its clips (the SunoAPI-style format's too)."""
    objects = [protocol.clip_object(request, clip) for clip in clips]
    return {
        "id": generation_id,
        "clips": objects,
        "metadata": objects[0]["metadata"] if objects else {},
        "major_model_version": objects[0]["major_model_version"] if objects else "v3",
        "status": "complete",  # as in the seed: the submission is complete, its clips are not
        "created_at": objects[0]["created_at"] if objects else "",
        "batch_size": 1,
    }


def feed_answer(request: HttpRequest, owner: str, ids_text: str) -> JsonResponse:
    """A bare JSON list of the caller's clips among comma-separated ids, each once, in the order asked."""
    ids = [i.strip() for i in ids_text.split(",") if i.strip()]
    if len(ids) > MAX_FEED_IDS:
        raise RequestInvalid(f"At most {MAX_FEED_IDS} ids per request.")
    mine = EngineClip.objects.filter(id__in=ids, task__key_fingerprint=owner)
    found = mine.select_related("task").in_bulk()
    clips = [found[i] for i in dict.fromkeys(ids) if i in found]
    leases.resume({clip.task_id: clip.task for clip in clips}.values())  # renders lost on the way
    leases.resume_videos(clips)  # and videos
    return JsonResponse([protocol.clip_object(request, clip) for clip in clips], safe=False)
