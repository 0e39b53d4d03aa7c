"""The v2 format (tests/seeds/000_*.txt): generate answers the generation, the feed answers clips by id.

A generation is an EngineTask underneath (its id is the generation id), rendered by the same jobs as the
task format; its clips exist from the start, in "submitted" state, so the answer can list them.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from engine import jobs, protocol
from engine.models import EngineClip
from engine.safejson import read_json
from engine.validation import RequestInvalid
from engine.views import api_view, create_task, music_payload

MAX_FEED_IDS = 1000


@require_POST
@api_view
def generate(request: HttpRequest, owner: str) -> JsonResponse:
    payload = music_payload(owner, read_json(request), v2=True)
    with transaction.atomic():
        task = create_task(owner=owner, action="MUSIC", payload={**payload, "format": "v2"})
        clips = jobs.prepare_clips(task, status="submitted")
        # built before the commit starts the render (inline in tests), so the clips read "submitted"
        answer = generation(request, task.id, clips)
    return JsonResponse(answer)


def generation(request: HttpRequest, generation_id: str, clips: list[EngineClip]) -> dict:
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


@require_GET
@api_view
def feed(request: HttpRequest, owner: str) -> JsonResponse:
    """Clips by id, in the order asked; unknown and foreign ids are left out (a bare JSON list)."""
    return feed_answer(request, owner, request.GET.get("ids", ""))


def feed_answer(request: HttpRequest, owner: str, ids_text: str) -> JsonResponse:
    """A bare JSON list of the caller's clips among comma-separated ids, each once, in the order asked."""
    ids = [i.strip() for i in ids_text.split(",") if i.strip()]
    if len(ids) > MAX_FEED_IDS:
        raise RequestInvalid(f"At most {MAX_FEED_IDS} ids per request.")
    found = EngineClip.objects.filter(id__in=ids, task__key_fingerprint=owner).in_bulk()
    clips = [found[i] for i in dict.fromkeys(ids) if i in found]
    return JsonResponse([protocol.clip_object(request, clip) for clip in clips], safe=False)
