"""The gateway client, driven through httpx.MockTransport: only the network is replaced."""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from songs.gateway import Gateway, GatewayError, SubmitOutcomeUnknown, download, formats, parse
from songs.gateway import client as gateway_client
from tests.conftest import GATEWAY_KEY, GATEWAY_URL
from tests.seeds import SEED_V2_GENERATE_BODY, SEEDS_DIR

BASE, KEY = GATEWAY_URL, GATEWAY_KEY
SEEDS = SEEDS_DIR

Handler = Callable[[httpx.Request], httpx.Response]


# --- Seed bodies (PROTOCOL.md seed 004, trimmed to the fields that matter plus a few extras) ---

SEED_LYRICS_TASK = {
    "task_id": "24c35560-5d0a-470d-bd31-976d02d43926",
    "notify_hook": "",
    "action": "LYRICS",
    "status": "SUCCESS",
    "fail_reason": "",
    "submit_time": 1730209678,
    "start_time": 1730209678,
    "finish_time": 1730209687,
    "progress": "100%",
    "data": {"status": "complete", "text": "[Verse]\n骑着单车在海边漫游\n夕阳洒在我们", "title": "厦门"},
}


def seed_clip(clip_id: str, duration: object, *, pending: bool = True) -> dict:
    return {
        "audio_url": f"https://cdn1.suno.ai/{clip_id}.mp3",
        "avatar_image_url": "https://cdn1.suno.ai/defaultOrange.webp",
        "created_at": "2024-10-29T13:23:44.841Z",
        "display_name": "DisconcertedBass2764",
        "handle": "disconcertedbass2764",
        "id": clip_id,
        "image_large_url": f"https://cdn2.suno.ai/image_large_{clip_id}.jpeg",
        "image_url": f"https://cdn2.suno.ai/image_{clip_id}.jpeg",
        "is_handle_updated": False,
        "is_liked": False,
        "is_public": False,
        "is_trashed": False,
        "is_video_pending": pending,
        "major_model_version": "v3",
        "metadata": {
            "duration": duration,
            "gpt_description_prompt": "天津",
            "prompt": "[Verse]\nOn the streets of Tianjin we dance in the rain",
            "refund_credits": False,
            "stream": True,
            "tags": "pop lively",
            "type": "gen",
        },
        "model_name": "chirp-v3",
        "play_count": 0,
        "status": "complete",
        "title": "天津",
        "upvote_count": 0,
        "video_url": f"https://cdn1.suno.ai/{clip_id}.mp4",
    }


SEED_MUSIC_TASK = {
    "task_id": "6e7dfb41-5a21-4189-8246-e2b6ae103ccd",
    "notify_hook": "",
    "action": "MUSIC",
    "status": "SUCCESS",
    "fail_reason": "",
    "submit_time": 1730208225,
    "start_time": 1730208225,
    "finish_time": 1730208257,
    "progress": "100%",
    "data": [
        seed_clip("53db4a32-cb40-4412-8c1f-34409d2f3327", 64.36),
        seed_clip("94241e2d-7e50-44db-9b7e-e6ca656894c1", 74.68),
    ],
}

SEED_CUSTOM_PAYLOAD = {
    "prompt": "[Verse]\nWalking down the streets\nBeneath the city lights",
    "tags": "emotional punk",
    "mv": "chirp-v3-5",
    "title": "City Lights",
}


def ok(data: object) -> dict:
    return {"code": "success", "message": "", "data": data}


def fail(code: str, message: str = "it failed") -> dict:
    return {"code": code, "message": message, "data": None}


def new_api_error(message: str, **extra: str) -> dict:
    return {"error": {"message": message, "type": "new_api_error", **extra}}


def facts(error: GatewayError) -> tuple[str, int | None, bool]:
    return (error.code, error.http_status, error.retryable)


# --- Helpers -------------------------------------------------------------------------------


