"""A client -> stock new-api (stand-in) -> the built-in engine, over real HTTP at each hop."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.engine.helpers import SEED_CUSTOM
from tests.standins.newapi import NewApiStandIn
from tests.standins.serving import serving

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_ID = re.compile(r"^task_[A-Za-z0-9]{32}$")


def submit(relay: httpx.Client, action: str, body: dict) -> str:
    answer = relay.post(f"/suno/submit/{action}", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["code"] == "success" and PUBLIC_ID.match(answer.json()["data"]), answer.text
    return answer.json()["data"]


def settled(relay: httpx.Client, newapi: NewApiStandIn, task_id: str) -> dict:
    """The task once the relay's next refresh (15 s on its clock) has read it from the engine."""
    newapi.clock.now += newapi.refresh_every
    task = relay.get(f"/suno/fetch/{task_id}").json()["data"]
    assert newapi.poll_errors == []
    return task


def test_a_custom_song_through_the_relay_ends_success_with_two_playable_clips(relay, newapi):
    task_id = submit(relay, "music", {**SEED_CUSTOM, "negative_tags": "metal", "notify_hook": "x"})
    path, sent = newapi.sent[0]
    assert path == "/suno/submit/MUSIC" and "negative_tags" not in sent and "notify_hook" not in sent
    assert sent["callBackUrl"] and sent["instrumental"] is False and sent["customMode"] is False
    task = settled(relay, newapi, task_id)
    assert task["task_id"] == task_id and task["status"] == "SUCCESS" and task["progress"] == "100%"
    assert len(task["data"]) == 2 and all(c["status"] == "complete" for c in task["data"])
    audio = httpx.get(task["data"][0]["audio_url"], timeout=30)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"


def test_a_client_sees_not_start_and_no_data_until_the_relay_refreshes(relay, newapi):
    task_id = submit(relay, "music", SEED_CUSTOM)
    before = relay.get(f"/suno/fetch/{task_id}").json()["data"]
    assert (before["status"], before["progress"], before["data"]) == ("NOT_START", "0%", None)
    newapi.clock.now += newapi.refresh_every - 1
    assert relay.get(f"/suno/fetch/{task_id}").json()["data"]["status"] == "NOT_START"
    assert settled(relay, newapi, task_id)["status"] == "SUCCESS"  # streaming was never seen


def test_a_continuation_from_a_time_by_the_relays_own_task_id_ends_success(relay, newapi):
    origin = submit(relay, "music", SEED_CUSTOM)
    source = settled(relay, newapi, origin)["data"][0]
    body = {**SEED_CUSTOM, "task_id": origin, "continue_clip_id": source["id"], "continue_at": 2.5}
    task_id = submit(relay, "music", body)
    assert newapi.sent[-1][1]["task_id"] == origin  # the relay's own id, which the engine never issued
    task = settled(relay, newapi, task_id)
    assert task["status"] == "SUCCESS" and len(task["data"]) == 2
    for clip in task["data"]:
        link = clip["metadata"]["history"][0]
        assert link["id"] == source["id"] and link["continue_at"] == 2.5


def test_lyrics_through_the_relay_end_success_with_sectioned_text(relay, newapi):
    task_id = submit(relay, "lyrics", {"prompt": "乡愁"})
    path, sent = newapi.sent[0]
    assert path == "/suno/submit/LYRICS" and sent["make_instrumental"] is False and sent["prompt"] == "乡愁"
    task = settled(relay, newapi, task_id)
    assert task["action"] == "LYRICS" and task["status"] == "SUCCESS"
    assert "[Verse]" in task["data"]["text"] and task["data"]["title"]


def test_a_batch_fetch_through_the_relay_answers_its_own_ids_only(relay, newapi):
    first, second = submit(relay, "lyrics", {"prompt": "rain"}), submit(relay, "lyrics", {"prompt": "sun"})
    newapi.clock.now += newapi.refresh_every
    answer = relay.post("/suno/fetch", json={"ids": [second, first, "task_" + "0" * 32]}).json()
    assert [t["task_id"] for t in answer["data"]] == [first, second]  # its table's order, not the asked one
    assert all(t["status"] == "SUCCESS" for t in answer["data"]) and newapi.poll_errors == []


def test_concat_has_no_channel_on_stock_new_api(relay):
    answer = relay.post("/suno/submit/concat", json={"clip_id": "x", "is_infill": False})
    assert answer.status_code == 503 and answer.json()["error"]["type"] == "new_api_error"
    assert "suno_concat 无可用渠道" in answer.json()["error"]["message"]


def test_upload_answers_the_relays_web_page(relay):
    answer = relay.post("/sunoapi/uploads/audio-url", json={"url": "http://example.com/a.mp3"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.text.startswith("<!doctype html>")


def test_an_engine_refusal_keeps_its_status_and_its_body_becomes_the_message(relay, newapi):
    origin = submit(relay, "music", SEED_CUSTOM)
    source = settled(relay, newapi, origin)["data"][0]
    body = {**SEED_CUSTOM, "task_id": origin, "continue_clip_id": source["id"], "continue_at": 999}
    answer = relay.post("/suno/submit/music", json=body)
    assert answer.status_code == 400 and answer.json()["code"] == "fail_to_fetch_task"
    assert json.loads(answer.json()["message"])["code"] == "invalid_request"  # the engine's body, as text


def test_the_relay_checks_its_own_key_and_its_own_task_ids(relay, newapi):
    assert httpx.post(f"{newapi.url}/suno/submit/music", json=SEED_CUSTOM).status_code == 401
    body = {**SEED_CUSTOM, "continue_clip_id": "some-clip", "continue_at": 3}
    assert relay.post("/suno/submit/music", json=body).json()["message"] == "task id is empty"
    foreign = relay.post("/suno/submit/music", json={**body, "task_id": "task_" + "z" * 32}).json()
    assert foreign["code"] == "task_not_exist" and newapi.sent == []


def test_an_unreachable_upstream_is_masked():
    app = NewApiStandIn(upstream_url="http://127.0.0.1:9", upstream_key="k", key="sk")
    with serving(app) as url:
        answer = httpx.post(
            f"{url}/suno/submit/music", json=SEED_CUSTOM, headers={"Authorization": "Bearer sk"}
        )
    assert answer.status_code == 500 and answer.json() == {
        "code": "do_request_failed",
        "message": "请求上游地址失败",
        "data": None,
    }


def test_an_upstream_answering_ids_it_was_not_asked_for_breaks_the_relays_poll():
    """Why the engine must never answer extra ids: the stand-in, like new-api, stops its round."""

    def upstream(environ, start_response):
        asked = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        answer = {"code": "success", "data": [{"task_id": "extra", "status": "SUCCESS"}]}
        if "ids" not in asked:  # a submit
            answer = {"code": "success", "message": "", "data": "up-1"}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    with serving(upstream) as upstream_url:
        app = NewApiStandIn(upstream_url=upstream_url, upstream_key="k", key="sk", refresh_every=0)
        task_id = app.remember("LYRICS", app.send_on("/suno/submit/LYRICS", {"prompt": "x"}))
        assert app.fetch_one(task_id)["status"] == "NOT_START"
    assert app.poll_errors and "not asked for" in app.poll_errors[0]
