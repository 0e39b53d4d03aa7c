"""The SunoAPI-style calls the studio sends (docs/protocol.md 7.9): task fields only in v2 bodies, the
persona and boost calls at the reference's paths, and their answers read strictly enough to trust."""

from __future__ import annotations

import httpx
import pytest

from songs.gateway import GatewayError, SubmitOutcomeUnknown, capabilities_for
from tests.gateway.helpers import Recorder, reply
from tests.seeds import SEED_V2_GENERATE_BODY

STEMS = {
    "task": "gen_stem",
    "generation_type": "TEXT",
    "title": "安全之弦",
    "mv": "chirp-auk",
    "prompt": "",
    "make_instrumental": True,
    "continue_clip_id": "4720ad51",
    "continued_aligned_prompt": None,
    "continue_at": None,
    "stem_type_id": 91,
    "stem_type_group_name": "Two",
    "stem_task": "two",
}
GENERATION = {
    "id": "gen-1",
    "clips": [{"id": "a", "status": "submitted"}, {"id": "b", "status": "submitted"}],
}


def test_only_the_v2_format_carries_the_fields_relays_drop():
    task, v2 = capabilities_for("task"), capabilities_for("v2")
    for name in ("stems", "cover", "persona", "vocal_gender", "controls"):
        assert not getattr(task, name) and getattr(v2, name)
    assert task.boost and v2.boost  # a call of its own: learnt missing where a gateway lacks it


def test_a_v2_stems_request_sends_the_references_body(make_gateway):
    recorder = Recorder(reply(200, GENERATION))
    task_id = make_gateway(recorder, api_format="v2").submit_music(payload=STEMS)
    sent = recorder.bodies()[0]
    assert recorder.requests[0].url.path == "/suno/v2/generate" and task_id == "v2:gen-1:a,b"
    assert {k: sent[k] for k in ("task", "continue_clip_id", "stem_task", "stem_type_id")} == {
        "task": "gen_stem",
        "continue_clip_id": "4720ad51",
        "stem_task": "two",
        "stem_type_id": 91,
    }


def test_v2_bodies_carry_cover_persona_and_finer_control_only_when_asked(make_gateway):
    recorder = Recorder(reply(200, GENERATION))
    gateway = make_gateway(recorder, api_format="v2")
    extras = {"task": "artist_consistency", "persona_id": "p", "artist_clip_id": "c", "vocal_gender": "f"}
    gateway.submit_music(
        payload={**SEED_V2_GENERATE_BODY, **extras, "duration": 90.0, "weirdness_constraint": 0.2}
    )
    gateway.submit_music(payload=SEED_V2_GENERATE_BODY)
    with_extras, plain = recorder.bodies()
    assert {k: with_extras[k] for k in extras} == extras and with_extras["duration"] == 90.0
    assert not {"task", "persona_id", "vocal_gender", "duration", "cover_clip_id"} & set(plain)


def test_persona_create_posts_the_five_fields_and_reads_the_personas_id(make_gateway):
    recorder = Recorder(reply(200, {"id": "fd213afd", "name": "Ann", "root_clip_id": "c1", "clip": {}}))
    persona_id = make_gateway(recorder).persona_create(clip_id="c1", name="Ann", description="warm")
    assert persona_id == "fd213afd" and recorder.requests[0].url.path == "/suno/persona/create/"
    assert recorder.bodies()[0] == {
        "root_clip_id": "c1",
        "name": "Ann",
        "description": "warm",
        "clips": ["c1"],
        "is_public": False,
    }


def test_a_persona_answer_without_an_id_is_never_taken_for_a_persona(make_gateway):
    gateway = make_gateway(Recorder(reply(200, {"name": "Ann"})))
    with pytest.raises(SubmitOutcomeUnknown):  # it may have been made (and charged): never sent again
        gateway.persona_create(clip_id="c1", name="Ann", description="")


def test_style_boost_reads_upsampled_tags(make_gateway):
    answer = {"upsampled_tags": "Laid-back indie pop driven by a clean guitar riff.", "request_id": "r"}
    recorder = Recorder(reply(200, answer))
    assert make_gateway(recorder).style_boost(tags="student") == answer["upsampled_tags"]
    assert recorder.requests[0].url.path == "/suno/act/tags" and recorder.bodies()[0] == {
        "original_tags": "student"
    }


def test_a_gateway_without_act_tags_says_not_supported(make_gateway):
    page = httpx.Response(200, text="<!doctype html><html></html>", headers={"Content-Type": "text/html"})
    with pytest.raises(GatewayError) as caught:
        make_gateway(Recorder(page)).style_boost(tags="student")
    assert caught.value.kind == "not_supported" and not caught.value.retryable