class Recorder:
    """A MockTransport handler that replays answers in order and remembers every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def bodies(self) -> list[object]:
        return [json.loads(r.content) for r in self.requests]


def reply(status: int = 200, body: object = None, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, json=body, **kwargs)


# --- Submits ------------------------------------------------------------------------------


def test_it_submits_the_music_payload_exactly_as_given(make_gateway):
    recorder = Recorder(reply(200, ok("6e7dfb41-5a21-4189-8246-e2b6ae103ccd")))
    payload = {**SEED_CUSTOM_PAYLOAD, "continue_clip_id": "ce2cfbce", "continue_at": 80, "task_id": "t-1"}

    task_id = make_gateway(recorder).submit_music(payload=payload)

    assert task_id == "6e7dfb41-5a21-4189-8246-e2b6ae103ccd"
    [request] = recorder.requests
    assert (request.method, request.url.path) == ("POST", "/suno/submit/music")
    assert recorder.bodies() == [payload]


def test_it_sends_the_bearer_key_json_headers_and_explicit_timeouts(make_gateway):
    recorder = Recorder(reply(200, ok("task-1")))

    make_gateway(recorder, connect_timeout=2.0, read_timeout=9.0).submit_lyrics(prompt="乡愁")

    [request] = recorder.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.extensions["timeout"] == {"connect": 2.0, "read": 9.0, "write": 9.0, "pool": 2.0}


def test_it_submits_lyrics_with_the_prompt(make_gateway):
    recorder = Recorder(reply(200, ok("751c7248-5d1a-414e-9827-9d39e5533b33")))

    task_id = make_gateway(recorder).submit_lyrics(prompt="乡愁")

    assert task_id == "751c7248-5d1a-414e-9827-9d39e5533b33"
    assert recorder.requests[0].url.path == "/suno/submit/lyrics"
    assert recorder.bodies() == [{"prompt": "乡愁"}]


@pytest.mark.parametrize("payload", [{"gpt_description_prompt": "乡愁"}, {"prompt": "la", "mv": ""}])
def test_it_refuses_a_music_payload_without_mv(make_gateway, payload):
    recorder = Recorder(reply(200, ok("never")))

    with pytest.raises(ValueError, match="mv"):
        make_gateway(recorder).submit_music(payload=payload)

    assert recorder.requests == []


def test_it_does_not_retry_a_submit_that_got_a_500(make_gateway, sleeps):
    recorder = Recorder(reply(500, fail("fail_to_fetch_task", "upstream down")))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).submit_music(payload=SEED_CUSTOM_PAYLOAD)

    assert len(recorder.requests) == 1
    assert sleeps == []
    assert not isinstance(caught.value, SubmitOutcomeUnknown)
    assert facts(caught.value) == ("fail_to_fetch_task", 500, True)


def test_it_raises_retryable_error_on_429_submit(make_gateway):
    recorder = Recorder(reply(429, fail("rate_limit", "slow down")))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).submit_lyrics(prompt="x")

    assert len(recorder.requests) == 1
    assert (caught.value.http_status, caught.value.retryable) == (429, True)


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
def test_it_reports_an_unknown_outcome_when_a_submit_may_have_been_sent(make_gateway, sleeps, failure):
    recorder = Recorder(failure("lost"))

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        make_gateway(recorder).submit_music(payload=SEED_CUSTOM_PAYLOAD)

    assert len(recorder.requests) == 1
    assert sleeps == []
    assert caught.value.retryable is False
    assert isinstance(caught.value, GatewayError)


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_it_raises_a_retryable_network_error_when_a_submit_never_left(make_gateway, failure):
    recorder = Recorder(failure("refused"))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).submit_lyrics(prompt="x")

    assert not isinstance(caught.value, SubmitOutcomeUnknown)
    assert facts(caught.value) == ("network", None, True)
    assert len(recorder.requests) == 1


def test_it_reports_an_unknown_outcome_when_a_submit_got_an_unreadable_200(make_gateway):
    recorder = Recorder(httpx.Response(200, text="<html>ok</html>"))

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        make_gateway(recorder).submit_music(payload=SEED_CUSTOM_PAYLOAD)

    assert facts(caught.value) == ("bad_response", 200, False)


def test_it_refuses_a_submit_answer_without_a_task_id(make_gateway):
    recorder = Recorder(reply(200, ok(None)))

    with pytest.raises(SubmitOutcomeUnknown):
        make_gateway(recorder).submit_lyrics(prompt="x")


# --- Fetches ------------------------------------------------------------------------------


def test_it_parses_the_seed_lyrics_task(make_gateway):
    recorder = Recorder(reply(200, ok(SEED_LYRICS_TASK)))

    task = make_gateway(recorder).fetch_task("24c35560-5d0a-470d-bd31-976d02d43926")

    assert (recorder.requests[0].method, recorder.requests[0].url.path) == (
        "GET",
        "/suno/fetch/24c35560-5d0a-470d-bd31-976d02d43926",
    )
    assert (task.task_id, task.action, task.status, task.progress) == (
        "24c35560-5d0a-470d-bd31-976d02d43926",
        "LYRICS",
        "SUCCESS",
        "100%",
    )
    assert (task.submit_time, task.start_time, task.finish_time) == (1730209678, 1730209678, 1730209687)
    assert task.clips == []
    assert task.lyrics == parse.Lyrics(status="complete", title="厦门", text=SEED_LYRICS_TASK["data"]["text"])
    assert task.is_terminal and task.succeeded and not task.failed
    assert task.raw == SEED_LYRICS_TASK


def test_it_parses_the_seed_music_task(make_gateway):
    recorder = Recorder(reply(200, ok(SEED_MUSIC_TASK)))

    task = make_gateway(recorder).fetch_task("6e7dfb41-5a21-4189-8246-e2b6ae103ccd")

    assert (task.action, task.status, task.lyrics) == ("MUSIC", "SUCCESS", None)
    first, second = task.clips
    assert first.id == "53db4a32-cb40-4412-8c1f-34409d2f3327"
    assert first.status == "complete"
    assert first.title == "天津"
    assert first.audio_url == "https://cdn1.suno.ai/53db4a32-cb40-4412-8c1f-34409d2f3327.mp3"
    assert first.video_url.endswith(".mp4")
    assert first.image_url == "https://cdn2.suno.ai/image_53db4a32-cb40-4412-8c1f-34409d2f3327.jpeg"
    assert first.image_large_url.startswith("https://cdn2.suno.ai/image_large_")
    assert first.is_video_pending is True
    assert (first.model_name, first.major_model_version) == ("chirp-v3", "v3")
    assert first.created_at == "2024-10-29T13:23:44.841Z"
    assert (first.duration, second.duration) == (64.36, 74.68)
    assert (first.tags, first.gpt_description_prompt, first.clip_type) == ("pop lively", "天津", "gen")
    assert first.prompt.startswith("[Verse]")
    assert (first.negative_tags, first.error_message, first.history) == ("", "", [])
    assert first.metadata["refund_credits"] is False
    assert first.raw["handle"] == "disconcertedbass2764"


def test_it_parses_the_seed_example_files_fetch_answers():
    # The seed's own JSON, cut straight out of the document, must parse too.
    text = (SEEDS / "004_30ed06b69239fe21.txt").read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    answers = []
    for index, char in enumerate(text):
        if char == "{" and text.startswith('{\n"code": "success",\n"data": {\n"task_id"', index):
            answers.append(decoder.raw_decode(text, index)[0])
    assert len(answers) >= 2

    tasks = [parse.parse_task(answer["data"]) for answer in answers]

    assert {task.action for task in tasks} == {"LYRICS", "MUSIC"}
    music = next(task for task in tasks if task.action == "MUSIC")
    assert [clip.duration for clip in music.clips] == [64.36, 74.68]


def test_it_fetches_a_batch_like_the_seed(make_gateway):
    music = {**SEED_MUSIC_TASK, "task_id": "57eb2c03-5d86-467b-b0df-cd08ce607e9d"}
    recorder = Recorder(reply(200, ok([music, SEED_LYRICS_TASK])))
    ids = ["57eb2c03-5d86-467b-b0df-cd08ce607e9d", "24c35560-5d0a-470d-bd31-976d02d43926"]

    tasks = make_gateway(recorder).fetch_tasks(ids)

    assert (recorder.requests[0].method, recorder.requests[0].url.path) == ("POST", "/suno/fetch")
    assert recorder.bodies() == [{"ids": ids}]
    assert [t.task_id for t in tasks] == ids
    assert [t.action for t in tasks] == ["MUSIC", "LYRICS"]
    assert len(tasks[0].clips) == 2


def test_it_leaves_unknown_ids_out_of_a_batch(make_gateway):
    recorder = Recorder(reply(200, ok([SEED_LYRICS_TASK])))

    tasks = make_gateway(recorder).fetch_tasks(["nope", SEED_LYRICS_TASK["task_id"]])

    assert [t.task_id for t in tasks] == [SEED_LYRICS_TASK["task_id"]]


def test_it_splits_120_ids_into_three_requests_of_at_most_50(make_gateway):
    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["ids"]
        return reply(200, ok([{"task_id": i, "action": "MUSIC", "status": "QUEUED"} for i in ids]))

    recorder = Recorder(answer)
    ids = [f"task-{n}" for n in range(120)]

    tasks = make_gateway(recorder).fetch_tasks(ids)

    assert [len(body["ids"]) for body in recorder.bodies()] == [50, 50, 20]
    assert [t.task_id for t in tasks] == ids


def test_it_makes_no_request_for_an_empty_batch(make_gateway):
    recorder = Recorder(reply(200, ok([])))

    assert make_gateway(recorder).fetch_tasks([]) == []
    assert recorder.requests == []


@pytest.mark.parametrize("data", [None, []])
def test_it_tolerates_an_early_music_task_without_clips(make_gateway, data):
    early = {"task_id": "t-1", "action": "MUSIC", "status": "SUBMITTED", "progress": "0%", "data": data}
    recorder = Recorder(reply(200, ok(early)))

    task = make_gateway(recorder).fetch_task("t-1")

    assert (task.status, task.clips, task.lyrics, task.is_terminal) == ("SUBMITTED", [], None, False)


def test_it_ignores_unknown_fields_and_tolerates_missing_ones(make_gateway):
    sparse = {
        "task_id": "task_abc",
        "id": 991,
        "platform": "suno",
        "quota": 5,
        "status": "in_progress",
        "data": [{"id": "clip-1", "status": "streaming", "metadata": None, "brand_new": {"x": 1}}],
    }
    recorder = Recorder(reply(200, ok(sparse)))

    task = make_gateway(recorder).fetch_task("task_abc")

    assert (task.status, task.action, task.fail_reason, task.submit_time) == ("IN_PROGRESS", "", "", 0)
    [clip] = task.clips
    assert (clip.id, clip.status, clip.title, clip.audio_url) == ("clip-1", "streaming", "", "")
    assert clip.duration is None
    assert (clip.metadata, clip.history, clip.is_video_pending) == ({}, [], False)


def test_it_treats_a_missing_status_as_unknown_and_pending(make_gateway):
    recorder = Recorder(reply(200, ok({"task_id": "t-1", "action": "MUSIC"})))

    task = make_gateway(recorder).fetch_task("t-1")

    assert (task.status, task.is_terminal) == ("UNKNOWN", False)


def test_it_reads_a_failed_task_with_its_reason(make_gateway):
    failed = {"task_id": "t-1", "action": "MUSIC", "status": "FAILURE", "fail_reason": "time out", "data": []}
    recorder = Recorder(reply(200, ok(failed)))

    task = make_gateway(recorder).fetch_task("t-1")

    assert (task.failed, task.is_terminal, task.succeeded) == (True, True, False)
    assert task.fail_reason == "time out"


def test_it_reads_clip_history_type_and_error(make_gateway):
    clip = {
        "id": "c2",
        "status": "error",
        "metadata": {
            "type": "concat",
            "history": [{"id": "c1", "continue_at": 80, "type": "gen", "infill": False}],
            "error_message": "Lyrics were flagged",
        },
    }
    recorder = Recorder(reply(200, ok({"task_id": "t", "status": "FAILURE", "data": [clip]})))

    [parsed] = make_gateway(recorder).fetch_task("t").clips

    assert (parsed.clip_type, parsed.error_message) == ("concat", "Lyrics were flagged")
    assert parsed.history == [{"id": "c1", "continue_at": 80, "type": "gen", "infill": False}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("12.5", 12.5), (30, 30.0), (64.36, 64.36), ("", None), ("soon", None), (True, None)],
)
def test_it_parses_durations_leniently(raw, expected):
    clip = parse.parse_clip({"id": "c", "metadata": {"duration": raw}})

    assert clip.duration == expected
    assert expected is None or isinstance(clip.duration, float)


def test_it_quotes_task_ids_in_the_fetch_path(make_gateway):
    recorder = Recorder(reply(200, ok({"task_id": "a/b", "status": "QUEUED"})))

    make_gateway(recorder).fetch_task("a/b")

    assert recorder.requests[0].url.raw_path == b"/suno/fetch/a%2Fb"


def test_it_raises_task_not_exist_when_a_fetch_answers_no_task(make_gateway):
    recorder = Recorder(reply(200, ok(None)))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).fetch_task("gone")

    assert (caught.value.code, caught.value.retryable) == ("task_not_exist", False)


# --- Error shapes -------------------------------------------------------------------------

ERROR_CASES = [
    # (status, body or raw text, code, retryable)
    (400, fail("invalid_request", "prompt is empty"), "invalid_request", False),
    (400, fail("task_not_exist", "task_not_exist"), "task_not_exist", False),
    (403, fail("quota_not_enough", "quota not enough"), "quota_not_enough", False),
    (200, fail("fail_to_fetch_task", "upstream said no"), "fail_to_fetch_task", False),
    (500, fail("fail_to_fetch_task", "upstream down"), "fail_to_fetch_task", True),
    (429, fail("rate_limit", "too many"), "rate_limit", True),
    (401, new_api_error("invalid token"), "unauthorized", False),
    (403, new_api_error("model not allowed"), "forbidden", False),
    (503, new_api_error("no available channel"), "http_503", True),
    (403, new_api_error("no", code="model_not_found"), "model_not_found", False),
    (502, "<html>Bad Gateway</html>", "bad_response", True),
    (200, '{"code": "success", "data": {"task_id"', "bad_response", False),
    (200, "[1, 2, 3]", "bad_response", False),
    (404, {"detail": "Not Found"}, "not_found", False),
]


@pytest.mark.parametrize(("status", "body", "code", "retryable"), ERROR_CASES)
def test_it_turns_every_error_shape_into_a_gateway_error(make_gateway, status, body, code, retryable):
    answer = httpx.Response(status, text=body) if isinstance(body, str) else reply(status, body)
    recorder = Recorder(answer)

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder, max_retries=0).fetch_task("t-1")

    error = caught.value
    assert (error.code, error.http_status, error.retryable) == (code, status, retryable)
    assert len(recorder.requests) == 1
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail") or body["error"]["message"]
        assert error.message == message
        assert message in str(error)


def test_it_raises_retryable_error_on_429(make_gateway):
    recorder = Recorder(reply(429, fail("rate_limit", "busy")))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder, max_retries=0).fetch_tasks(["a"])

    assert (caught.value.http_status, caught.value.retryable) == (429, True)


def test_it_says_what_went_wrong_in_a_short_sentence():
    error = GatewayError("quota_not_enough", "Quota is not enough", http_status=403)

    assert str(error) == "Quota is not enough (quota_not_enough, HTTP 403)"
    assert repr(error).startswith("GatewayError(code='quota_not_enough'")
    assert (error.code, error.message, error.http_status, error.retryable) == (
        "quota_not_enough",
        "Quota is not enough",
        403,
        False,
    )


# --- Retries --------------------------------------------------------------------------------


def test_it_retries_a_fetch_on_5xx_429_and_connect_errors_then_succeeds(make_gateway, sleeps):
    recorder = Recorder(
        reply(503, new_api_error("busy")),
        reply(429, fail("rate_limit", "slow")),
        httpx.ConnectError("refused"),
        reply(200, ok(SEED_LYRICS_TASK)),
    )

    task = make_gateway(recorder).fetch_task(SEED_LYRICS_TASK["task_id"])

    assert task.succeeded
    assert len(recorder.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_it_retries_a_non_json_502_and_a_read_timeout(make_gateway):
    recorder = Recorder(
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.ReadTimeout("slow"),
        reply(200, ok([SEED_LYRICS_TASK])),
    )

    tasks = make_gateway(recorder).fetch_tasks([SEED_LYRICS_TASK["task_id"]])

    assert len(tasks) == 1
    assert len(recorder.requests) == 3


def test_it_gives_up_after_max_retries(make_gateway, sleeps):
    recorder = Recorder(reply(500, fail("fail_to_fetch_task", "down")))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder, max_retries=3).fetch_task("t-1")

    # One first try plus three retries.
    assert len(recorder.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert (caught.value.http_status, caught.value.retryable) == (500, True)


def test_it_gives_up_on_network_errors_after_max_retries(make_gateway):
    recorder = Recorder(httpx.ConnectError("refused"))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder, max_retries=2).fetch_tasks(["a"])

    assert len(recorder.requests) == 3
    assert (caught.value.code, caught.value.retryable) == ("network", True)


def test_it_does_not_retry_a_fetch_that_cannot_succeed(make_gateway, sleeps):
    recorder = Recorder(reply(400, fail("task_not_exist", "no")))

    with pytest.raises(GatewayError):
        make_gateway(recorder).fetch_task("t-1")

    assert len(recorder.requests) == 1
    assert sleeps == []


def test_it_honours_a_short_retry_after_on_429(make_gateway, sleeps):
    recorder = Recorder(
        reply(429, fail("rate_limit", "slow"), headers={"Retry-After": "3"}),
        reply(200, ok(SEED_LYRICS_TASK)),
    )

    make_gateway(recorder).fetch_task("t-1")

    assert sleeps == [3.0]


def test_it_gives_up_at_once_when_retry_after_is_long(make_gateway, sleeps):
    recorder = Recorder(reply(429, fail("rate_limit", "slow"), headers={"Retry-After": "120"}))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).fetch_task("t-1")

    assert len(recorder.requests) == 1
    assert sleeps == []
    assert (caught.value.retryable, caught.value.retry_after) == (True, 120.0)


# --- Secrets and logging --------------------------------------------------------------------


def everything_said_about(error: BaseException) -> str:
    return str(error) + repr(error) + "".join(traceback.format_exception(error))


@pytest.mark.parametrize(
    "answer",
    [
        reply(401, new_api_error(f"invalid token {KEY}")),
        reply(400, {"code": "invalid_request", "message": f"bad key {KEY}!", "data": None}),
        httpx.ConnectError("refused"),
        httpx.Response(502, text=f"<html>{KEY}</html>"),
    ],
)
def test_it_never_reveals_the_key_in_errors_or_logs(make_gateway, caplog, answer):
    caplog.set_level(logging.DEBUG)
    gateway = make_gateway(Recorder(answer), max_retries=1)

    with pytest.raises(GatewayError) as caught:
        gateway.fetch_task("t-1")
    with pytest.raises(GatewayError) as caught_submit:
        gateway.submit_lyrics(prompt="x")

    for error in (caught.value, caught_submit.value):
        assert KEY not in everything_said_about(error)
    assert KEY not in repr(gateway)
    assert caplog.records
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert "Bearer" not in record.getMessage()


def test_it_logs_one_line_per_failed_call_with_method_path_status_and_code(make_gateway, caplog):
    caplog.set_level(logging.INFO, logger="songs.gateway")
    recorder = Recorder(reply(403, fail("quota_not_enough", "no quota")))

    with pytest.raises(GatewayError):
        make_gateway(recorder).submit_lyrics(prompt="x")

    [record] = [r for r in caplog.records if r.name == "songs.gateway"]
    line = record.getMessage()
    for part in ("POST", "/suno/submit/lyrics", "403", "quota_not_enough"):
        assert part in line
    assert "no quota" not in line


# --- Downloads ------------------------------------------------------------------------------


class BrokenStream(httpx.SyncByteStream):
    """A body that breaks off after its first chunk, like a dropped connection."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"partial"
        raise httpx.ReadError("connection reset")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_it_downloads_atomically_with_size_and_checksum(make_gateway, tmp_path):
    audio = b"ID3" + bytes(range(256)) * 1000
    recorder = Recorder(httpx.Response(200, content=audio))
    dest = tmp_path / "media" / "clip.mp3"

    size, sha = download.download_media(
        make_gateway(recorder), f"{BASE}/media/clip.mp3", dest=dest, max_bytes=10**6
    )

    assert (size, sha) == (len(audio), hashlib.sha256(audio).hexdigest())
    assert dest.read_bytes() == audio
    assert leftovers(dest.parent) == ["clip.mp3"]
    # Media on the gateway's own address may need the key.
    assert recorder.requests[0].headers["Authorization"] == f"Bearer {KEY}"


