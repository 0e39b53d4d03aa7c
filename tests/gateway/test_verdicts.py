"""What each gateway answer means: the kind, whether a submit may be sent again, and never billing twice.

Every row is an answer a real gateway gives (new-api, Suno-API, resellers); see docs/protocol.md.
"""

from __future__ import annotations

import json

import httpx
import pytest

from songs.gateway import GatewayError, SubmitOutcomeUnknown, verdicts
from tests.gateway.helpers import SEED_CUSTOM_PAYLOAD, Recorder, fail, new_api_error, reply

NO_CONCAT = "当前分组 default 下对于模型 suno_concat 无可用渠道 (request id: 2026113012345)"
UPSTREAM_CREDITS = json.dumps(
    {"code": "insufficient_credits", "message": "Insufficient credits", "data": None}
)

# (status, body, kind, retryable)
SUBMIT_ANSWERS = [
    (503, new_api_error(NO_CONCAT), verdicts.NO_CHANNEL, True),
    (503, new_api_error("no available channel for this model"), verdicts.NO_CHANNEL, True),
    (500, {"code": "insufficient_credits", "message": "Insufficient credits"}, verdicts.QUOTA, False),
    (500, fail("fail_to_fetch_task", UPSTREAM_CREDITS), verdicts.QUOTA, False),
    (
        400,
        fail("fail_to_fetch_task", json.dumps({"error": {"message": UPSTREAM_CREDITS}})),
        verdicts.QUOTA,
        False,
    ),
    (500, fail("fail_to_fetch_task", "请求上游地址失败"), verdicts.UNREACHABLE, True),
    (403, fail("quota_not_enough", "用户额度不足"), verdicts.QUOTA, False),
    (400, fail("invalid_request", "prompt contains sensitive words 敏感词"), verdicts.REFUSED_CONTENT, False),
    (
        500,
        {"code": "SENSITIVE_WORD_ERROR", "message": "lyrics flagged by moderation"},
        verdicts.REFUSED_CONTENT,
        False,
    ),
    (
        400,
        fail("invalid_request", "tags is 1201 characters; chirp-v4 takes at most 200."),
        verdicts.INVALID,
        False,
    ),
    (400, fail("invalid_request", "unsupported action: gen_stem"), verdicts.NOT_SUPPORTED, False),
    (401, new_api_error("无效的令牌"), verdicts.UNAUTHORIZED, False),
    (429, fail("rate_limit", "too many requests"), verdicts.RATE_LIMITED, True),
    (500, {"code": "upstream_error_code_x", "message": "the upstream said no"}, verdicts.UNKNOWN, False),
    (502, "<html><body>Bad Gateway</body></html>", verdicts.UNKNOWN, True),
]


def _answer(status, body) -> httpx.Response:
    return httpx.Response(status, text=body) if isinstance(body, str) else reply(status, body)


@pytest.mark.parametrize(("status", "body", "kind", "retryable"), SUBMIT_ANSWERS)
def test_it_sorts_each_submit_answer_and_sends_it_once(make_gateway, sleeps, status, body, kind, retryable):
    recorder = Recorder(_answer(status, body))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).submit_music(payload=SEED_CUSTOM_PAYLOAD)

    assert not isinstance(caught.value, SubmitOutcomeUnknown)
    assert (caught.value.kind, caught.value.retryable) == (kind, retryable)
    assert len(recorder.requests) == 1 and sleeps == []  # submits are never retried in the client


def test_it_digs_the_upstreams_reason_out_of_json_inside_json(make_gateway):
    inner = {"code": "insufficient_credits", "message": "Insufficient credits: 0 left"}
    middle = {"error": {"message": json.dumps(inner), "type": "upstream_error"}}
    recorder = Recorder(reply(500, fail("fail_to_fetch_task", "status 402: " + json.dumps(middle))))

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).submit_lyrics(prompt="乡愁")

    assert caught.value.detail == "Insufficient credits: 0 left"
    assert caught.value.kind == verdicts.QUOTA and not caught.value.retryable
    assert "fail_to_fetch_task" in caught.value.raw  # the whole answer stays for staff


@pytest.mark.parametrize(
    "answer",
    [
        reply(500, fail("unmarshal_response_body_failed", "json: cannot unmarshal string")),
        reply(500, {"error": {"message": "read body failed", "code": "read_response_body_failed"}}),
        httpx.Response(200, text='{"code": "success", "data": "task_'),
    ],
    ids=["unmarshal-failed", "read-failed", "truncated-2xx"],
)
def test_an_answer_after_which_the_task_may_exist_is_an_unknown_outcome(make_gateway, sleeps, answer):
    recorder = Recorder(answer)

    with pytest.raises(SubmitOutcomeUnknown):
        make_gateway(recorder).submit_music(payload=SEED_CUSTOM_PAYLOAD)

    assert len(recorder.requests) == 1 and sleeps == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            200, text="<!doctype html><html><div id=root></div></html>", headers={"Content-Type": "text/html"}
        ),
        httpx.Response(404, text="<html>404 page not found</html>", headers={"Content-Type": "text/html"}),
        reply(404, {"detail": "Not Found"}),
    ],
    ids=["front-end-page", "html-404", "json-404"],
)
def test_a_route_the_gateway_lacks_is_not_supported_and_nothing_was_accepted(make_gateway, answer):
    recorder = Recorder(answer)

    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).upload_audio_url(url="https://studio.example/u/token")

    assert not isinstance(caught.value, SubmitOutcomeUnknown)
    assert caught.value.kind == verdicts.NOT_SUPPORTED and not caught.value.retryable


def test_a_fetch_is_still_retried_after_a_5xx(make_gateway, sleeps):
    recorder = Recorder(
        reply(503, new_api_error("no available channel")), reply(200, {"code": "success", "data": []})
    )

    assert make_gateway(recorder).fetch_tasks(["t-1"]) == []
    assert len(recorder.requests) == 2 and len(sleeps) == 1


@pytest.mark.parametrize(
    ("message", "model"),
    [(NO_CONCAT, "suno_concat"), ("no available channel for model suno_upload", "suno_upload"), ("busy", "")],
)
def test_it_reads_which_model_has_no_channel(message, model):
    assert verdicts.model_without_channel(message) == model
