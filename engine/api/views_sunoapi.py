"""The reseller's SunoAPI-style calls (docs/protocol.md section 7) at its paths under /suno/.

POST /suno/generate (the body's ``task`` picks cover, stems, personas, ...) answers the generation like
/suno/v2/generate, except stems, which answer only their clips, as the reference shows; POST
/suno/generate/concat joins a song like /suno/submit/concat and answers its clip; GET
/suno/feed/<ids> reads clips; GET /suno/act/timing/<clip> gives the sung words with their times;
POST /suno/act/tags expands a style; POST /suno/persona/create/ keeps a clip's singer.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from engine.api import personas, protocol, sources
from engine.api.endpoint import api_view, callback_of, create_task, feed_answer, generation, music_payload
from engine.api.safejson import read_json
from engine.api.validation import RequestInvalid
from engine.jobs import lifecycle, score, storage
from engine.music import boost

MAX_STYLE_WORDS = 1000  # original_tags, in characters: the newest models' style limit


@require_POST
@api_view
def generate(request: HttpRequest, owner: str) -> JsonResponse:
    body = read_json(request)
    payload = {**music_payload(owner, body, v2=True), **callback_of(request, body)}
    stems = payload.get("task") == "gen_stem"
    with transaction.atomic():
        task = create_task(owner=owner, action="MUSIC", payload={**payload, "format": "sunoapi"})
        clips = lifecycle.prepare_clips(task, status="queued" if stems else "submitted")
        # built before the commit starts the render (inline in tests), so the clips read as submitted
        if stems:
            answer = {"clips": [protocol.clip_object(request, clip) for clip in clips]}
        else:
            answer = generation(request, task.id, clips)
    return JsonResponse(answer)


@require_POST
@api_view
def generate_concat(request: HttpRequest, owner: str) -> JsonResponse:
    """The whole song (after extend, upload_extend or infill); the reference shows no answer, so it answers
    like /suno/generate: the generation with its one clip, submitted, to read with the feed."""
    body = read_json(request)
    payload = {**sources.validate_concat(owner, body), **callback_of(request, body)}
    with transaction.atomic():
        task = create_task(owner=owner, action="CONCAT", payload={**payload, "format": "sunoapi"})
        answer = generation(request, task.id, [lifecycle.prepare_concat_clip(task, status="submitted")])
    return JsonResponse(answer)


@require_GET
@api_view
def feed(request: HttpRequest, owner: str, ids: str) -> JsonResponse:
    return feed_answer(request, owner, ids)


@require_GET
@api_view
def timing(request: HttpRequest, owner: str, clip_id: str) -> JsonResponse:
    """The words as sung: each lyric word (tags and newlines attached, as the reference shows) with the
    onset of its first syllable and the end of its last, from the notes the engine played."""
    clip = sources.owned_clip(owner, clip_id, "clip")
    if clip.status != "complete" or not clip.has_audio:
        raise RequestInvalid(f"clip {clip.id} is not complete yet (status {clip.status}).")
    audio = storage.open_audio(clip.id, clip.metadata.get("duration"))  # read a slice at a time
    return JsonResponse(
        {
            "aligned_words": score.words_of(clip),
            "waveform_data": score.waveform(audio),
            "hoot_cer": 0.0,  # the engine knows what it sang: no recognition errors
            "is_streamed": False,
        }
    )


@require_POST
@api_view
def tags(request: HttpRequest, owner: str) -> JsonResponse:
    original = read_json(request).get("original_tags")
    if not isinstance(original, str) or not original.strip():
        raise RequestInvalid("original_tags must be a few words of style (a non-empty string).")
    if len(original) > MAX_STYLE_WORDS:
        raise RequestInvalid(f"original_tags is {len(original)} characters; at most {MAX_STYLE_WORDS}.")
    return JsonResponse({"upsampled_tags": boost.upsample(original), "request_id": str(uuid.uuid4())})


@require_POST
@api_view
def persona_create(request: HttpRequest, owner: str) -> JsonResponse:
    persona = personas.create(owner, read_json(request))
    return JsonResponse(personas.persona_object(request, persona))