def test_it_does_not_send_the_key_to_a_foreign_host(make_gateway, tmp_path):
    recorder = Recorder(httpx.Response(200, content=b"mp3"))

    download.download_media(
        make_gateway(recorder), "https://cdn1.suno.ai/x.mp3", dest=tmp_path / "x.mp3", max_bytes=100
    )

    [request] = recorder.requests
    assert request.url.host == "cdn1.suno.ai"
    assert "authorization" not in request.headers


@pytest.mark.parametrize("url", ["http://gateway.test:8080/x.mp3", "https://gateway.test/x.mp3"])
def test_it_treats_another_port_or_scheme_as_foreign(make_gateway, tmp_path, url):
    recorder = Recorder(httpx.Response(200, content=b"mp3"))

    download.download_media(make_gateway(recorder), url, dest=tmp_path / "x.mp3", max_bytes=100)

    assert "authorization" not in recorder.requests[0].headers


def test_it_follows_a_redirect_to_a_cdn_without_the_key(make_gateway, tmp_path):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "gateway.test":
            return httpx.Response(302, headers={"Location": "https://cdn.example/a.mp3?sig=abc"})
        return httpx.Response(200, content=b"the audio")

    recorder = Recorder(answer)

    size, _ = download.download_media(
        make_gateway(recorder), f"{BASE}/media/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
    )

    assert size == len(b"the audio")
    gateway_hop, cdn_hop = recorder.requests
    assert "authorization" in gateway_hop.headers
    assert "authorization" not in cdn_hop.headers


