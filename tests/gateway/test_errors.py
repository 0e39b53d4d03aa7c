"""Error shapes, retries, and what is logged (never secrets)."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from songs.gateway import GatewayError
from tests.gateway.helpers import KEY, SEED_LYRICS_TASK, Recorder, fail, new_api_error, ok, reply

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
