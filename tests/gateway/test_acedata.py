"""AceDataCloud's Suno API (songs/gateway/acedata.py), read against the bodies its documents show:
every action of /suno/audios, /suno/tasks retrieve and retrieve_batch, the calls of their own, the
callback body and the error shape."""

from __future__ import annotations

import pytest

from songs.gateway import GatewayError, capabilities_for, verdicts
from songs.gateway.acedata import NO_CALLBACK_URL, AceDataFormat
from tests.gateway.helpers import Recorder, reply

ACCEPTED = {"task_id": "44472ab8-783b-4054-b861-5bf14e462f60"}
HOOK = "https://studio.example.com/gateway/callback/abc/"
CUSTOM = {
    "prompt": "[Verse]\nSnow",
    "tags": "pop",
    "mv": "chirp-crow",
    "title": "Snow",
    "make_instrumental": False,
}


def song(song_id: str, state: str = "succeeded", **extra: object) -> dict:
    """A song as the documents show it (2025-12 examples)."""
    return {
        "id": song_id,
        "title": "Snowflakes and Mistletoe",
        "image_url": f"https://cdn2.suno.ai/image_{song_id}.jpeg",
        "image_large_url": f"https://cdn2.suno.ai/image_large_{song_id}.jpeg",
        "lyric": "[Verse]\nLights are tangled on the tree again",
        "audio_url": f"https://cdn1.suno.ai/{song_id}.mp3" if state != "pending" else "",
        "video_url": "",
        "created_at": "2025-12-13T11:29:25.101Z",
        "model": "chirp-v5",
        "state": state,
        "prompt": "A song for Christmas",
        "style": "uplifting, orchestral",
        "duration": 129.92 if state == "succeeded" else None,
        **extra,
    }


def item(task_id: str, response: dict | None, request: dict | None = None) -> dict:
    """One /suno/tasks item: the stored request and, once there is one, the response."""
    body = {"_id": "66d2add5550a4144a5a88dfe", "id": task_id, "created_at": 1725083093.077}
    body["request"] = request or {"action": "generate", "prompt": "A song for Christmas"}
    if response is not None:
        body["response"] = response
    return body


def sent(make_gateway, payload: dict) -> dict:
    recorder = Recorder(reply(200, ACCEPTED))
    task_id = make_gateway(recorder, api_format="acedata").submit_music(payload=payload)
    assert task_id == ACCEPTED["task_id"] and recorder.requests[0].url.path == "/suno/audios"
    return recorder.bodies()[0]


def test_a_custom_song_is_a_generate_action_with_the_models_acedata_name(make_gateway):
    body = sent(make_gateway, {**CUSTOM, "negative_tags": "metal", "callback_url": HOOK})
    assert body == {
        "action": "generate",
        "model": "chirp-v5",  # the studio's chirp-crow
        "custom": True,
        "lyric": "[Verse]\nSnow",
        "title": "Snow",
        "style": "pop",
        "style_negative": "metal",
        "instrumental": False,
        "callback_url": HOOK,
    }


def test_an_inspiration_sends_the_description_as_prompt_and_never_waits_without_a_callback(make_gateway):
    body = sent(
        make_gateway,
        {"gpt_description_prompt": "a song for Christmas", "make_instrumental": True, "mv": "chirp-auk"},
    )
    assert body == {
        "action": "generate",
        "model": "chirp-v4-5",
        "custom": False,
        "prompt": "a song for Christmas",
        "instrumental": True,
        # Without one AceDataCloud holds the request until the songs are made: a name that never resolves.
        "callback_url": NO_CALLBACK_URL,
    }


def test_a_continue_is_an_extend_and_an_uploads_continue_an_upload_extend(make_gateway):
    made = sent(make_gateway, {**CUSTOM, "continue_clip_id": "c-1", "continue_at": 80, "task_id": "t-1"})
    assert (made["action"], made["audio_id"], made["continue_at"]) == ("extend", "c-1", 80)
    upload = sent(
        make_gateway, {**CUSTOM, "mv": "chirp-v4-upload", "continue_clip_id": "u-1", "continue_at": 10}
    )
    assert (upload["action"], upload["audio_id"], upload["model"]) == ("upload_extend", "u-1", "chirp-v4")


