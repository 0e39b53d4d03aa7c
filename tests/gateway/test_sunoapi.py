"""The sunoapi.org / kie.ai adapter, from the family's published requests, records and callbacks."""

from __future__ import annotations

import json

import httpx
import pytest

from songs.gateway import GatewayError, capabilities_for, sunoapi
from tests.gateway.helpers import Recorder, reply

TASK_ID = "5c79be8e2f0a4d7e9b1c3a5d7f9e1b2c"


def accepted(task_id: str = TASK_ID) -> httpx.Response:
    return reply(200, {"code": 200, "msg": "success", "data": {"taskId": task_id}})


def record(status: str, items: list[dict] | None = None, **extra) -> dict:
    """GET /api/v1/generate/record-info as the documentation shows it (camelCase, param a JSON string)."""
    param = {"prompt": "A calm piano track", "customMode": False, "instrumental": True, "model": "V4_5"}
    return {
        "code": 200,
        "msg": "success",
        "data": {
            "taskId": TASK_ID,
            "parentMusicId": "",
            "param": json.dumps(param),
            "response": {"taskId": TASK_ID, "sunoData": items or []},
            "status": status,
            "type": "GENERATE",
            "errorCode": None,
            "errorMessage": None,
            **extra,
        },
    }


def song(clip_id: str, *, audio: bool = True) -> dict:
    return {
        "id": clip_id,
        "audioUrl": f"https://cdn.example.cn/{clip_id}.mp3" if audio else "",
        "streamAudioUrl": f"https://cdn.example.cn/stream/{clip_id}",
        "imageUrl": f"https://cdn.example.cn/{clip_id}.jpeg",
        "prompt": "[Verse] 夜晚城市 灯火辉煌",
        "modelName": "chirp-v4-5",
        "title": "钢铁侠",
        "tags": "electrifying, rock",
        "createTime": "2025-01-01 00:00:00",
        "duration": 198.44,
    }


@pytest.fixture
def gateway(make_gateway):
    def make(*answers):
        recorder = Recorder(*answers)
        return make_gateway(recorder, api_format="sunoapi"), recorder

    return make


CUSTOM = {
    "prompt": "[Verse]\nCity lights",
    "tags": "emotional punk",
    "mv": "chirp-auk",
    "title": "City Lights",
}


@pytest.mark.parametrize(
    ("payload", "path", "body"),
    [
        (
            {**CUSTOM, "make_instrumental": False, "negative_tags": "metal", "vocal_gender": "f"},
            "/api/v1/generate",
            {
                "customMode": True,
                "instrumental": False,
                "prompt": "[Verse]\nCity lights",
                "style": "emotional punk",
                "title": "City Lights",
                "model": "V4_5",
                "negativeTags": "metal",
                "vocalGender": "f",
            },
        ),
        (
            {**CUSTOM, "make_instrumental": True, "mv": "chirp-v6-wild"},
            "/api/v1/generate",
            {
                "customMode": True,
                "instrumental": True,
                "style": "emotional punk",
                "title": "City Lights",
                "model": "V6_WILD",
            },
        ),
        (
            {"gpt_description_prompt": "乡愁", "make_instrumental": False, "mv": "chirp-crow"},
            "/api/v1/generate",
            {"customMode": False, "instrumental": False, "prompt": "乡愁", "model": "V5"},
        ),
        (
            {**CUSTOM, "continue_clip_id": "clip-1", "continue_at": 61.5, "task_id": "t-0"},
            "/api/v1/generate/extend",
            {
                "defaultParamFlag": True,
                "audioId": "clip-1",
                "continueAt": 61.5,
                "prompt": "[Verse]\nCity lights",
                "style": "emotional punk",
                "title": "City Lights",
                "model": "V4_5",
            },
        ),
        (
            {
                **CUSTOM,
                "continue_clip_id": "clip-1",
                "task_id": "t-0",
                "infill_start_s": 50,
                "infill_end_s": 64.8,
            },
            "/api/v1/generate/replace-section",
            {
                "taskId": "t-0",
                "audioId": "clip-1",
                "prompt": "[Verse]\nCity lights",
                "tags": "emotional punk",
                "title": "City Lights",
                "infillStartS": 50,
                "infillEndS": 64.8,
            },
        ),
        (
            {
                **CUSTOM,
                "task": "cover",
                "cover_clip_id": "clip-1",
                "cover_audio_url": "https://cdn.example.cn/clip-1.mp3",
                "make_instrumental": False,
            },
            "/api/v1/generate/upload-cover",
            {
                "uploadUrl": "https://cdn.example.cn/clip-1.mp3",
                "customMode": True,
                "instrumental": False,
                "prompt": "[Verse]\nCity lights",
                "style": "emotional punk",
                "title": "City Lights",
                "model": "V4_5",
            },
        ),
        (
            {"task": "gen_stem", "continue_clip_id": "clip-1", "task_id": "t-0", "mv": "chirp-auk"},
            "/api/v1/vocal-removal/generate",
            {"taskId": "t-0", "audioId": "clip-1", "type": "separate_vocal"},
        ),
    ],
    ids=["custom", "instrumental", "inspiration", "extend", "replace section", "cover", "stems"],
)
def test_it_sends_each_request_as_the_family_documents_it(gateway, payload, path, body):
    client, recorder = gateway(accepted())

    task_id = client.submit_music(payload=payload, callback_url="https://studio.example.com/hooks/gateway/t/")

    [request] = recorder.requests
    assert (request.method, request.url.path) == ("POST", path)
    assert json.loads(request.content) == {
        **body,
        "callBackUrl": "https://studio.example.com/hooks/gateway/t/",
    }
    assert task_id == (f"stems:{TASK_ID}" if "vocal-removal" in path else TASK_ID)