@pytest.mark.parametrize("declare_length", [True, False])
def test_it_refuses_an_oversize_download_and_leaves_nothing_behind(make_gateway, tmp_path, declare_length):
    body = b"x" * 5000
    if declare_length:
        answer = httpx.Response(200, content=body)
    else:
        answer = httpx.Response(200, content=iter([body[:2500], body[2500:]]))
    recorder = Recorder(answer)
    dest = tmp_path / "big.mp3"
    dest.write_bytes(b"the old copy")

    with pytest.raises(GatewayError) as caught:
        download.download_media(
            make_gateway(recorder), "https://cdn.example/big.mp3", dest=dest, max_bytes=4096
        )

    assert (caught.value.code, caught.value.retryable) == ("too_large", False)
    assert len(recorder.requests) == 1
    assert dest.read_bytes() == b"the old copy"
    assert leftovers(tmp_path) == ["big.mp3"]


@pytest.mark.parametrize(("status", "code"), [(404, "not_found"), (403, "forbidden")])
def test_it_does_not_retry_a_missing_or_forbidden_download(make_gateway, tmp_path, status, code):
    recorder = Recorder(httpx.Response(status, text="nope"))

    with pytest.raises(GatewayError) as caught:
        download.download_media(
            make_gateway(recorder), "https://cdn.example/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
        )

    assert facts(caught.value) == (code, status, False)
    assert len(recorder.requests) == 1
    assert leftovers(tmp_path) == []


def test_it_retries_a_download_after_5xx_and_a_broken_stream(make_gateway, tmp_path, sleeps):
    recorder = Recorder(
        httpx.Response(503, text="busy"),
        httpx.Response(200, stream=BrokenStream()),
        httpx.Response(200, content=b"whole file"),
    )
    dest = tmp_path / "a.mp3"

    size, sha = download.download_media(
        make_gateway(recorder), "https://cdn.example/a.mp3", dest=dest, max_bytes=100
    )

    assert (size, sha) == (10, hashlib.sha256(b"whole file").hexdigest())
    assert len(recorder.requests) == 3
    assert sleeps == [0.5, 1.0]
    assert leftovers(tmp_path) == ["a.mp3"]


