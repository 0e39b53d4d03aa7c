"""ACE-Step 1.5's API server (songs/gateway/acestep.py), read against its docs/en/API.md and
acestep/api_server.py: /release_task per studio request, /query_result's status codes and JSON-string
result, its /v1/audio links, its wrapper and FastAPI's {"detail"} errors, and its 429 when full."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest

from songs.gateway import GatewayError, capabilities_for
from songs.gateway.acestep import AceStepFormat, decode_task_id, encode_task_id
from tests.conftest import GATEWAY_URL
from tests.gateway.helpers import Recorder, reply

SERVER_ID = "550e8400-e29b-41d4-a716-446655440000"
FILE = "/home/me/ACE-Step-1.5/.cache/acestep/tmp/api_audio/3f2a.mp3"
CUSTOM = {
    "prompt": "[Verse]\n走在街上",
    "tags": "city pop",
    "mv": "chirp-crow",
    "title": "City Lights",
    "make_instrumental": False,
}


def wrapped(data: object, code: int = 200, error: str | None = None) -> dict:
    return {"data": data, "code": code, "error": error, "timestamp": 1700000000000, "extra": None}


def queued() -> httpx.Response:
    return reply(200, wrapped({"task_id": SERVER_ID, "status": "queued", "queue_position": 1}))


def result(*files: str, status: int = 1, **extra: object) -> str:
    """``result`` as the server sends it: a JSON string of a list (api_server.py, _update_local_cache)."""
    items = [
        {
            "file": f"/v1/audio?path={quote(path, safe='')}" if path else "",
            "wave": "",
            "status": status,
            "create_time": 1700000000,
            "env": "development",
            "prompt": "city pop",
            "lyrics": "[Verse]\n走在街上",
            "metas": {"bpm": 120, "duration": 30, "genres": "", "keyscale": "C Major", "timesignature": "4"},
            "generation_info": "...",
            "seed_value": "12345,67890",
            "lm_model": "acestep-5Hz-lm-0.6B",
            "dit_model": "acestep-v15-turbo",
            **extra,
        }
        for path in files
    ]
    return json.dumps(items, ensure_ascii=False)


def sent(make_gateway, payload: dict) -> tuple[str, dict]:
    recorder = Recorder(queued())
    task_id = make_gateway(recorder, api_format="acestep").submit_music(payload=payload)
    assert recorder.requests[0].url.path == "/release_task"
    assert recorder.requests[0].headers["Authorization"].startswith("Bearer ")
    return task_id, recorder.bodies()[0]


def test_a_custom_song_is_text2music_with_its_lyrics_language_and_title_kept_in_the_id(make_gateway):
    task_id, body = sent(make_gateway, CUSTOM)
    assert body == {
        "task_type": "text2music",
        "prompt": "city pop",
        "lyrics": "[Verse]\n走在街上",
        "vocal_language": "zh",
    }
    assert decode_task_id(task_id) == (SERVER_ID, "gen", "City Lights")


def test_an_instrumental_and_an_inspiration(make_gateway):
    _, body = sent(make_gateway, {**CUSTOM, "make_instrumental": True, "prompt": ""})
    assert body["lyrics"] == "[Instrumental]" and body["vocal_language"] == "en"
    _, body = sent(
        make_gateway,
        {
            "gpt_description_prompt": "a soft Bengali love song",
            "make_instrumental": False,
            "mv": "chirp-crow",
        },
    )
    assert body == {"task_type": "text2music", "sample_query": "a soft Bengali love song", "thinking": True}


def test_continue_and_replace_section_repaint_the_clips_own_file(make_gateway):
    task_id, body = sent(
        make_gateway, {**CUSTOM, "continue_clip_id": FILE, "continue_at": 80, "task_id": "ace:x:gen:"}
    )
    assert (body["task_type"], body["src_audio_path"]) == ("repaint", FILE)
    assert (body["repainting_start"], body["repainting_end"]) == (80.0, 140.0)  # past the end: it extends
    assert decode_task_id(task_id)[1] == "repaint"
    _, body = sent(
        make_gateway,
        {
            **CUSTOM,
            "continue_clip_id": FILE,
            "continue_at": 30.0,
            "infill_start_s": 30.0,
            "infill_end_s": 45.5,
        },
    )
    assert (body["task_type"], body["repainting_start"], body["repainting_end"]) == ("repaint", 30.0, 45.5)


def test_a_cover_and_stems(make_gateway):
    _, body = sent(make_gateway, {**CUSTOM, "task": "cover", "cover_clip_id": FILE})
    assert (body["task_type"], body["src_audio_path"], body["prompt"]) == ("cover", FILE, "city pop")
    task_id, body = sent(
        make_gateway, {"task": "gen_stem", "title": "安全之弦", "mv": "chirp-auk", "continue_clip_id": FILE}
    )
    assert body == {
        "task_type": "extract",
        "src_audio_path": FILE,
        "instruction": "Extract the vocals track from the audio:",
        "model": "acestep-v15-base",  # the only one of its models that extracts
        "batch_size": 1,
    }
    assert decode_task_id(task_id) == (SERVER_ID, "stem", "安全之弦")


def test_a_full_queue_is_a_429_worth_waiting_for_and_nothing_else_is(make_gateway):
    gateway = make_gateway(
        Recorder(reply(429, {"detail": "Server busy: queue is full"})), api_format="acestep"
    )
    with pytest.raises(GatewayError) as caught:
        gateway.submit_music(payload=CUSTOM)
    assert (caught.value.kind, caught.value.retryable, caught.value.detail) == (
        "rate_limited",
        True,
        "Server busy: queue is full",
    )
    gateway = make_gateway(Recorder(reply(401, {"detail": "Invalid API key"})), api_format="acestep")
    with pytest.raises(GatewayError) as caught:
        gateway.submit_music(payload=CUSTOM)
    assert (caught.value.kind, caught.value.retryable) == ("unauthorized", False)


def test_a_batch_query_reads_running_done_and_failed_jobs(make_gateway):
    ids = [
        encode_task_id("a", "gen", "Song A"),
        encode_task_id("b", "gen", "B"),
        encode_task_id("c", "stem", "C"),
    ]
    entries = [
        {
            "task_id": "a",
            "status": 0,
            "result": json.dumps(
                [{"file": "", "status": 0, "create_time": 1700000000, "progress": 0.4, "stage": "running"}]
            ),
            "progress_text": "step 3/8",
        },
        {
            "task_id": "b",
            "status": 1,
            "result": result(FILE, FILE.replace("3f2a", "3f2b")),
            "progress_text": "",
        },
        {
            "task_id": "c",
            "status": 2,
            "result": json.dumps(
                [
                    {
                        "file": "",
                        "status": 2,
                        "create_time": 1,
                        "stage": "failed",
                        "error": "CUDA out of memory",
                    }
                ]
            ),
        },
        {"task_id": "not-asked", "status": 1, "result": result(FILE)},
    ]
    recorder = Recorder(reply(200, wrapped(entries)))
    tasks = {t.task_id: t for t in make_gateway(recorder, api_format="acestep").fetch_tasks(ids)}
    assert recorder.bodies() == [{"task_id_list": ["a", "b", "c"]}]  # the server's own ids
    assert set(tasks) == set(ids)
    running = tasks[ids[0]]
    assert (running.status, running.progress, running.clips) == ("IN_PROGRESS", "40%", [])
    done = tasks[ids[1]]
    assert done.status == "SUCCESS" and [c.title for c in done.clips] == ["B", "B (2)"]
    first = done.clips[0]
    assert first.id == FILE  # the server's path names the clip, and a later repaint's source
    assert first.audio_url == f"{GATEWAY_URL}/v1/audio?path={quote(FILE, safe='')}"  # on the gateway's host
    assert (first.status, first.duration, first.tags, first.model_name) == (
        "complete",
        30.0,
        "city pop",
        "acestep-v15-turbo",
    )
    assert first.metadata["keyscale"] == "C Major" and first.created_at.startswith("2023-11-14")
    failed = tasks[ids[2]]
    assert failed.status == "FAILURE" and failed.fail_reason == "CUDA out of memory"


def test_an_id_it_never_issued_stays_pending_and_one_fetch_says_so(make_gateway):
    # An unknown id is answered {"status": 0, "result": "[]"} (api_server.py): the studio's cap ends it.
    recorder = Recorder(
        reply(200, wrapped([{"task_id": "zz", "status": 0, "result": "[]"}])), reply(200, wrapped([]))
    )
    gateway = make_gateway(recorder, api_format="acestep")
    assert gateway.fetch_task("ace:zz:gen:").status == "QUEUED"
    with pytest.raises(GatewayError) as caught:
        gateway.fetch_task("ace:yy:gen:")
    assert caught.value.code == "task_not_exist"


def test_a_stem_is_titled_vocals_and_typed_stem(make_gateway):
    stem_id = encode_task_id("s", "stem", "安全之弦")
    recorder = Recorder(reply(200, wrapped([{"task_id": "s", "status": 1, "result": result(FILE)}])))
    (task,) = make_gateway(recorder, api_format="acestep").fetch_tasks([stem_id])
    assert [(c.title, c.clip_type) for c in task.clips] == [("安全之弦 - Vocals", "stem")]


def test_what_it_lacks_is_refused_before_anything_is_sent(make_gateway):
    recorder = Recorder(queued())
    gateway = make_gateway(recorder, api_format="acestep")
    for call in (
        lambda: gateway.submit_lyrics(prompt="乡愁"),
        lambda: gateway.submit_concat(clip_id=FILE),
        lambda: gateway.upload_audio_url(url="https://x.test/a.mp3"),
        lambda: gateway.style_boost(tags="pop"),
        lambda: gateway.fetch_timing(clip_id=FILE),
    ):
        with pytest.raises(GatewayError) as caught:
            call()
        assert caught.value.kind == "not_supported"
    assert recorder.requests == []
    caps = capabilities_for("acestep")
    assert (caps.infill, caps.stems, caps.cover) == (True, True, True)
    assert not any((caps.concat, caps.upload, caps.persona, caps.boost, caps.timing, caps.video, caps.lyrics))
    assert AceStepFormat.callback_param is None and AceStepFormat.callback_task_ids({"task_id": "x"}) == []


def test_task_ids_pack_and_unpack_any_title():
    for title in ("", "City: Lights", "工作 (Cover) 100%"):
        assert decode_task_id(encode_task_id(SERVER_ID, "cover", title)) == (SERVER_ID, "cover", title)
    assert decode_task_id(SERVER_ID) == (SERVER_ID, "gen", "")  # an id the studio did not pack
    with pytest.raises(ValueError):
        encode_task_id("", "gen", "x")
