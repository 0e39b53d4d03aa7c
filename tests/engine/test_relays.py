"""The engine as the upstream of a relay (new-api, Suno-API): spoken to the way those relays speak."""

from __future__ import annotations

import pytest

from engine.models import EngineTask
from tests.engine.helpers import SEED_CUSTOM, fetch_task, make_song, post

pytestmark = pytest.mark.django_db(transaction=True)

# What newer new-api adds to every body it re-encodes from its own request struct.
RELAY_FIELDS = {
    "make_instrumental": False,
    "instrumental": False,
    "callBackUrl": "http://relay.example/suno/callback",
    "customMode": False,
}
NEW_API_TASK_ID = "task_" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"  # its public ids: task_ + 32 characters


@pytest.mark.parametrize("action", ["MUSIC", "Music", "music"])
def test_it_takes_the_music_action_in_any_case(client, engine_key, action):
    answer = post(client, f"/suno/submit/{action}", {**SEED_CUSTOM, **RELAY_FIELDS}, engine_key).json()
    assert answer["code"] == "success"
    task = fetch_task(client, answer["data"], engine_key)
    assert task["action"] == "MUSIC" and task["status"] == "SUCCESS" and len(task["data"]) == 2


def test_it_takes_relayed_lyrics_in_upper_case_with_make_instrumental(client, engine_key):
    body = {"prompt": "乡愁", **RELAY_FIELDS, "notify_hook": "http://relay.example/hook"}
    answer = post(client, "/suno/submit/LYRICS", body, engine_key).json()
    task = fetch_task(client, answer["data"], engine_key)
    assert task["action"] == "LYRICS" and task["status"] == "SUCCESS" and "[Verse]" in task["data"]["text"]


def test_it_takes_concat_in_upper_case(client, engine_key, settings):
    _, clips = make_song(client, engine_key)
    at = round(clips[0]["metadata"]["duration"] / 2, 2)
    body = {**SEED_CUSTOM, "continue_clip_id": clips[0]["id"], "continue_at": at}
    continued = fetch_task(
        client, post(client, "/suno/submit/MUSIC", body, engine_key).json()["data"], engine_key
    )
    answer = post(client, "/suno/submit/CONCAT", {"clip_id": continued["data"][0]["id"]}, engine_key).json()
    assert fetch_task(client, answer["data"], engine_key)["action"] == "CONCAT"


@pytest.mark.parametrize("action", ["describe", "UPLOAD", "music/extra", ""])
def test_an_unknown_action_is_an_invalid_request_in_json_not_an_html_page(client, engine_key, action):
    response = post(client, f"/suno/submit/{action}", SEED_CUSTOM, engine_key)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "invalid_request" and response.json()["data"] is None
    assert not EngineTask.objects.exists()


def test_a_task_id_it_never_issued_is_accepted_and_the_clip_decides(client, engine_key):
    _, clips = make_song(client, engine_key)
    source = clips[1]
    body = {
        **SEED_CUSTOM,
        **RELAY_FIELDS,
        "task_id": NEW_API_TASK_ID,
        "continue_clip_id": source["id"],
        "continue_at": 2.5,
    }
    answer = post(client, "/suno/submit/MUSIC", body, engine_key).json()
    assert answer["code"] == "success", answer
    task = fetch_task(client, answer["data"], engine_key)
    assert task["status"] == "SUCCESS"
    for clip in task["data"]:
        assert clip["metadata"]["history"][0]["id"] == source["id"]
        assert clip["metadata"]["history"][0]["continue_at"] == 2.5


@pytest.mark.parametrize("at", [None, 0, "absent"])
def test_a_continue_without_a_time_goes_on_from_the_end_of_the_clip(client, engine_key, at):
    _, clips = make_song(client, engine_key)
    source = clips[0]
    body = {**SEED_CUSTOM, "continue_clip_id": source["id"], "continue_at": at}
    if at == "absent":
        del body["continue_at"]
    answer = post(client, "/suno/submit/music", body, engine_key).json()
    assert answer["code"] == "success", answer
    clip = fetch_task(client, answer["data"], engine_key)["data"][0]
    assert clip["metadata"]["history"][0]["continue_at"] == source["metadata"]["duration"]


def test_instrumental_from_a_relay_makes_an_instrumental(client, engine_key):
    _, clips = make_song(client, engine_key, instrumental=True, customMode=True)
    assert all(c["metadata"]["make_instrumental"] and not c["metadata"]["has_vocal"] for c in clips)


def test_a_batch_fetch_answers_each_asked_id_once_in_the_order_asked_and_nothing_else(client, engine_key):
    first = post(client, "/suno/submit/lyrics", {"prompt": "rain"}, engine_key).json()["data"]
    second = post(client, "/suno/submit/lyrics", {"prompt": "sun"}, engine_key).json()["data"]
    unasked = post(client, "/suno/submit/lyrics", {"prompt": "snow"}, engine_key).json()["data"]
    foreign = EngineTask.objects.create(key_fingerprint="someone-else", action="LYRICS", payload={})
    later, earlier = sorted([first, second], reverse=True)  # asked against the table's own order
    ids = [later, earlier, later, foreign.id, "task_" + "x" * 32, first.upper(), f" {first}"]
    answer = post(client, "/suno/fetch", {"ids": ids}, engine_key).json()
    assert [t["task_id"] for t in answer["data"]] == [later, earlier]
    assert unasked not in {t["task_id"] for t in answer["data"]}


def test_every_field_new_apis_poll_decodes_has_the_type_it_expects(client, engine_key):
    """new-api decodes each answered task into a Go struct: one wrong type fails the whole batch."""
    task_id, _ = make_song(client, engine_key)
    lyrics = post(client, "/suno/submit/lyrics", {"prompt": "rain"}, engine_key).json()["data"]
    waiting = EngineTask.objects.create(
        key_fingerprint=EngineTask.objects.get(id=task_id).key_fingerprint, action="MUSIC", payload={}
    )
    answer = post(client, "/suno/fetch", {"ids": [task_id, lyrics, waiting.id]}, engine_key).json()
    assert answer["code"] == "success" and len(answer["data"]) == 3
    for task in answer["data"]:
        for name in ("task_id", "action", "status", "fail_reason", "progress"):
            assert isinstance(task[name], str), name
        for name in ("submit_time", "start_time", "finish_time"):
            assert type(task[name]) is int, name
    assert [t["status"] for t in answer["data"]] == ["SUCCESS", "SUCCESS", "NOT_START"]
    assert answer["data"][2]["data"] == []  # nothing rendered yet: an empty list, still a list
