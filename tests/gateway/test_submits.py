"""Submits: never retried, outcome unknown when the answer is lost."""

from __future__ import annotations

import httpx
import pytest

from songs.gateway import GatewayError, SubmitOutcomeUnknown
from tests.gateway.helpers import KEY, SEED_CUSTOM_PAYLOAD, Recorder, facts, fail, ok, reply

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