def test_it_gives_up_on_a_download_after_max_retries(make_gateway, tmp_path):
    recorder = Recorder(lambda request: httpx.Response(200, stream=BrokenStream()))

    with pytest.raises(GatewayError) as caught:
        download.download_media(
            make_gateway(recorder, max_retries=2),
            "https://cdn.example/a.mp3",
            dest=tmp_path / "a.mp3",
            max_bytes=100,
        )

    assert (caught.value.code, caught.value.retryable) == ("network", True)
    assert len(recorder.requests) == 3
    assert leftovers(tmp_path) == []


# --- Construction, formats and settings -------------------------------------------------------


@pytest.mark.parametrize(("api_format", "infill_and_negative_tags"), [("task", False), ("v2", True)])
def test_it_declares_each_formats_capabilities(make_gateway, api_format, infill_and_negative_tags):
    gateway = make_gateway(Recorder(reply(200, ok(None))), api_format=api_format)

    flag = infill_and_negative_tags
    expected = formats.Capabilities(concat=True, upload=True, infill=flag, negative_tags=flag)
    assert gateway.capabilities == expected


def test_it_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="api_format"):
        Gateway(base_url=BASE, api_key=KEY, api_format="v3")


def test_it_closes_its_client_when_used_as_a_context_manager():
    with Gateway(base_url=BASE, api_key=KEY, transport=httpx.MockTransport(Recorder(reply()))) as gateway:
        pass

    with pytest.raises(RuntimeError):
        gateway.fetch_task("t-1")


def test_get_gateway_uses_settings_and_the_transport_override(settings, monkeypatch):
    settings.SUNO_GATEWAY_URL = "http://engine.local:9000"
    settings.SUNO_GATEWAY_KEY = "engine-key-42"
    settings.SUNO_API_FORMAT = "task"
    settings.SUNO_CONNECT_TIMEOUT = 1.5
    settings.SUNO_READ_TIMEOUT = 7.0
    recorder = Recorder(reply(200, ok("task-9")))
    monkeypatch.setattr(gateway_client, "transport_override", httpx.MockTransport(recorder))

    with gateway_client.get_gateway() as gateway:
        assert gateway.submit_lyrics(prompt="x") == "task-9"

    [request] = recorder.requests
    assert str(request.url) == "http://engine.local:9000/suno/submit/lyrics"
    assert request.headers["Authorization"] == "Bearer engine-key-42"
    assert request.extensions["timeout"] == {"connect": 1.5, "read": 7.0, "write": 7.0, "pool": 1.5}


def test_it_treats_a_504_on_submit_as_an_unknown_outcome():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(504, text="gateway timeout")

    gw = Gateway(base_url="http://gw.test", api_key="k", transport=httpx.MockTransport(handler))
    with pytest.raises(SubmitOutcomeUnknown):
        gw.submit_music(payload={"mv": "chirp-v3-5", "gpt_description_prompt": "x"})
    assert calls == [1]


# --- Concat and upload: the task endpoints, in both formats -----------------------------------

SEED_CONCAT_CLIP = "a4715524-2d32-4ce3-a3dc-7e73d0705a98"
SEED_UPLOAD_URL = "http://cdnimg.exbapp.com/ai/2024-06-18/d416d9c3c34eb22c7d8c094831d8dbd0.mp3"
SEED_UPLOAD_ANSWER = {
    "clip_id": "f4e624c0-b018-4933-8f35-be2bcc79a0c8",
    "code": "success",
    "data": "f4e624c0-b018-4933-8f35-be2bcc79a0c8",
    "message": "",
}


def concat(gateway: Gateway) -> str:
    return gateway.submit_concat(clip_id=SEED_CONCAT_CLIP)


def upload(gateway: Gateway) -> str:
    return gateway.upload_audio_url(url=SEED_UPLOAD_URL)


def lyrics(gateway: Gateway) -> str:
    return gateway.submit_lyrics(prompt="乡愁")


TASK_ENDPOINT_SUBMITS = [
    pytest.param(concat, "/suno/submit/concat", id="concat"),
    pytest.param(upload, "/sunoapi/uploads/audio-url", id="upload"),
]
BOTH_FORMATS = pytest.mark.parametrize("api_format", ["task", "v2"])


def compact(request: httpx.Request) -> bytes:
    return request.content.replace(b" ", b"")


def test_it_submits_concat_with_the_seeds_body(make_gateway):
    recorder = Recorder(reply(200, ok("1ce1322a-3db0-467a-821a-2029d1e5186f")))

    task_id = make_gateway(recorder).submit_concat(clip_id=SEED_CONCAT_CLIP)

    assert task_id == "1ce1322a-3db0-467a-821a-2029d1e5186f"
    [request] = recorder.requests
    assert (request.method, request.url.path) == ("POST", "/suno/submit/concat")
    assert recorder.bodies() == [{"clip_id": "a4715524-2d32-4ce3-a3dc-7e73d0705a98", "is_infill": False}]
    # A JSON false, not 0: json.loads alone cannot tell them apart.
    assert b'"is_infill":false' in compact(request)


def test_it_submits_concat_for_an_infill(make_gateway):
    recorder = Recorder(reply(200, ok("task-9")))

    make_gateway(recorder).submit_concat(clip_id="c-3", is_infill=True)

    assert recorder.bodies() == [{"clip_id": "c-3", "is_infill": True}]
    assert b'"is_infill":true' in compact(recorder.requests[0])


def test_it_uploads_an_audio_url_with_the_seeds_body(make_gateway):
    recorder = Recorder(reply(200, SEED_UPLOAD_ANSWER))

    clip_id = make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL)

    assert clip_id == "f4e624c0-b018-4933-8f35-be2bcc79a0c8"
    [request] = recorder.requests
    assert (request.method, request.url.path) == ("POST", "/sunoapi/uploads/audio-url")
    assert recorder.bodies() == [
        {"url": "http://cdnimg.exbapp.com/ai/2024-06-18/d416d9c3c34eb22c7d8c094831d8dbd0.mp3"}
    ]


def test_it_takes_the_uploaded_clip_id_from_data_first(make_gateway):
    recorder = Recorder(reply(200, {"code": "success", "data": "from-data", "clip_id": "from-clip-id"}))

    assert make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL) == "from-data"


@pytest.mark.parametrize("data", [None, "", "missing"])
def test_it_falls_back_to_the_answers_clip_id_without_data(make_gateway, data):
    answer = {"code": "success", "message": "", "clip_id": "f4e624c0-b018-4933-8f35-be2bcc79a0c8"}
    if data != "missing":
        answer["data"] = data
    recorder = Recorder(reply(200, answer))

    assert make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL) == answer["clip_id"]


def test_it_reports_an_unknown_outcome_for_an_upload_answer_without_a_clip_id(make_gateway):
    recorder = Recorder(reply(200, ok(None)))

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL)

    assert facts(caught.value) == ("bad_response", 200, False)


@pytest.mark.parametrize(
    "call",
    [
        lambda gateway: gateway.submit_concat(clip_id=""),
        lambda gateway: gateway.upload_audio_url(url=""),
    ],
)
def test_it_refuses_a_concat_or_upload_without_its_argument(make_gateway, call):
    recorder = Recorder(reply(200, ok("never")))

    with pytest.raises(ValueError):
        call(make_gateway(recorder))

    assert recorder.requests == []


