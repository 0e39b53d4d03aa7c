"""The v2 format (tests/seeds/000_*.txt): generate, the feed, and ids that carry the generation."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from songs.gateway import Gateway, GatewayError, SubmitOutcomeUnknown, formats, parse
from songs.gateway import client as gateway_client
from tests.gateway.helpers import (
    BASE,
    KEY,
    SEED_LYRICS_TASK,
    SEEDS,
    Handler,
    Recorder,
    fail,
    new_api_error,
    ok,
    reply,
)
from tests.seeds import SEED_V2_GENERATE_BODY

# --- v2 format (tests/seeds/000_*.txt) ----------------------------------------------------------------------


def v2_clip(clip_id: str, status: str = "submitted", **metadata: object) -> dict:
    """A clip as v2 generate and the feed answer it (the example in tests/seeds/000_*.txt, trimmed)."""
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


def test_a_1000_generation_poll_fits_each_feed_query_in_a_request_line_and_asks_at_most_20_times(
    make_gateway,
):
    ids = [
        parse.encode_v2_task_id(f"gen-{n}", [f"{n:08d}-aaaa-bbbb-cccc-0000000000{p}" for p in "ab"])
        for n in range(1000)
    ]
    clips = [v2_clip(f"{n:08d}-aaaa-bbbb-cccc-0000000000{p}", "complete") for n in range(1000) for p in "ab"]
    recorder = Recorder(feed(clips))

    tasks = make_gateway(recorder, api_format="v2").fetch_tasks(ids)

    assert len(recorder.requests) <= 20
    assert all(len(str(r.url.raw_path)) < 8190 - 100 for r in recorder.requests)  # gunicorn's request line
    assert [task.task_id for task in tasks] == ids
    # a generation whose clips straddle two requests still makes one whole task
    assert all(task.succeeded for task in tasks) and {len(task.clips) for task in tasks} == {2}


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