def test_a_replaced_section_sends_its_range_and_the_lyrics(make_gateway):
    body = sent(
        make_gateway,
        {
            **CUSTOM,
            "continue_clip_id": "c-1",
            "continue_at": 30.0,
            "task_id": "t",
            "infill_start_s": 30.0,
            "infill_end_s": 60.0,
        },
    )
    assert body["action"] == "replace_section" and body["audio_id"] == "c-1"
    assert (body["replace_section_start"], body["replace_section_end"]) == (30.0, 60.0)
    assert body["lyric"] == body["prompt"] == "[Verse]\nSnow"
    assert "continue_at" not in body


def test_stems_cover_and_persona_songs_name_their_source_as_audio_id(make_gateway):
    stems = sent(
        make_gateway, {"task": "gen_stem", "mv": "chirp-auk", "continue_clip_id": "c-1", "stem_task": "two"}
    )
    assert {k: stems[k] for k in ("action", "audio_id")} == {"action": "stems", "audio_id": "c-1"}
    assert "lyric" not in stems and "custom" not in stems
    every = sent(
        make_gateway, {"task": "gen_stem", "mv": "chirp-auk", "continue_clip_id": "c-1", "stem_task": "all"}
    )
    assert every["action"] == "all_stems"
    cover = sent(make_gateway, {**CUSTOM, "task": "cover", "cover_clip_id": "c-2", "mv": "chirp-bluejay"})
    assert (cover["action"], cover["audio_id"], cover["model"], cover["style"]) == (
        "cover",
        "c-2",
        "chirp-v4-5-plus",
        "pop",
    )
    uploaded = sent(
        make_gateway, {**CUSTOM, "task": "cover", "cover_clip_id": "u-1", "cover_clip_type": "upload"}
    )
    assert (uploaded["action"], uploaded["audio_id"]) == ("upload_cover", "u-1")
    persona = sent(
        make_gateway,
        {
            **CUSTOM,
            "task": "artist_consistency",
            "persona_id": "p-1",
            "artist_clip_id": "c-3",
            "vocal_gender": "f",
            "mv": "chirp-v4-tau",
        },
    )
    assert {k: persona[k] for k in ("action", "persona_id", "audio_id", "vocal_gender", "model")} == {
        "action": "artist_consistency",
        "persona_id": "p-1",
        "audio_id": "c-3",
        "vocal_gender": "f",
        "model": "chirp-v4",
    }


def test_concat_upload_persona_lyrics_style_and_timing_use_their_own_calls(make_gateway):
    recorder = Recorder(
        reply(200, {"success": True, "task_id": "t-concat", "data": [song("whole")]}),
        reply(
            200, {"success": True, "task_id": "t-up", "data": {"audio_id": "00135f7d", "duration": 131.16}}
        ),
        reply(200, {"success": True, "task_id": "t-p", "data": {"persona_id": "e0d7319e"}}),
        reply(
            200, {"success": True, "task_id": "t-lyrics", "data": [{"text": "[Verse]\nSnow", "title": "W"}]}
        ),
        reply(200, {"success": True, "task_id": "t-s", "data": {"upsampled_tags": "Bright, festive bells"}}),
        reply(
            200,
            {
                "success": True,
                "task_id": "t-t",
                "data": {
                    "aligned_words": [
                        {"word": "Snow ", "start_s": 2.6, "end_s": 3.4, "success": True, "p_align": 0.5}
                    ]
                },
            },
        ),
    )
    gateway = make_gateway(recorder, api_format="acedata")
    assert gateway.submit_concat(clip_id="part-2", is_infill=True) == "t-concat"
    assert gateway.upload_audio_url(url="https://studio.example.com/u/x.mp3") == "00135f7d"
    assert gateway.persona_create(clip_id="c-1", name="Mine", description="d") == "e0d7319e"
    assert gateway.submit_lyrics(prompt="winter") == "t-lyrics"
    assert gateway.style_boost(tags="christmas") == "Bright, festive bells"
    words = gateway.fetch_timing(clip_id="c-1")
    assert [(w.word, w.start_s) for w in words] == [("Snow ", 2.6)]
    paths = [r.url.path for r in recorder.requests]
    assert paths == [
        "/suno/audios",
        "/suno/upload",
        "/suno/persona",
        "/suno/lyrics",
        "/suno/style",
        "/suno/timing",
    ]
    bodies = recorder.bodies()
    assert bodies[0] == {"action": "concat", "audio_id": "part-2", "callback_url": NO_CALLBACK_URL}
    assert bodies[1] == {"audio_url": "https://studio.example.com/u/x.mp3"}
    assert bodies[2] == {"audio_id": "c-1", "name": "Mine"}
    assert bodies[5] == {"audio_id": "c-1"}