@BOTH_FORMATS
@pytest.mark.parametrize(("call", "path"), TASK_ENDPOINT_SUBMITS)
def test_it_does_not_retry_a_concat_or_upload_that_got_a_500(make_gateway, sleeps, api_format, call, path):
    recorder = Recorder(reply(500, fail("fail_to_fetch_task", "upstream down")))

    with pytest.raises(GatewayError) as caught:
        call(make_gateway(recorder, api_format=api_format))

    assert [r.url.path for r in recorder.requests] == [path]
    assert sleeps == []
    assert not isinstance(caught.value, SubmitOutcomeUnknown)
    assert facts(caught.value) == ("fail_to_fetch_task", 500, True)


@BOTH_FORMATS
@pytest.mark.parametrize(("call", "path"), TASK_ENDPOINT_SUBMITS)
@pytest.mark.parametrize("answer", [httpx.ReadTimeout("lost"), httpx.Response(504, text="timeout")])
def test_it_reports_an_unknown_outcome_for_a_concat_or_upload_that_may_have_been_sent(
    make_gateway, sleeps, api_format, call, path, answer
):
    recorder = Recorder(answer)

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        call(make_gateway(recorder, api_format=api_format))

    assert len(recorder.requests) == 1
    assert sleeps == []
    assert caught.value.retryable is False


@pytest.mark.parametrize(
    ("call", "path"),
    [*TASK_ENDPOINT_SUBMITS, pytest.param(lyrics, "/suno/submit/lyrics", id="lyrics")],
)
def test_it_uses_the_task_endpoints_for_lyrics_concat_and_upload_on_v2(make_gateway, call, path):
    recorder = Recorder(reply(200, {**ok("id-1"), "clip_id": "id-1"}))

    assert call(make_gateway(recorder, api_format="v2")) == "id-1"
    assert [(r.method, r.url.path) for r in recorder.requests] == [("POST", path)]


# --- v2 format (seed 000) ----------------------------------------------------------------------


def v2_clip(clip_id: str, status: str = "submitted", **metadata: object) -> dict:
    """A clip as v2 generate and the feed answer it (seed 000's example, trimmed)."""
    return {
        "id": clip_id,
        "video_url": "",
        "audio_url": "",
        "image_url": None,
        "image_large_url": None,
        "is_video_pending": False,
        "major_model_version": "v3",
        "model_name": "chirp-v3",
        "metadata": {
            "tags": "heavy metal",
            "prompt": "[Verse]\nStars they shine above me\nMoonlight softly glows",
            "gpt_description_prompt": None,
            "audio_prompt_id": "m_2e584f32-7ae3-4b2d-93f6-391f65a01f15",
            "history": [
                {
                    "id": "m_2e584f32-7ae3-4b2d-93f6-391f65a01f15",
                    "continue_at": 48.762,
                    "type": "upload",
                    "source": "web",
                    "infill": False,
                }
            ],
            "concat_history": None,
            "type": "gen",
            "duration": None,
            "stream": True,
            "infill": False,
            "has_vocal": True,
            "error_type": None,
            "error_message": None,
            **metadata,
        },
        "is_liked": False,
        "display_name": "AmbientLens971",
        "created_at": "2024-07-22T07:56:36.710Z",
        "status": status,
        "title": "Starry ",
        "play_count": 0,
        "is_public": False,
    }


SEED_V2_GENERATION = {
    "id": "3d5f0ee4-1d7b-410a-bafd-60a3978284d1",
    "clips": [
        v2_clip("7070ec00-462e-42ac-9b9f-1074977f473f"),
        v2_clip("00e6b9e4-c29c-4cfe-8d7a-5b3f06ff5b90"),
    ],
    "metadata": {"tags": "heavy metal", "type": "gen", "stream": True},
    "major_model_version": "v3",
    "status": "complete",
    "created_at": "2024-07-22T07:56:36.699Z",
    "batch_size": 1,
}
SEED_V2_TASK_ID = (
    "v2:3d5f0ee4-1d7b-410a-bafd-60a3978284d1:"
    "7070ec00-462e-42ac-9b9f-1074977f473f,00e6b9e4-c29c-4cfe-8d7a-5b3f06ff5b90"
)


def feed(clips: list[dict], *, tasks: list[dict] | None = None) -> Handler:
    """A v2 gateway: the feed answers the clips asked for (in its own order); /suno/fetch the tasks."""
    by_id = {clip["id"]: clip for clip in clips}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/suno/fetch"):
            return reply(200, ok(tasks or []))
        assert (request.method, request.url.path) == ("GET", "/suno/v2/feed")
        ids = request.url.params["ids"].split(",")
        return reply(200, [by_id[clip_id] for clip_id in reversed(ids) if clip_id in by_id])

    return answer


def feed_ids(request: httpx.Request) -> list[str]:
    return request.url.params["ids"].split(",")


def test_it_sends_the_seeds_v2_generate_body_and_encodes_the_generation(make_gateway):
    recorder = Recorder(reply(200, SEED_V2_GENERATION))

    task_id = make_gateway(recorder, api_format="v2").submit_music(payload=SEED_V2_GENERATE_BODY)

    assert task_id == SEED_V2_TASK_ID
    [request] = recorder.requests
    assert (request.method, request.url.path) == ("POST", "/suno/v2/generate")
    assert recorder.bodies() == [SEED_V2_GENERATE_BODY]
    assert list(json.loads(request.content)) == list(SEED_V2_GENERATE_BODY)


def test_it_reads_the_seed_files_own_generate_answer():
    text = (SEEDS / "000_44f67d03b067039d.txt").read_text(encoding="utf-8")
    answer, _ = json.JSONDecoder().raw_decode(text, text.index('{"id":"3d5f0ee4'))
    recorder = Recorder(reply(200, answer))

    with Gateway(base_url=BASE, api_key=KEY, api_format="v2", transport=httpx.MockTransport(recorder)) as gw:
        assert gw.submit_music(payload=SEED_V2_GENERATE_BODY) == SEED_V2_TASK_ID


def test_it_translates_a_task_payload_to_v2_keys(make_gateway):
    recorder = Recorder(reply(200, SEED_V2_GENERATION))
    payload = {
        "task_id": "task-that-made-m_1",
        "prompt": "[Verse]\nla",
        "tags": "punk",
        "negative_tags": "metal",
        "mv": "chirp-v3-5-upload",
        "title": "City Lights",
        "make_instrumental": False,
        "continue_clip_id": "m_1",
        "continue_at": 48.762,
        "infill_start_s": 10,
        "infill_end_s": 20.5,
        "someone_elses_key": 1,
    }

    make_gateway(recorder, api_format="v2").submit_music(payload=payload)

    [body] = recorder.bodies()
    assert body == {
        "prompt": "[Verse]\nla",
        "tags": "punk",
        "mv": "chirp-v3-5-upload",
        "title": "City Lights",
        "continue_clip_id": "m_1",
        "continue_at": 48.762,
        "infill_start_s": 10,
        "infill_end_s": 20.5,
        "make_instrumental": False,
        "negative_tags": "metal",
    }


def test_it_fills_a_description_payload_to_the_v2_shape(make_gateway):
    recorder = Recorder(reply(200, SEED_V2_GENERATION))
    payload = {"gpt_description_prompt": "乡愁", "make_instrumental": True, "mv": "chirp-v3-5"}

    make_gateway(recorder, api_format="v2").submit_music(payload=payload)

    assert recorder.bodies() == [
        {
            **SEED_V2_GENERATE_BODY,
            "tags": "",
            "title": "",
            "gpt_description_prompt": "乡愁",
            "make_instrumental": True,
        }
    ]


