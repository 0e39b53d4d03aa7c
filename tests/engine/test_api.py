"""The built-in engine, spoken to exactly as the seed documents speak to a gateway."""

from __future__ import annotations

import pytest

from engine.models import EngineTask
from tests.engine.helpers import SEED_CUSTOM, post

pytestmark = pytest.mark.django_db(transaction=True)  # renders are started on commit, as in production


def test_it_refuses_a_missing_or_wrong_key_in_the_new_api_error_shape(client):
    response = post(client, "/suno/submit/lyrics", {"prompt": "乡愁"}, {})
    assert response.status_code == 401 and response.json()["error"]["type"] == "new_api_error"
    response = post(client, "/suno/submit/lyrics", {"prompt": "乡愁"}, {"HTTP_AUTHORIZATION": "Bearer nope"})
    assert response.status_code == 401


def test_bad_json_is_an_invalid_request(client, engine_key):
    response = post(client, "/suno/submit/music", "{not json", engine_key)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_request",
        "message": "The request body is not valid JSON.",
        "data": None,
    }


def test_an_empty_lyrics_prompt_is_an_invalid_request(client, engine_key):
    response = post(client, "/suno/submit/lyrics", {"prompt": "  "}, engine_key)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"


def test_an_unknown_model_is_refused_like_a_gateway_without_that_channel(client, engine_key):
    response = post(client, "/suno/submit/music", {**SEED_CUSTOM, "mv": "chirp-v9"}, engine_key)
    assert response.status_code == 403 and "chirp-v9" in response.json()["error"]["message"]


def test_it_enforces_the_models_limits(client, engine_key):
    response = post(client, "/suno/submit/music", {**SEED_CUSTOM, "tags": "x" * 201}, engine_key)
    assert response.status_code == 400 and "at most 200" in response.json()["message"]
    response = post(
        client, "/suno/submit/music", {**SEED_CUSTOM, "tags": "x" * 201, "mv": "chirp-crow"}, engine_key
    )
    assert response.status_code == 200


def test_an_unknown_task_does_not_exist(client, engine_key):
    response = client.get("/suno/fetch/no-such-task", **engine_key)
    assert response.status_code == 400 and response.json()["code"] == "task_not_exist"


def test_the_seeds_lyrics_request_gives_sectioned_lyrics_using_the_prompt(client, engine_key):
    task_id = post(client, "/suno/submit/lyrics", {"prompt": "乡愁"}, engine_key).json()["data"]
    task = client.get(f"/suno/fetch/{task_id}", **engine_key).json()["data"]
    assert task["action"] == "LYRICS" and task["status"] == "SUCCESS" and task["progress"] == "100%"
    assert task["data"]["status"] == "complete" and "[Verse]" in task["data"]["text"]
    assert "乡愁" in task["data"]["text"] + task["data"]["title"]


def test_the_seeds_inspiration_request_writes_its_own_title_and_lyrics(client, engine_key):
    task_id = post(client, "/suno/submit/music", {"gpt_description_prompt": "乡愁"}, engine_key).json()[
        "data"
    ]
    task = client.get(f"/suno/fetch/{task_id}", **engine_key).json()["data"]
    assert task["status"] == "SUCCESS" and len(task["data"]) == 2
    clip = task["data"][0]
    assert (
        clip["title"] and clip["metadata"]["prompt"] and clip["metadata"]["gpt_description_prompt"] == "乡愁"
    )
    assert clip["model_name"] == "chirp-v3"  # a missing mv means chirp-v3-0, as on gateways


def test_the_seeds_custom_request_walks_to_success_with_two_playable_clips(client, engine_key):
    answer = post(client, "/suno/submit/music", SEED_CUSTOM, engine_key).json()
    assert answer["code"] == "success" and answer["message"] == ""
    task = client.get(f"/suno/fetch/{answer['data']}", **engine_key).json()["data"]
    assert (
        task["status"] == "SUCCESS" and task["finish_time"] >= task["start_time"] >= task["submit_time"] > 0
    )
    assert [c["status"] for c in task["data"]] == ["complete", "complete"]
    clip = task["data"][0]
    assert clip["title"] == "City Lights" and clip["metadata"]["tags"] == "emotional punk"
    assert clip["metadata"]["duration"] > 1 and clip["model_name"] == "chirp-v3"
    audio = client.get(clip["audio_url"].removeprefix("http://testserver"))
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/mpeg"
    part = client.get(clip["audio_url"].removeprefix("http://testserver"), HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and len(b"".join(part.streaming_content)) == 100
    cover = client.get(clip["image_url"].removeprefix("http://testserver"))
    assert cover.status_code == 200 and cover["Content-Type"] == "image/jpeg"


def test_batch_fetch_leaves_out_unknown_and_foreign_ids(client, engine_key):
    task_id = post(client, "/suno/submit/lyrics", {"prompt": "rain"}, engine_key).json()["data"]
    foreign = EngineTask.objects.create(
        key_fingerprint="someone-else", action="LYRICS", payload={"prompt": "x"}
    )
    answer = post(
        client, "/suno/fetch", {"ids": [task_id, "57eb2c03-unknown", foreign.id]}, engine_key
    ).json()
    assert answer["code"] == "success" and [t["task_id"] for t in answer["data"]] == [task_id]
    assert client.get(f"/suno/fetch/{foreign.id}", **engine_key).json()["code"] == "task_not_exist"


def test_the_same_request_twice_gives_different_takes(client, engine_key):
    first = post(client, "/suno/submit/music", SEED_CUSTOM, engine_key).json()["data"]
    second = post(client, "/suno/submit/music", SEED_CUSTOM, engine_key).json()["data"]
    clips = [
        c
        for t in (first, second)
        for c in client.get(f"/suno/fetch/{t}", **engine_key).json()["data"]["data"]
    ]
    assert len({c["id"] for c in clips}) == 4
    assert len({c["metadata"]["engine"]["seed"] for c in clips}) == 4
