"""Hostile JSON on every endpoint of the engine's API: a clear invalid_request, never a 500."""

from __future__ import annotations

import json

import pytest

from engine.models import EngineClip, EngineTask
from tests.engine.helpers import post

pytestmark = pytest.mark.django_db(transaction=True)

ENDPOINTS = [
    "/suno/submit/music",
    "/suno/submit/lyrics",
    "/suno/submit/concat",
    "/sunoapi/uploads/audio-url",
    "/suno/fetch",
    "/suno/v2/generate",
    "/suno/generate",
    "/suno/generate/concat",
    "/suno/act/tags",
    "/suno/persona/create/",
]
DEEP = '{"prompt": ' + "[" * 100_000 + "]" * 100_000 + "}"
# A lone surrogate is valid as a JSON escape but is not Unicode: UTF-8 cannot encode it.
LONE_SURROGATES = {
    "/suno/submit/music": '{"prompt": "[Verse]\\ud800", "tags": "pop", "title": "\\udfff"}',
    "/suno/submit/lyrics": '{"prompt": "rain \\ud800"}',
    "/suno/submit/concat": '{"clip_id": "\\ud800"}',
    "/sunoapi/uploads/audio-url": '{"url": "http://127.0.0.1/\\ud800.mp3"}',
    "/suno/fetch": '{"ids": ["\\ud800"]}',
    "/suno/v2/generate": '{"prompt": "\\ud800", "tags": "pop", "mv": "chirp-v3-5"}',
    "/suno/generate": '{"task": "cover", "cover_clip_id": "\\ud800", "mv": "chirp-v4-tau"}',
    "/suno/generate/concat": '{"clip_id": "\\ud800", "is_infill": false}',
    "/suno/act/tags": '{"original_tags": "rock \\ud800"}',
    "/suno/persona/create/": '{"root_clip_id": "x", "name": "\\udfff", "description": "", "clips": [], '
    '"is_public": true}',
}


def _invalid(response) -> str:
    assert response.status_code == 400, response.content[:200]
    body = response.json()
    assert body["code"] == "invalid_request" and body["data"] is None
    return body["message"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_deeply_nested_json_is_an_invalid_request(client, engine_key, path):
    assert "nested" in _invalid(post(client, path, DEEP, engine_key))


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_moderately_deep_body_is_refused_before_anything_walks_it(client, engine_key, path):
    assert "nested" in _invalid(post(client, path, '{"ids": ' + "[" * 40 + "]" * 40 + "}", engine_key))


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_lone_surrogate_is_an_invalid_request(client, engine_key, path):
    assert "surrogate" in _invalid(post(client, path, LONE_SURROGATES[path], engine_key))
    assert not EngineTask.objects.exists() and not EngineClip.objects.exists()


def test_a_lone_surrogate_in_a_key_is_refused_too(client, engine_key):
    assert "surrogate" in _invalid(
        post(client, "/suno/submit/lyrics", '{"\\udc00": 1, "prompt": "x"}', engine_key)
    )


@pytest.mark.parametrize(
    "text", ['{"prompt": NaN}', '{"continue_at": Infinity}', '{"n": ' + "9" * 5000 + "}"]
)
def test_numbers_json_does_not_have_are_invalid_requests(client, engine_key, text):
    assert "not valid JSON" in _invalid(post(client, "/suno/submit/music", text, engine_key))


def test_a_paired_surrogate_is_an_ordinary_character(client, engine_key, admin_client):
    """An emoji written as an escaped pair is valid Unicode: the song is made and the admin shows it."""
    body = '{"prompt": "[Verse]\\nneon \\ud83c\\udf03 nights", "tags": "pop", "title": "Neon \\ud83c\\udf03"}'
    answer = post(client, "/suno/submit/music", body, engine_key).json()
    assert answer["code"] == "success"
    task = EngineTask.objects.get(id=answer["data"])
    assert task.clips.first().title == "Neon \U0001f303"
    assert admin_client.get(f"/admin/engine/enginetask/{task.id}/change/").status_code == 200


HUGE = int("9" * 4000)  # valid JSON, within Python's int limit, too large for a float (OverflowError)
CONTINUE = {"continue_clip_id": "some-clip", "prompt": "more", "tags": "pop", "mv": "chirp-v3-5"}
INFILL = {**CONTINUE, "infill_start_s": 1.0, "infill_end_s": 3.0}
FINE = {"prompt": "x", "tags": "pop", "mv": "chirp-v6"}


@pytest.mark.parametrize(
    "value",
    [HUGE, -HUGE, "9" * 4000, "1e999", "nan", "-inf"],
    ids=["huge", "-huge", "digits", "1e999", "nan", "-inf"],
)
@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/suno/submit/music", CONTINUE, "continue_at"),
        ("/suno/v2/generate", CONTINUE, "continue_at"),
        ("/suno/v2/generate", INFILL, "infill_start_s"),
        ("/suno/v2/generate", INFILL, "infill_end_s"),
        ("/suno/generate", {**INFILL, "task": "infill", "mv": "chirp-v3-5-tau"}, "infill_end_s"),
        ("/suno/submit/music", FINE, "duration"),
        ("/suno/v2/generate", FINE, "style_weight"),
        ("/suno/v2/generate", FINE, "weirdness_constraint"),
        ("/suno/generate", FINE, "styleWeight"),
        ("/suno/generate", FINE, "weirdnessConstraint"),
    ],
)
def test_a_number_no_float_can_hold_is_an_invalid_request(client, engine_key, path, body, field, value):
    response = post(client, path, json.dumps({**body, field: value}), engine_key)
    message = _invalid(response)
    named = {"styleWeight": "style_weight", "weirdnessConstraint": "weirdness_constraint"}.get(field, field)
    assert named in message, message  # the reason names the field
    assert not EngineTask.objects.exists()


def test_a_body_over_djangos_size_cap_is_an_invalid_request(client, engine_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"prompt": "la " * 1000, "tags": "pop"})
    assert "larger than 1000 bytes" in _invalid(post(client, "/suno/submit/music", body, engine_key))