def test_it_still_refuses_a_v2_payload_without_mv(make_gateway):
    recorder = Recorder(reply(200, SEED_V2_GENERATION))

    with pytest.raises(ValueError, match="mv"):
        make_gateway(recorder, api_format="v2").submit_music(payload={"prompt": "la"})

    assert recorder.requests == []


def test_it_accepts_a_generation_wrapped_in_the_task_envelope(make_gateway):
    recorder = Recorder(reply(200, ok(SEED_V2_GENERATION)))

    assert (
        make_gateway(recorder, api_format="v2").submit_music(payload=SEED_V2_GENERATE_BODY) == SEED_V2_TASK_ID
    )


@pytest.mark.parametrize(
    ("answer", "code", "unknown"),
    [
        (reply(400, fail("invalid_request", "bad mv")), "invalid_request", False),
        (reply(401, new_api_error("invalid token")), "unauthorized", False),
        (reply(200, fail("quota_not_enough", "no quota")), "quota_not_enough", False),
        (reply(500, fail("fail_to_fetch_task", "upstream down")), "fail_to_fetch_task", False),
        (reply(200, {"id": "gen-1", "clips": []}), "bad_response", True),
        (reply(200, {"id": "gen-1", "clips": [{"title": "no id"}]}), "bad_response", True),
        (reply(200, {"clips": [v2_clip("c1")]}), "bad_response", True),
        (reply(200, ok("a-task-id")), "bad_response", True),
        (httpx.ReadTimeout("lost"), "outcome_unknown", True),
        (httpx.Response(504, text="gateway timeout"), "outcome_unknown", True),
    ],
)
def test_it_never_retries_a_v2_generate_and_knows_when_its_outcome_is_unknown(
    make_gateway, sleeps, answer, code, unknown
):
    recorder = Recorder(answer)

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder, api_format="v2").submit_music(payload=SEED_V2_GENERATE_BODY)

    assert (caught.value.code, isinstance(caught.value, SubmitOutcomeUnknown)) == (code, unknown)
    assert len(recorder.requests) == 1
    assert sleeps == []


def test_it_encodes_and_decodes_v2_task_ids():
    task_id = parse.encode_v2_task_id("gen-1", ["c1", "m_2:x"])

    assert task_id == "v2:gen-1:c1,m_2:x"
    assert parse.decode_v2_task_id(task_id) == ("gen-1", ["c1", "m_2:x"])
    assert parse.is_v2_task_id(task_id)
    assert not parse.is_v2_task_id("task_01234567890123456789012345678901")


@pytest.mark.parametrize(
    ("generation_id", "clip_ids"), [("", ["c"]), ("g:1", ["c"]), ("g", []), ("g", [""]), ("g", ["a,b"])]
)
def test_it_refuses_to_encode_ids_that_would_not_round_trip(generation_id, clip_ids):
    with pytest.raises(ValueError):
        parse.encode_v2_task_id(generation_id, clip_ids)


@pytest.mark.parametrize("task_id", ["task-1", "v2:", "v2:gen-1", "v2:gen-1:", "v2::c1", "v2:gen-1:a,,b"])
def test_it_refuses_to_decode_malformed_v2_ids(task_id):
    with pytest.raises(ValueError):
        parse.decode_v2_task_id(task_id)


# None: the feed does not list that clip (yet).
@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["complete", "complete"], "SUCCESS"),
        (["error", "error"], "FAILURE"),
        (["streaming", "submitted"], "IN_PROGRESS"),
        (["complete", "queued"], "IN_PROGRESS"),
        (["submitted", "queued"], "SUBMITTED"),
        (["complete", "error"], "SUCCESS"),
        (["complete", None], "IN_PROGRESS"),
        (["error", None], "SUBMITTED"),
    ],
)
def test_it_derives_a_v2_tasks_status_from_its_clips(make_gateway, statuses, expected):
    clips = [v2_clip(f"c{n}", status) for n, status in enumerate(statuses) if status]
    task_id = parse.encode_v2_task_id("gen-1", ["c0", "c1"])

    [task] = make_gateway(Recorder(feed(clips)), api_format="v2").fetch_tasks([task_id])

    assert (task.task_id, task.action, task.status) == (task_id, "MUSIC", expected)
    assert task.progress == ("100%" if expected == "SUCCESS" else "0%")
    assert task.is_terminal == (expected in ("SUCCESS", "FAILURE"))
    assert [clip.id for clip in task.clips] == [clip["id"] for clip in clips]


def test_it_gives_a_failed_generation_the_first_clips_error(make_gateway):
    clips = [v2_clip("c0", "error", error_message="Lyrics were flagged"), v2_clip("c1", "error")]
    task_id = parse.encode_v2_task_id("gen-1", ["c0", "c1"])

    task = make_gateway(Recorder(feed(clips)), api_format="v2").fetch_task(task_id)

    assert (task.failed, task.fail_reason) == (True, "Lyrics were flagged")


def test_it_says_all_clips_failed_when_no_clip_says_why(make_gateway):
    task_id = parse.encode_v2_task_id("gen-1", ["c0", "c1"])
    recorder = Recorder(feed([v2_clip("c0", "error"), v2_clip("c1", "error")]))

    task = make_gateway(recorder, api_format="v2").fetch_task(task_id)

    assert (task.failed, task.fail_reason) == (True, "all clips failed")


def test_it_groups_feed_clips_into_one_task_per_generation_in_encoded_order(make_gateway):
    first = parse.encode_v2_task_id("gen-1", ["a1", "a2"])
    second = parse.encode_v2_task_id("gen-2", ["b1", "b2"])
    clips = [v2_clip("a1", "complete", duration=60.5), v2_clip("a2", "complete", duration="61")]
    clips += [v2_clip("b1", "streaming"), v2_clip("b2", "queued")]
    recorder = Recorder(feed(clips))

    tasks = make_gateway(recorder, api_format="v2").fetch_tasks([first, second])

    [request] = recorder.requests
    assert (request.method, request.url.path, request.url.query) == (
        "GET",
        "/suno/v2/feed",
        b"ids=a1,a2,b1,b2",
    )
    assert [(t.task_id, t.status) for t in tasks] == [(first, "SUCCESS"), (second, "IN_PROGRESS")]
    assert [[clip.id for clip in t.clips] for t in tasks] == [["a1", "a2"], ["b1", "b2"]]
    assert [clip.duration for clip in tasks[0].clips] == [60.5, 61.0]
    assert tasks[0].clips[0].history[0]["type"] == "upload"
    assert tasks[0].submit_time == 1721634996  # the clips' created_at
    # What the studio stores as the last answer reads back like a task-format task.
    assert parse.parse_task(json.loads(json.dumps(tasks[0].raw))).clips == tasks[0].clips


def test_it_quotes_each_clip_id_in_the_feed_query(make_gateway):
    task_id = parse.encode_v2_task_id("gen-1", ["a/b", "c&d=e"])

    recorder = Recorder(reply(200, []))

    assert make_gateway(recorder, api_format="v2").fetch_tasks([task_id]) == []

    [request] = recorder.requests
    assert request.url.query == b"ids=a%2Fb,c%26d%3De"
    assert feed_ids(request) == ["a/b", "c&d=e"]