def test_a_batch_reads_each_task_from_its_response_and_leaves_out_ids_not_asked(make_gateway):
    items = [
        item("t-wait", None),
        item(
            "t-run",
            {
                "success": True,
                "task_id": "t-run",
                "data": [
                    song("a", "running", audio_url="https://audiopipe.suno.ai/?item_id=a"),
                    song("b", "pending"),
                ],
            },
        ),
        item("t-done", {"success": True, "task_id": "t-done", "data": [song("c"), song("d", "error")]}),
        item(
            "t-bad",
            {
                "success": False,
                "task_id": "t-bad",
                "error": {"code": "forbidden", "message": "Prompt contained inappropriate material"},
            },
        ),
        item("t-other", {"success": True, "task_id": "t-other", "data": [song("e")]}),
    ]
    recorder = Recorder(reply(200, {"items": items, "count": len(items)}))
    gateway = make_gateway(recorder, api_format="acedata")
    tasks = {t.task_id: t for t in gateway.fetch_tasks(["t-wait", "t-run", "t-done", "t-bad", "t-gone"])}
    assert recorder.bodies() == [
        {"action": "retrieve_batch", "ids": ["t-wait", "t-run", "t-done", "t-bad", "t-gone"]}
    ]
    assert set(tasks) == {"t-wait", "t-run", "t-done", "t-bad"}  # t-other was not asked for
    assert (tasks["t-wait"].status, tasks["t-wait"].clips) == ("SUBMITTED", [])
    running = tasks["t-run"]
    assert running.status == "IN_PROGRESS" and [c.status for c in running.clips] == ["streaming", "queued"]
    assert running.clips[0].audio_url == "https://audiopipe.suno.ai/?item_id=a"  # playable while made
    done = tasks["t-done"]
    assert done.status == "SUCCESS" and [c.status for c in done.clips] == ["complete", "error"]
    first = done.clips[0]
    assert (first.tags, first.prompt, first.duration, first.model_name) == (
        "uplifting, orchestral",
        "[Verse]\nLights are tangled on the tree again",
        129.92,
        "chirp-v5",
    )
    assert first.gpt_description_prompt == "A song for Christmas" and first.image_large_url.endswith(
        "image_large_c.jpeg"
    )
    assert done.clips[1].error_message  # the failed one says so
    bad = tasks["t-bad"]
    assert bad.status == "FAILURE" and bad.fail_reason == "Prompt contained inappropriate material"
    assert verdicts.kind_of("", bad.fail_reason, None) == verdicts.REFUSED_CONTENT


