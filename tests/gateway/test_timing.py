"""act/timing: the sung words of a clip with their times (protocol.md 7.6), read leniently."""

from __future__ import annotations

import httpx
import pytest

from songs.gateway import AlignedWord, GatewayError, capabilities_for, verdicts
from tests.gateway.helpers import Recorder, facts, fail, ok, reply

# The reference's example answer (SUNOAPI reseller, scenario 12), as it comes: bare, not in an envelope.
REFERENCE = {
    "aligned_words": [
        {"word": "[Verse]\nWinter ", "success": True, "start_s": 8.38, "end_s": 8.78, "p_align": 0.982},
        {"word": "winds ", "success": True, "start_s": 8.78, "end_s": 9.54, "p_align": 0.961},
        {"word": "they ", "success": True, "start_s": 9.54, "end_s": 9.93, "p_align": 0.99},
        {"word": "cut ", "success": True, "start_s": 9.93, "end_s": 10.41, "p_align": 0.998},
        {"word": "so ", "success": True, "start_s": 10.41, "end_s": 10.93, "p_align": 0.996},
        {"word": "deep\n", "success": True, "start_s": 10.93, "end_s": 11.93, "p_align": 0.997},
    ],
    "waveform_data": [0.001, 0.00109, 0.04219, 0.03597],
    "hoot_cer": 0.03556771545827633,
    "is_streamed": False,
}


def test_it_asks_for_the_clips_timing_and_reads_the_references_answer(make_gateway):
    recorder = Recorder(reply(200, REFERENCE))

    words = make_gateway(recorder).fetch_timing(clip_id="a624123d-22cc-4d4d-bf28-78d312f61597")

    request = recorder.requests[0]
    assert (request.method, request.url.path) == (
        "GET",
        "/suno/act/timing/a624123d-22cc-4d4d-bf28-78d312f61597",
    )
    assert request.headers["Authorization"].startswith("Bearer ")
    assert words[0] == AlignedWord("[Verse]\nWinter ", 8.38, 8.78, True, 0.982)
    assert [w.word for w in words] == ["[Verse]\nWinter ", "winds ", "they ", "cut ", "so ", "deep\n"]
    assert words[-1].as_dict() == REFERENCE["aligned_words"][-1]


@pytest.mark.parametrize("api_format", ["task", "v2"])
def test_both_formats_use_the_same_call(make_gateway, api_format):
    recorder = Recorder(reply(200, REFERENCE))
    make_gateway(recorder, api_format=api_format).fetch_timing(clip_id="c-1")
    assert recorder.requests[0].url.path == "/suno/act/timing/c-1"
    assert capabilities_for(api_format).timing is True


def test_a_clip_id_cannot_change_the_path(make_gateway):
    recorder = Recorder(reply(200, REFERENCE))
    make_gateway(recorder).fetch_timing(clip_id="../fetch/x?y")
    assert recorder.requests[0].url.raw_path == b"/suno/act/timing/..%2Ffetch%2Fx%3Fy"


def test_an_answer_in_the_task_envelope_and_odd_items_are_read_leniently(make_gateway):
    items = [
        {"word": "Hello ", "success": "true", "start_s": "1.5", "end_s": "2.0", "p_align": "0.9"},
        {"word": "", "start_s": 2.0},  # no word: left out
        {"word": "lost ", "start_s": None},  # no start: left out
        "not an item",
        {"word": "world\n", "success": False, "start_s": 3.0, "end_s": 2.0, "p_align": 7},
        {"word": "again ", "start_s": 4.0},  # no end, no flags
    ]
    recorder = Recorder(reply(200, ok({"aligned_words": items, "waveform_data": []})))

    words = make_gateway(recorder).fetch_timing(clip_id="c-1")

    assert words == [
        AlignedWord("Hello ", 1.5, 2.0, True, 0.9),
        AlignedWord("world\n", 3.0, 3.0, False, 1.0),  # an end before its start is moved up; p_align capped
        AlignedWord("again ", 4.0, 4.0, True, 0.0),
    ]


def test_an_instrumental_answers_no_words(make_gateway):
    words = make_gateway(Recorder(reply(200, {"aligned_words": [], "waveform_data": [0.1]}))).fetch_timing(
        clip_id="c-1"
    )
    assert words == []


def test_an_answer_without_aligned_words_is_a_bad_response(make_gateway):
    with pytest.raises(GatewayError) as caught:
        make_gateway(Recorder(reply(200, {"waveform_data": []})), max_retries=0).fetch_timing(clip_id="c-1")
    assert caught.value.code == "bad_response"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404, text="Not Found"),
        httpx.Response(200, html="<!doctype html><html><body><div id=root></div></body></html>"),
    ],
    ids=["404", "web page"],
)
def test_a_gateway_without_the_call_says_not_supported_at_once(make_gateway, answer, sleeps):
    recorder = Recorder(answer)
    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).fetch_timing(clip_id="c-1")
    assert caught.value.kind == verdicts.NOT_SUPPORTED and not caught.value.retryable
    assert len(recorder.requests) == 1 and sleeps == []  # not retried


def test_a_passing_fault_is_retried_like_any_fetch(make_gateway, sleeps):
    recorder = Recorder(
        reply(503, {"error": {"message": "no channel", "type": "new_api_error"}}), reply(200, REFERENCE)
    )
    assert len(make_gateway(recorder).fetch_timing(clip_id="c-1")) == 6
    assert len(recorder.requests) == 2 and len(sleeps) == 1


def test_a_clip_the_gateway_refuses_is_a_final_error(make_gateway):
    recorder = Recorder(reply(400, fail("invalid_request", "clip c-1 is not complete yet")))
    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).fetch_timing(clip_id="c-1")
    assert facts(caught.value) == ("invalid_request", 400, False)


def test_a_quick_ask_makes_one_attempt_and_leaves_the_retry_to_the_caller(make_gateway, sleeps):
    recorder = Recorder(
        reply(503, {"error": {"message": "no channel", "type": "new_api_error"}}), reply(200, REFERENCE)
    )
    with pytest.raises(GatewayError) as caught:
        make_gateway(recorder).fetch_timing(clip_id="c-1", quick=True)
    assert caught.value.retryable and len(recorder.requests) == 1 and sleeps == []


def test_a_quick_ask_waits_a_few_seconds_at_most(make_gateway):
    seen = []

    def handler(request):
        seen.append(request.extensions["timeout"])
        return reply(200, REFERENCE)

    make_gateway(Recorder(handler)).fetch_timing(clip_id="c-1", quick=True)
    assert seen[0]["read"] == 8.0
