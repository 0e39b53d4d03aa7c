"""The v2 format (tests/seeds/000_*.txt) on the engine: generate, feed, and infill ("replace section")."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jobs import lifecycle, storage
from engine.models import EngineClip, EngineTask
from engine.music import arrange
from tests.engine.helpers import fetch_task, make_song, post, url_path
from tests.engine.test_continue import concat
from tests.seeds import SEED_V2_GENERATE_BODY as SEED_V2

pytestmark = pytest.mark.django_db(transaction=True)

SR = storage.SAMPLE_RATE


@pytest.fixture(autouse=True)
def no_video(monkeypatch):
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


def feed(client, headers, *ids: str) -> list[dict]:
    response = client.get("/suno/v2/feed", {"ids": ",".join(ids)}, **headers)
    assert response.status_code == 200
    return response.json()


def test_the_seeds_generate_body_answers_the_generation_with_submitted_clips(client, engine_key):
    response = post(client, "/suno/v2/generate", SEED_V2, engine_key)
    assert response.status_code == 200
    generation = response.json()
    assert set(generation) == {
        "id",
        "clips",
        "metadata",
        "major_model_version",
        "status",
        "created_at",
        "batch_size",
    }
    assert generation["major_model_version"] == "v3" and generation["batch_size"] == 1
    assert generation["status"] == "complete"  # as in the seed: the submission, not the clips
    assert len(generation["clips"]) == 2
    for clip in generation["clips"]:
        assert clip["status"] == "submitted" and clip["audio_url"] == "" and clip["title"] == "Starry "
        assert clip["model_name"] == "chirp-v3" and clip["metadata"]["tags"] == "heavy metal"
        assert clip["metadata"]["history"] is None and clip["metadata"]["type"] == "gen"
    assert generation["metadata"]["tags"] == "heavy metal"
    assert EngineTask.objects.get(id=generation["id"]).action == "MUSIC"  # the same render jobs


def test_the_feed_lists_the_clips_asked_for_and_leaves_out_unknown_ones(client, engine_key):
    generation = post(client, "/suno/v2/generate", SEED_V2, engine_key).json()
    ids = [clip["id"] for clip in generation["clips"]]
    foreign_task = EngineTask.objects.create(key_fingerprint="someone-else", action="MUSIC", payload={})
    foreign = EngineClip.objects.create(task=foreign_task, status="complete", mv="chirp-v3-5")
    clips = feed(client, engine_key, ids[1], "no-such-clip", ids[0], foreign.id)
    assert [clip["id"] for clip in clips] == [ids[1], ids[0]]
    for clip in clips:
        assert clip["status"] == "complete" and url_path(clip["audio_url"]).endswith(".mp3")
        assert clip["metadata"]["duration"] == pytest.approx(6.0, abs=0.05)
        assert clip["metadata"]["engine"]["genre"] == "metal"
    assert feed(client, engine_key) == []
    assert client.get("/suno/v2/feed", {"ids": ids[0]}).status_code == 401


def test_v2_errors_have_the_gateway_shapes(client, engine_key):
    response = post(client, "/suno/v2/generate", {**SEED_V2, "mv": "chirp-v9"}, engine_key)
    assert response.status_code == 403 and "chirp-v9" in response.json()["error"]["message"]
    response = post(
        client, "/suno/v2/generate", {**SEED_V2, "continue_clip_id": "nope", "continue_at": 3}, engine_key
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_request",
        "message": "continue_clip_id nope not found.",
        "data": None,
    }
    response = post(client, "/suno/v2/generate", SEED_V2, {})
    assert response.status_code == 401 and response.json()["error"]["type"] == "new_api_error"


def test_v2_continue_and_negative_tags(client, engine_key):
    _, clips = make_song(client, engine_key)
    body = {**SEED_V2, "continue_clip_id": clips[0]["id"], "continue_at": 2.5, "negative_tags": "drums"}
    generation = post(client, "/suno/v2/generate", body, engine_key).json()
    [clip, _] = feed(client, engine_key, *(c["id"] for c in generation["clips"]))
    assert clip["status"] == "complete" and clip["metadata"]["history"][0]["continue_at"] == 2.5
    assert clip["metadata"]["engine"]["genre"] == clips[0]["metadata"]["engine"]["genre"]  # the original's
    assert clip["metadata"]["engine"]["muted"] == ["drums"]


def infill(client, headers, clip_id: str, start: float, end: float) -> list[dict]:
    body = {**SEED_V2, "continue_clip_id": clip_id, "infill_start_s": start, "infill_end_s": end}
    generation = post(client, "/suno/v2/generate", body, headers).json()
    assert "clips" in generation, generation
    return feed(client, headers, *(c["id"] for c in generation["clips"]))


@pytest.mark.parametrize(("start", "end"), [(1.7, 4.2), (0.0, 2.0), (3.5, 6.0)])
def test_infill_replaces_a_section_and_concat_stitches_it_back(client, engine_key, settings, start, end):
    _, clips = make_song(client, engine_key)
    original = clips[0]
    duration = original["metadata"]["duration"]
    end = min(end, duration)
    sections = infill(client, engine_key, original["id"], start, end)
    for clip in sections:
        assert clip["status"] == "complete" and clip["metadata"]["infill"] is True
        assert clip["metadata"]["duration"] == pytest.approx(end - start, abs=0.01)
        [link] = clip["metadata"]["history"]
        assert link["id"] == original["id"] and link["infill"] is True and link["type"] == "gen"
        assert (link["continue_at"], link["infill_start_s"], link["infill_end_s"]) == (start, start, end)
    task = concat(client, engine_key, sections[0]["id"], is_infill=True)
    [whole] = task["data"]
    assert whole["metadata"]["type"] == "concat_infilling"
    assert whole["metadata"]["duration"] == pytest.approx(duration, abs=0.01)
    song, source = storage.load_audio(whole["id"]), storage.load_audio(original["id"])
    a, b = arrange.samples(start, SR), arrange.samples(end, SR)
    assert len(song) == len(source)
    assert np.array_equal(song[:a], source[:a]) and np.array_equal(song[b:], source[b:])
    assert not np.array_equal(song[a:b], source[a:b])
    for edge in (a, b):  # across each edge the song moves as the original did there: no click
        if 0 < edge < len(song):
            step, own = song[edge] - song[edge - 1], source[edge] - source[edge - 1]
            assert np.abs(step - own).max() < 0.01


def test_infill_is_checked(client, engine_key):
    _, clips = make_song(client, engine_key)
    clip = clips[0]
    body = {**SEED_V2, "continue_clip_id": clip["id"]}
    for start, end in ((3.0, 2.0), (-1.0, 2.0), (4.0, 7.0), (1.0, 2.5)):
        response = post(
            client, "/suno/v2/generate", {**body, "infill_start_s": start, "infill_end_s": end}, engine_key
        )
        assert response.status_code == 400 and "infill" in response.json()["message"], (start, end)
    response = post(client, "/suno/v2/generate", {**body, "infill_start_s": 1.0}, engine_key)
    assert response.status_code == 400 and "infill_end_s" in response.json()["message"]
    section = infill(client, engine_key, clip["id"], 1.0, 3.5)[0]
    response = post(client, "/suno/submit/concat", {"clip_id": section["id"], "is_infill": False}, engine_key)
    assert response.status_code == 400 and "is_infill true" in response.json()["message"]
    continued = post(
        client,
        "/suno/submit/music",
        {**body, "continue_clip_id": section["id"], "continue_at": 1},
        engine_key,
    )
    assert continued.status_code == 400 and "replaced section" in continued.json()["message"]


def test_a_v2_generation_can_also_be_fetched_as_a_task(client, engine_key):
    generation = post(client, "/suno/v2/generate", SEED_V2, engine_key).json()
    task = fetch_task(client, generation["id"], engine_key)
    assert task["status"] == "SUCCESS" and [c["id"] for c in task["data"]] == [
        c["id"] for c in generation["clips"]
    ]