def test_stems_concat_and_lyrics_tasks_read_as_such(make_gateway):
    stems = item(
        "t-st",
        {
            "success": True,
            "data": [
                song("v", title="Deck the Sky - Vocals", model=""),
                song("i", title="Deck the Sky - Instrumental", model=""),
            ],
        },
        {"action": "stems", "audio_id": "x"},
    )
    concat = item(
        "t-cc",
        {"success": True, "data": [song("w", concat_history=[{"id": "x", "continue_at": 2}])]},
        {"action": "concat", "audio_id": "p"},
    )
    lyrics = item(
        "t-ly",
        {
            "success": True,
            "data": [
                {
                    "text": "[Verse]\nSnowflakes",
                    "title": "Winter's Cold Touch",
                    "status": "complete",
                    "tags": ["dreamy"],
                }
            ],
        },
        {"prompt": "A song about winter"},
    )
    recorder = Recorder(reply(200, {"items": [stems, concat, lyrics], "count": 3}))
    tasks = {
        t.task_id: t
        for t in make_gateway(recorder, api_format="acedata").fetch_tasks(["t-st", "t-cc", "t-ly"])
    }
    assert [c.clip_type for c in tasks["t-st"].clips] == ["stem", "stem"]
    assert tasks["t-st"].clips[0].title.endswith("Vocals")
    assert tasks["t-cc"].clips[0].clip_type == "concat"
    assert (
        tasks["t-ly"].lyrics.title == "Winter's Cold Touch"
        and tasks["t-ly"].lyrics.text == "[Verse]\nSnowflakes"
    )


def test_one_task_is_retrieved_by_id_and_an_unknown_one_is_not_found(make_gateway):
    recorder = Recorder(reply(200, item("t-1", {"success": True, "data": [song("a")]})), reply(200, {}))
    gateway = make_gateway(recorder, api_format="acedata")
    assert gateway.fetch_task("t-1").status == "SUCCESS"
    assert recorder.bodies()[0] == {"action": "retrieve", "id": "t-1"}
    with pytest.raises(GatewayError) as caught:
        gateway.fetch_task("t-unknown")
    assert caught.value.code == "task_not_exist"


@pytest.mark.parametrize(
    ("status", "error", "kind", "retryable"),
    [
        (
            400,
            {"code": "bad_request", "message": "The song id does not exist or has been taken offline."},
            verdicts.INVALID,
            False,
        ),
        (
            403,
            {"code": "forbidden", "message": "Lyrics contained copyrighted material"},
            verdicts.REFUSED_CONTENT,
            False,
        ),
        (500, {"code": "api_error", "message": "no available worker in system"}, verdicts.UNKNOWN, True),
        (401, {"code": "invalid_token", "message": "Invalid token"}, verdicts.UNAUTHORIZED, False),
    ],
)
def test_its_documented_errors_become_one_clear_error(make_gateway, status, error, kind, retryable):
    body = {"success": False, "error": error, "trace_id": "7dbc5b6a"}
    gateway = make_gateway(Recorder(reply(status, body)), api_format="acedata", max_retries=0)
    with pytest.raises(GatewayError) as caught:
        gateway.fetch_tasks(["t-1"])
    assert (caught.value.kind, caught.value.retryable, caught.value.detail) == (
        kind,
        retryable,
        error["message"],
    )


def test_a_callback_names_its_task_and_the_family_declares_its_capabilities():
    body = {"success": True, "task_id": "44472ab8", "data": [song("da4324e5")]}
    assert AceDataFormat.callback_task_ids(body) == ["44472ab8"]
    assert (
        AceDataFormat.callback_task_ids({"data": []}) == [] and AceDataFormat.callback_param == "callback_url"
    )
    caps = capabilities_for("acedata")
    offered = {
        name
        for name in (
            "concat",
            "upload",
            "infill",
            "negative_tags",
            "stems",
            "cover",
            "persona",
            "boost",
            "timing",
            "vocal_gender",
            "lyrics",
        )
        if getattr(caps, name)
    }
    assert offered == {
        "concat",
        "upload",
        "infill",
        "negative_tags",
        "stems",
        "cover",
        "persona",
        "boost",
        "timing",
        "vocal_gender",
        "lyrics",
    }
    assert not caps.controls


def test_a_large_poll_is_asked_for_in_batches_of_fifty(make_gateway):
    recorder = Recorder(reply(200, {"items": [], "count": 0}))
    ids = [f"t-{n}" for n in range(120)]
    assert make_gateway(recorder, api_format="acedata").fetch_tasks(ids) == []
    assert [len(body["ids"]) for body in recorder.bodies()] == [50, 50, 20]
    assert [i for body in recorder.bodies() for i in body["ids"]] == ids