def test_without_callbacks_it_still_sends_the_required_callback_url_somewhere_that_never_resolves(gateway):
    client, recorder = gateway(accepted())
    client.submit_music(payload=CUSTOM)
    assert json.loads(recorder.requests[0].content)["callBackUrl"] == "https://callback.invalid/"


@pytest.mark.parametrize(
    ("status", "items", "state", "kind", "clip_states"),
    [
        ("PENDING", [], "QUEUED", "", []),
        (
            "TEXT_SUCCESS",
            [song("a", audio=False), song("b", audio=False)],
            "IN_PROGRESS",
            "",
            ["streaming"] * 2,
        ),
        ("FIRST_SUCCESS", [song("a"), song("b", audio=False)], "IN_PROGRESS", "", ["complete", "streaming"]),
        ("SUCCESS", [song("a"), song("b")], "SUCCESS", "", ["complete", "complete"]),
        ("CREATE_TASK_FAILED", [], "FAILURE", "create_failed", []),
        ("GENERATE_AUDIO_FAILED", [song("a", audio=False)], "FAILURE", "audio_failed", ["error"]),
        ("CALLBACK_EXCEPTION", [], "FAILURE", "callback_failed", []),
        ("CALLBACK_EXCEPTION", [song("a"), song("b")], "SUCCESS", "", ["complete", "complete"]),
        ("SENSITIVE_WORD_ERROR", [], "FAILURE", "refused_content", []),
    ],
)
def test_it_reads_each_record_status_as_a_task_state_and_a_plain_reason(
    gateway, status, items, state, kind, clip_states
):
    client, recorder = gateway(reply(200, record(status, items, errorMessage="words" if kind else None)))

    task = client.fetch_task(TASK_ID)

    assert (recorder.requests[0].url.path, recorder.requests[0].url.params["taskId"]) == (
        "/api/v1/generate/record-info",
        TASK_ID,
    )
    assert (task.status, task.fail_kind, [clip.status for clip in task.clips]) == (state, kind, clip_states)
    if kind:
        assert task.fail_reason.startswith("words (") and status in task.fail_reason


def test_a_records_songs_become_clips_with_their_lyrics_style_length_and_links(gateway):
    client, _ = gateway(reply(200, record("SUCCESS", [song("a")])))

    [clip] = client.fetch_task(TASK_ID).clips

    assert (clip.id, clip.title, clip.tags, clip.duration) == ("a", "钢铁侠", "electrifying, rock", 198.44)
    assert clip.audio_url == "https://cdn.example.cn/a.mp3" and clip.image_url.endswith("a.jpeg")
    assert clip.prompt.startswith("[Verse]") and clip.gpt_description_prompt == "A calm piano track"


def test_a_streaming_clip_plays_from_its_stream_link(gateway):
    client, _ = gateway(reply(200, record("FIRST_SUCCESS", [song("a", audio=False)])))
    assert client.fetch_task(TASK_ID).clips[0].audio_url == "https://cdn.example.cn/stream/a"


