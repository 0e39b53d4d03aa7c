"""Fetches: single and batched, lenient parsing of what gateways answer."""

from __future__ import annotations

import json

import httpx
import pytest

from songs.gateway import GatewayError, parse
from tests.gateway.helpers import SEED_LYRICS_TASK, SEED_MUSIC_TASK, SEEDS, Recorder, ok, reply

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


def test_a_1000_task_poll_asks_in_two_requests_of_at_most_500(make_gateway):
    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["ids"]
        return reply(200, ok([{"task_id": i, "action": "MUSIC", "status": "QUEUED"} for i in ids]))

    recorder = Recorder(answer)
    ids = [f"task-{n}" for n in range(1000)]

    tasks = make_gateway(recorder).fetch_tasks(ids)

    assert [len(body["ids"]) for body in recorder.bodies()] == [500, 500]
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
