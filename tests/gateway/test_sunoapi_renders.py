"""sunoapi.org / kie.ai renders of a clip: its WAV (wav/generate) and music video (mp4/generate), sent and
read as the family documents them (docs/protocol.md 8.3), and the file checked for what it must be."""

from __future__ import annotations

import json

import pytest

from songs.gateway import capabilities_for, sunoapi
from songs.gateway.download import _is_media
from tests.gateway.helpers import Recorder, reply

TASK_ID = "5c79be8e2f0a4d7e9b1c3a5d7f9e1b2c"
HOOK = "https://studio.example.com/hooks/gateway/t/"


@pytest.fixture
def gateway(make_gateway):
    def make(*answers):
        recorder = Recorder(*answers)
        return make_gateway(recorder, api_format="sunoapi"), recorder

    return make


def accepted(task_id: str) -> object:
    return reply(200, {"code": 200, "msg": "success", "data": {"taskId": task_id}})


def render_record(task_id: str, flag: str, response: dict, **extra) -> object:
    """GET /api/v1/{wav,mp4}/record-info as the documentation shows it."""
    data = {
        "taskId": task_id,
        "musicId": "8551-662c",
        "callbackUrl": HOOK,
        "completeTime": "2025-01-01 00:10:00",
        "response": response,
        "successFlag": flag,
        "createTime": "2025-01-01 00:00:00",
        "errorCode": None,
        "errorMessage": None,
        **extra,
    }
    return reply(200, {"code": 200, "msg": "success", "data": data})


@pytest.mark.parametrize(
    ("task", "path", "record_path", "response"),
    [
        (
            "wav",
            "/api/v1/wav/generate",
            "/api/v1/wav/record-info",
            {"audioWavUrl": "https://cdn.example.cn/a.wav"},
        ),
        (
            "mp4",
            "/api/v1/mp4/generate",
            "/api/v1/mp4/record-info",
            {"videoUrl": "https://cdn.example.cn/a.mp4"},
        ),
    ],
)
def test_a_render_is_sent_with_the_clips_task_and_audio_id_and_read_from_its_own_record(
    gateway, task, path, record_path, response
):
    client, recorder = gateway(
        accepted("r-1"), render_record("r-1", "PENDING", {}), render_record("r-1", "SUCCESS", response)
    )
    payload = {"task": task, "task_id": TASK_ID, "audio_id": "e231-8cadc7dc", "mv": "chirp-auk"}

    task_id = client.submit_music(payload=payload, callback_url=HOOK)
    waiting, done = client.fetch_task(task_id), client.fetch_task(task_id)

    submit, read, _again = recorder.requests
    assert (submit.method, submit.url.path) == ("POST", path)
    assert json.loads(submit.content) == {"taskId": TASK_ID, "audioId": "e231-8cadc7dc", "callBackUrl": HOOK}
    assert task_id == f"{task}:r-1"
    assert (read.method, read.url.path, read.url.params["taskId"]) == ("GET", record_path, "r-1")
    assert (waiting.status, waiting.media_url) == ("QUEUED", "")
    assert (done.status, done.media_url, done.clips) == ("SUCCESS", next(iter(response.values())), [])


@pytest.mark.parametrize(
    ("flag", "kind"),
    [
        ("GENERATE_WAV_FAILED", "audio_failed"),
        ("GENERATE_MP4_FAILED", "audio_failed"),
        ("CREATE_TASK_FAILED", "create_failed"),
    ],
)
def test_a_failed_render_record_ends_with_the_familys_words(gateway, flag, kind):
    client, _ = gateway(render_record("r-2", flag, {}, errorCode=500, errorMessage="Conversion failed"))
    task = client.fetch_task("wav:r-2")
    assert (task.status, task.fail_kind, task.media_url) == ("FAILURE", kind, "")
    assert "Conversion failed" in task.fail_reason


def test_a_successful_record_without_a_link_is_a_failure_not_a_file(gateway):
    client, _ = gateway(render_record("r-3", "SUCCESS", {"videoUrl": None}))
    task = client.fetch_task("mp4:r-3")
    assert (task.status, task.media_url) == ("FAILURE", "") and "videoUrl" in task.fail_reason


def test_a_render_callback_names_its_task_so_it_wakes_only_that_render():
    wav = {
        "code": 200,
        "msg": "success",
        "data": {"audio_wav_url": "https://x/a.wav", "task_id": "988e-c8d3"},
    }
    mp4 = {"code": 200, "msg": "MP4 generated successfully.", "data": {"task_id": "774b", "video_url": "x"}}
    assert sunoapi.SunoApiFormat().callback_task_ids(wav) == ["988e-c8d3"]
    assert sunoapi.SunoApiFormat().callback_task_ids(mp4) == ["774b"]


def test_only_this_family_asks_for_videos_and_its_own_wav_by_a_call():
    from songs.gateway.families import FORMATS

    assert {name for name in FORMATS if capabilities_for(name).video_call} == {"sunoapi"}
    assert {name for name in FORMATS if capabilities_for(name).gateway_wav} == {"sunoapi"}


@pytest.mark.parametrize(
    ("head", "expect", "ok"),
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav", True),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00", "wav", False),  # an MP3 is not the WAV asked for
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "wav", False),
        (b"\x00\x00\x00\x20ftypisom\x00\x00", "mp4", True),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81", "mp4", False),  # WebM, not an MP4
        (b"<!DOCTYPE html>", "mp4", False),
    ],
)
def test_a_renders_file_must_begin_as_that_kind_of_file(head, expect, ok):
    assert _is_media(head, expect) is ok