def test_a_batch_reads_one_record_a_task_and_leaves_an_unknown_one_out(gateway):
    answers = {
        "t-1": reply(200, record("SUCCESS", [song("a")])),
        "t-2": reply(200, {"code": 404, "msg": "task not found"}),
        "t-3": reply(200, record("PENDING")),
    }
    client, recorder = gateway(lambda request: answers[request.url.params["taskId"]])

    tasks = client.fetch_tasks(["t-1", "t-2", "t-3"])

    assert len(recorder.requests) == 3 and [t.status for t in tasks] == ["SUCCESS", "QUEUED"]


def test_lyrics_are_written_and_read_from_their_own_record(gateway):
    lyrics = {
        "code": 200,
        "msg": "success",
        "data": {
            "taskId": "l-1",
            "param": '{"prompt": "乡愁"}',
            "response": {
                "taskId": "l-1",
                "data": [{"text": "[Verse]\n月光", "title": "乡愁", "status": "complete"}],
            },
            "status": "SUCCESS",
        },
    }
    client, recorder = gateway(accepted("l-1"), reply(200, lyrics))

    task_id = client.submit_lyrics(prompt="乡愁")
    task = client.fetch_task(task_id)

    assert task_id == "lyrics:l-1"
    assert [r.url.path for r in recorder.requests] == ["/api/v1/lyrics", "/api/v1/lyrics/record-info"]
    assert (task.action, task.status, task.lyrics.title, task.lyrics.text) == (
        "LYRICS",
        "SUCCESS",
        "乡愁",
        "[Verse]\n月光",
    )


def test_a_vocal_separation_becomes_a_vocals_and_an_instrumental_stem(gateway):
    separation = {
        "code": 200,
        "msg": "success",
        "data": {
            "taskId": "s-1",
            "musicId": "clip-1",
            "response": {
                "originData": [
                    {
                        "duration": 245.6,
                        "audio_url": "https://x/v.mp3",
                        "stem_type_group_name": "Vocals",
                        "id": "v-1",
                    },
                    {
                        "duration": 245.6,
                        "audio_url": "https://x/i.mp3",
                        "stem_type_group_name": "Instrumental",
                        "id": "i-1",
                    },
                ],
                "instrumentalUrl": "https://file.aiquickdraw.com/s/i-1_Instrumental.mp3",
                "vocalUrl": "https://file.aiquickdraw.com/s/v-1_Vocals.mp3",
            },
            "successFlag": "SUCCESS",
            "errorCode": None,
            "errorMessage": None,
        },
    }
    client, recorder = gateway(reply(200, separation))

    task = client.fetch_task("stems:s-1")

    assert recorder.requests[0].url.path == "/api/v1/vocal-removal/record-info"
    assert task.status == "SUCCESS"
    assert [(c.id, c.title, c.clip_type, c.metadata["stem_from_id"]) for c in task.clips] == [
        ("v-1", "Vocals", "stem", "clip-1"),
        ("i-1", "Instrumental", "stem", "clip-1"),
    ]
    assert task.clips[0].audio_url.endswith("_Vocals.mp3")


def test_persona_boost_and_timing_use_the_familys_calls(gateway):
    words = {
        "alignedWords": [{"word": "[Verse]\nCity ", "success": True, "startS": 1.2, "endS": 1.6, "palign": 0}]
    }
    client, recorder = gateway(
        reply(200, {"code": 200, "msg": "success", "data": {"personaId": "p-1", "name": "Ann"}}),
        reply(200, {"code": 200, "msg": "success", "data": {"taskId": "b-1", "result": "Dreamy indie pop."}}),
        reply(200, {"code": 200, "msg": "success", "data": {**words, "waveformData": [0.1], "hootCer": 0.1}}),
    )

    assert client.persona_create(clip_id="clip-1", name="Ann", description="", task_id=TASK_ID) == "p-1"
    assert client.style_boost(tags="student") == "Dreamy indie pop."
    [word] = client.fetch_timing(clip_id="clip-1", task_id=TASK_ID)

    assert (word.word, word.start_s, word.end_s) == ("[Verse]\nCity ", 1.2, 1.6)
    bodies = recorder.bodies()
    assert [r.url.path for r in recorder.requests] == [
        "/api/v1/generate/generate-persona",
        "/api/v1/style/generate",
        "/api/v1/generate/get-timestamped-lyrics",
    ]
    assert bodies[0] == {"taskId": TASK_ID, "audioId": "clip-1", "name": "Ann", "description": "Ann"}
    assert bodies[1] == {"content": "student"} and bodies[2] == {"taskId": TASK_ID, "audioId": "clip-1"}


