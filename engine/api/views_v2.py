"""The v2 format (tests/seeds/000_*.txt): generate answers the generation, the feed answers clips by id.

A generation is an EngineTask underneath (its id is the generation id), rendered by the same jobs as the
task format; its clips exist from the start, in "submitted" state, so the answer can list them.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from engine.api.endpoint import api_view, callback_of, create_task, feed_answer, generation, music_payload
from engine.api.safejson import read_json
from engine.jobs import lifecycle


@require_POST
@api_view
def generate(request: HttpRequest, owner: str) -> JsonResponse:
    body = read_json(request)
    payload = {**music_payload(owner, body, v2=True), **callback_of(request, body)}
    with transaction.atomic():
        task = create_task(owner=owner, action="MUSIC", payload={**payload, "format": "v2"})
        clips = lifecycle.prepare_clips(task, status="submitted")
        # built before the commit starts the render (inline in tests), so the clips read "submitted"
        answer = generation(request, task.id, clips)
    return JsonResponse(answer)


@require_GET
@api_view
def feed(request: HttpRequest, owner: str) -> JsonResponse:
    """Clips by id, in the order asked; unknown and foreign ids are left out (a bare JSON list)."""
    return feed_answer(request, owner, request.GET.get("ids", ""))