def test_it_leaves_out_a_generation_the_feed_does_not_know(make_gateway):
    known = parse.encode_v2_task_id("gen-1", ["a1", "a2"])
    unknown = parse.encode_v2_task_id("gen-9", ["z1", "z2"])
    recorder = Recorder(feed([v2_clip("a1"), v2_clip("a2")]))
    gateway = make_gateway(recorder, api_format="v2")

    tasks = gateway.fetch_tasks([unknown, known, "v2:malformed"])

    assert [task.task_id for task in tasks] == [known]
    assert [feed_ids(r) for r in recorder.requests] == [["z1", "z2", "a1", "a2"]]
    with pytest.raises(GatewayError) as caught:
        gateway.fetch_task(unknown)
    assert (caught.value.code, caught.value.retryable) == ("task_not_exist", False)


def test_it_fetches_v2_and_task_ids_together_with_one_feed_and_one_fetch(make_gateway):
    generation = parse.encode_v2_task_id("gen-1", ["a1", "a2"])
    recorder = Recorder(
        feed([v2_clip("a1", "complete"), v2_clip("a2", "complete")], tasks=[SEED_LYRICS_TASK])
    )
    lyrics_id = SEED_LYRICS_TASK["task_id"]

    tasks = make_gateway(recorder, api_format="v2").fetch_tasks([lyrics_id, generation, "concat-task-1"])

    methods = sorted((r.method, r.url.path) for r in recorder.requests)
    assert methods == [("GET", "/suno/v2/feed"), ("POST", "/suno/fetch")]
    [fetch] = [r for r in recorder.requests if r.method == "POST"]
    assert json.loads(fetch.content) == {"ids": [lyrics_id, "concat-task-1"]}
    assert {task.task_id: task.action for task in tasks} == {lyrics_id: "LYRICS", generation: "MUSIC"}


def test_it_fetches_one_task_of_either_kind_on_a_v2_gateway(make_gateway):
    generation = parse.encode_v2_task_id("gen-1", ["a1", "a2"])
    recorder = Recorder(feed([v2_clip("a1"), v2_clip("a2", "streaming")], tasks=SEED_LYRICS_TASK))
    gateway = make_gateway(recorder, api_format="v2")

    lyrics_task = gateway.fetch_task(SEED_LYRICS_TASK["task_id"])
    music_task = gateway.fetch_task(generation)

    assert [(r.method, r.url.path) for r in recorder.requests] == [
        ("GET", f"/suno/fetch/{SEED_LYRICS_TASK['task_id']}"),
        ("GET", "/suno/v2/feed"),
    ]
    assert (lyrics_task.action, lyrics_task.lyrics.title) == ("LYRICS", "厦门")
    assert (music_task.status, [c.id for c in music_task.clips]) == ("IN_PROGRESS", ["a1", "a2"])


def test_it_splits_more_than_50_clip_ids_into_feed_requests(make_gateway):
    ids = [parse.encode_v2_task_id("gen-solo", ["solo"])]
    ids += [parse.encode_v2_task_id(f"gen-{n}", [f"c{n}-a", f"c{n}-b"]) for n in range(30)]
    clips = [v2_clip("solo", "complete")]
    clips += [v2_clip(f"c{n}-{part}", "complete") for n in range(30) for part in "ab"]
    recorder = Recorder(feed(clips))

    tasks = make_gateway(recorder, api_format="v2").fetch_tasks(ids)

    assert [len(feed_ids(r)) for r in recorder.requests] == [50, 11]
    assert [task.task_id for task in tasks] == ids
    # gen-24's clips straddle the two requests and still make one whole task.
    assert all(task.succeeded for task in tasks)
    assert [len(task.clips) for task in tasks] == [1] + [2] * 30


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda clips: clips, id="list"),
        pytest.param(lambda clips: {"clips": clips}, id="clips-object"),
        pytest.param(ok, id="envelope"),
        pytest.param(lambda clips: ok({"clips": clips}), id="envelope-clips-object"),
    ],
)
def test_it_reads_the_feed_leniently(make_gateway, wrap):
    task_id = parse.encode_v2_task_id("gen-1", ["a1", "a2"])
    clips = [v2_clip("a1", "complete"), v2_clip("a2", "complete"), {"no": "id"}, "junk"]
    recorder = Recorder(reply(200, wrap(clips)))

    [task] = make_gateway(recorder, api_format="v2").fetch_tasks([task_id])

    assert (task.status, [c.id for c in task.clips]) == ("SUCCESS", ["a1", "a2"])


def test_it_retries_a_feed_request_like_any_fetch(make_gateway, sleeps):
    task_id = parse.encode_v2_task_id("gen-1", ["a1", "a2"])
    recorder = Recorder(
        reply(503, new_api_error("busy")),
        httpx.ReadTimeout("slow"),
        reply(200, [v2_clip("a1", "complete"), v2_clip("a2", "complete")]),
    )

    [task] = make_gateway(recorder, api_format="v2").fetch_tasks([task_id])

    assert task.succeeded
    assert len(recorder.requests) == 3
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (reply(401, new_api_error("invalid token")), "unauthorized"),
        (reply(400, fail("invalid_request", "bad ids")), "invalid_request"),
        (reply(200, {"clips": "nope"}), "bad_response"),
    ],
)
def test_it_does_not_retry_a_feed_request_that_cannot_succeed(make_gateway, sleeps, caplog, answer, code):
    caplog.set_level(logging.INFO, logger="songs.gateway")
    recorder = Recorder(answer)

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder, api_format="v2").fetch_tasks([parse.encode_v2_task_id("gen-1", ["a1"])])

    assert (caught.value.code, caught.value.retryable) == (code, False)
    assert (len(recorder.requests), sleeps) == (1, [])
    [record] = caplog.records
    # The failure is logged under the feed's path, without the clip ids of its query.
    assert "GET /suno/v2/feed " in record.getMessage()
    assert "a1" not in record.getMessage()


def test_get_gateway_builds_the_v2_adapter_from_settings(settings, monkeypatch):
    settings.SUNO_API_FORMAT = "v2"
    recorder = Recorder(reply(200, SEED_V2_GENERATION))
    monkeypatch.setattr(gateway_client, "transport_override", httpx.MockTransport(recorder))

    with gateway_client.get_gateway() as gateway:
        assert isinstance(gateway._format, formats.V2Format)
        assert (gateway.api_format, gateway.capabilities.infill) == ("v2", True)
        assert gateway.submit_music(payload=SEED_V2_GENERATE_BODY) == SEED_V2_TASK_ID

    assert [r.url.path for r in recorder.requests] == ["/suno/v2/generate"]


def test_gateway_for_closes_only_the_gateway_it_made(settings):
    settings.SUNO_GATEWAY_URL = "http://gw.test"
    own = Gateway(base_url="http://gw.test", api_key="k", transport=httpx.MockTransport(lambda r: None))
    with gateway_client.gateway_for(own) as gateway:
        assert gateway is own
    assert not own.http.is_closed  # the caller's: left open
    with gateway_client.gateway_for() as fresh:
        made = fresh
    assert made.http.is_closed  # made here: closed here