def test_a_refused_submit_is_an_error_with_the_familys_words(gateway):
    client, _ = gateway(reply(200, {"code": 413, "msg": "Theme or prompt too long"}))
    with pytest.raises(GatewayError) as caught:
        client.submit_music(payload=CUSTOM)
    assert (caught.value.code, caught.value.detail) == ("invalid_request", "Theme or prompt too long")


def test_its_capability_table_offers_what_the_family_has_and_hides_the_rest():
    caps = capabilities_for("sunoapi")
    offered = {
        name for name in ("stems", "cover", "persona", "infill", "boost", "timing") if getattr(caps, name)
    }
    assert offered == {"stems", "cover", "persona", "infill", "boost", "timing"}
    assert caps.upload and caps.add_parts and not caps.concat and not caps.controls
    assert caps.video and caps.video_call and caps.gateway_wav  # asked for per clip: mp4/ and wav/generate
    assert "chirp-v6-wild" in caps.models and "chirp-v3-0" not in caps.models
    assert sunoapi.model_of("chirp-v4-tau") == "V4" and sunoapi.model_of("chirp-bluejay") == "V4_5PLUS"


def test_it_reads_the_task_ids_a_snake_case_callback_names():
    body = {"code": 200, "msg": "ok", "data": {"callbackType": "first", "task_id": TASK_ID, "data": []}}
    assert sunoapi.SunoApiFormat().callback_task_ids(body) == [TASK_ID]
    assert sunoapi.SunoApiFormat().callback_task_ids({"code": 200, "data": None}) == []


LINK = "https://studio.example.com/u/signed-token/"


@pytest.mark.parametrize(
    "payload, path, body",
    [
        (
            {
                "task": "add_vocals",
                "upload_url": LINK,
                "prompt": "[Verse]\nCity lights",
                "tags": "jazz",
                "title": "Relaxing Piano",
                "negative_tags": "",
                "mv": "chirp-bluejay",
                "make_instrumental": False,
            },
            "/api/v1/generate/add-vocals",
            {
                "uploadUrl": LINK,
                "prompt": "[Verse]\nCity lights",
                "style": "jazz",
                "title": "Relaxing Piano",
                "negativeTags": "",
                "model": "V4_5PLUS",
            },
        ),
        (
            {
                "task": "add_instrumental",
                "upload_url": LINK,
                "prompt": "",
                "tags": "relaxing piano, ambient",
                "title": "Relaxing Piano",
                "negative_tags": "heavy metal",
                "vocal_gender": "f",
                "mv": "chirp-auk",  # not one the call takes: its default instead
                "make_instrumental": True,
            },
            "/api/v1/generate/add-instrumental",
            {
                "uploadUrl": LINK,
                "tags": "relaxing piano, ambient",
                "title": "Relaxing Piano",
                "negativeTags": "heavy metal",
                "vocalGender": "f",
                "model": "V4_5PLUS",
            },
        ),
    ],
    ids=["add vocals", "add instrumental"],
)
def test_vocals_or_an_instrumental_are_added_to_the_users_audio_as_documented(gateway, payload, path, body):
    client, recorder = gateway(accepted(), reply(200, record("SUCCESS", [song("a")])))

    task_id = client.submit_music(payload=payload, callback_url="")
    task = client.fetch_task(task_id)

    submit, read = recorder.requests
    assert (submit.method, submit.url.path) == ("POST", path)
    assert json.loads(submit.content) == {**body, "callBackUrl": sunoapi.NO_CALLBACK}
    assert task_id == TASK_ID and read.url.path == "/api/v1/generate/record-info"
    assert task.status == "SUCCESS" and [clip.id for clip in task.clips] == ["a"]


def test_only_this_family_offers_adding_vocals_or_an_instrumental():
    from songs.gateway.families import FORMATS

    offered = {name for name in FORMATS if capabilities_for(name).add_parts}
    assert offered == {"sunoapi"}
