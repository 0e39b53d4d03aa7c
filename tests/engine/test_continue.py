"""Continue and concat on the built-in engine (task format), spoken to as the seed speaks to a gateway."""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pytest

from engine.jobs import lifecycle, media, storage
from engine.models import EngineClip, EngineTask
from engine.music import analysis, arrange, composer
from tests.engine.helpers import fetch_task, make_song, media_bytes, post

# Task ids seed the music: these tests measure sound, so they hear the same, once-verified songs every run.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_ids")]

SR = storage.SAMPLE_RATE
SEED_LYRICS = (
    "[Verse]\nWalking down the streets\nBeneath the city lights\n"
    "Neon signs flickering\nLighting up the night\n"
    "Heart beating faster\nLike a drum in my chest\nI'm alive in this moment\nFeeling so blessed\n\n"
    "Stilettos on the pavement\nStepping with grace\nSurrounded by the people\nMoving at their own pace\n"
    "The rhythm of the city\nIt pulses in my veins\nLost in the energy\nAs my worries drain\n\n"
    "[Verse 2]\nConcrete jungle shining\nWith its dazzling glow\n"
    "Every corner hiding secrets that only locals know\nA symphony of chaos\nBut it's music to my ears\n"
    "The hustle and the bustle\nWiping away my fears"
)
# The seed's continue body (004, "c.续写"); continue_clip_id and continue_at are added per test
# (the seed's own clip does not exist here).
SEED_CONTINUE = {
    "prompt": SEED_LYRICS,
    "tags": "bass-driven atmospheric heavy metal",
    "mv": "chirp-v3-5",
    "title": "City Lights",
}


@pytest.fixture
def no_video(monkeypatch):
    """Videos are queued but not made: faster, and lets a test run the video job itself."""
    queued: list[str] = []
    monkeypatch.setattr(lifecycle, "queue_video", queued.append)
    return queued


def continue_song(client, headers, clip_id: str, at: float, **extra) -> dict:
    body = {**SEED_CONTINUE, "continue_clip_id": clip_id, "continue_at": at, **extra}
    answer = post(client, "/suno/submit/music", body, headers).json()
    assert answer["code"] == "success", answer
    task = fetch_task(client, answer["data"], headers)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    return task


def concat(client, headers, clip_id: str, is_infill: bool = False) -> dict:
    answer = post(client, "/suno/submit/concat", {"clip_id": clip_id, "is_infill": is_infill}, headers)
    assert answer.json()["code"] == "success", answer.json()
    return fetch_task(client, answer.json()["data"], headers)


def test_the_seeds_continue_body_continues_at_80_seconds_with_and_without_task_id(
    client, engine_key, settings, no_video
):
    settings.ENGINE_MAX_SECONDS = 130.0  # the seed lyrics as pop: 95-135 s, whatever the tempo
    task_id, clips = make_song(client, engine_key, prompt=SEED_LYRICS, tags="pop")
    original = clips[0]
    assert original["metadata"]["duration"] > 80
    settings.ENGINE_MAX_SECONDS = 8.0  # the continuations themselves may be short
    for extra in ({}, {"task_id": task_id}):
        task = continue_song(client, engine_key, original["id"], 80, **extra)
        assert task["action"] == "MUSIC" and len(task["data"]) == 2
        for clip in task["data"]:
            meta = clip["metadata"]
            assert clip["status"] == "complete" and clip["title"] == "City Lights"
            assert meta["type"] == "gen" and meta["tags"] == SEED_CONTINUE["tags"]
            assert meta["history"] == [
                {"id": original["id"], "continue_at": 80.0, "type": "gen", "source": "web", "infill": False}
            ]
            same = ("genre", "bpm", "key", "mode", "bar_seconds")
            assert {k: meta["engine"][k] for k in same} == {
                k: original["metadata"]["engine"][k] for k in same
            }
            decoded, _ = media.decode_audio(media_bytes(client, clip["audio_url"]))
            assert len(decoded) / SR == pytest.approx(meta["duration"], abs=0.1)


def _error(client, headers, body: dict) -> str:
    response = post(client, "/suno/submit/music", body, headers)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request", response.json()
    assert response.json()["data"] is None
    return response.json()["message"]


def test_continue_requests_are_checked_against_the_clip(client, engine_key, no_video):
    task_id, clips = make_song(client, engine_key)
    clip = clips[0]
    duration = clip["metadata"]["duration"]
    body = {**SEED_CONTINUE, "continue_clip_id": clip["id"]}
    assert "not found" in _error(client, engine_key, {**body, "continue_clip_id": "nope", "continue_at": 1})
    for at in (-1, duration + 0.5, duration + 5):
        message = _error(client, engine_key, {**body, "continue_at": at})
        assert "continue_at" in message and f"{duration:g}" in message
    for task_id_value in ("", "  ", 42, {"id": task_id}):  # advisory, but a string when given
        assert "task_id" in _error(client, engine_key, {**body, "continue_at": 2, "task_id": task_id_value})
    assert "continue_clip_id" in _error(client, engine_key, {**SEED_CONTINUE, "continue_at": 3})
    assert "number" in _error(client, engine_key, {**body, "continue_at": "soon"})
    assert "v2" in _error(client, engine_key, {**body, "infill_start_s": 1, "infill_end_s": 4})
    assert "continue_clip_id" in _error(client, engine_key, {**SEED_CONTINUE, "mv": "chirp-v3-5-upload"})


def test_a_foreign_or_unfinished_clip_cannot_be_continued(client, engine_key):
    foreign_task = EngineTask.objects.create(key_fingerprint="someone-else", action="MUSIC", payload={})
    foreign = EngineClip.objects.create(
        task=foreign_task, status="complete", mv="chirp-v3-5", has_audio=True, metadata={"duration": 30.0}
    )
    body = {**SEED_CONTINUE, "continue_clip_id": foreign.id, "continue_at": 3}
    assert "not found" in _error(client, engine_key, body)
    foreign_task.key_fingerprint = EngineTask.objects.exclude(id=foreign_task.id).first() or None
    mine = EngineTask.objects.create(
        key_fingerprint=_fingerprint(engine_key), action="MUSIC", payload={}, status="IN_PROGRESS"
    )
    streaming = EngineClip.objects.create(
        task=mine, status="streaming", mv="chirp-v3-5", has_audio=True, metadata={"duration": 30.0}
    )
    assert "not complete" in _error(client, engine_key, {**body, "continue_clip_id": streaming.id})


def _fingerprint(headers: dict) -> str:
    from engine.api.protocol import key_fingerprint

    return key_fingerprint(headers["HTTP_AUTHORIZATION"].removeprefix("Bearer "))


def test_a_continuation_keeps_the_originals_tempo_and_key(client, engine_key, settings, no_video):
    settings.ENGINE_MAX_SECONDS = 16.0
    _, clips = make_song(client, engine_key, tags="lofi chill piano", make_instrumental=True, prompt="")
    original = clips[0]
    task = continue_song(client, engine_key, original["id"], 7.3, make_instrumental=True, tags="")
    engine = original["metadata"]["engine"]
    lo, hi = composer.tempo_window(engine["genre"])
    measured = []
    for clip in (original, task["data"][0]):
        assert clip["metadata"]["tags"] == "lofi chill piano"  # empty tags: the original's
        audio, _ = media.decode_audio(media_bytes(client, clip["audio_url"]))
        audio = audio[media.LAME_DELAY_SAMPLES :]
        measured.append((analysis.estimate_tempo(audio, SR, lo=lo, hi=hi), analysis.estimate_key(audio, SR)))
    (tempo_a, key_a), (tempo_b, key_b) = measured
    continued = task["data"][0]["metadata"]["engine"]
    assert (continued["bpm"], continued["key"], continued["mode"]) == (
        engine["bpm"],
        engine["key"],
        engine["mode"],
    )
    assert tempo_a == pytest.approx(engine["bpm"], rel=0.03)
    assert tempo_b == pytest.approx(tempo_a, rel=0.03)
    assert key_b in (key_a, _relative(*key_a))  # relative keys share their notes: same key to a listener


def _relative(tonic: str, mode: str) -> tuple[str, str]:
    pc = composer.NOTE_NAMES.index(tonic)
    if mode == "major":
        return composer.NOTE_NAMES[(pc + 9) % 12], "minor"
    return composer.NOTE_NAMES[(pc + 3) % 12], "major"


@pytest.mark.parametrize("on_the_bar", [False, True])
def test_original_up_to_continue_at_plus_the_continuation_has_no_click(
    client, engine_key, settings, no_video, on_the_bar
):
    settings.ENGINE_MAX_SECONDS = 10.0
    _, clips = make_song(client, engine_key, tags="emotional punk")
    original = clips[0]
    bar = original["metadata"]["engine"]["bar_seconds"]
    at = 3 * bar if on_the_bar else 4.321
    part_clip = continue_song(client, engine_key, original["id"], at)["data"][0]
    source, part = storage.load_audio(original["id"]), storage.load_audio(part_clip["id"])
    cut, join = arrange.samples(at, SR), arrange.samples(arrange.next_bar_line(at, bar), SR)
    assert np.array_equal(part[: join - cut], source[cut:join])  # the rest of the bar is the original's
    assert part_clip["metadata"]["engine"]["bar_offset"] == pytest.approx((join - cut) / SR, abs=1e-4)
    song = np.concatenate([source[:cut], part])
    steps = np.abs(np.diff(song, axis=0)).max(axis=1)
    near = np.zeros(len(steps), bool)
    for edge in (cut, join):
        near[max(0, edge - 2205) : edge + 2205] = True
    assert steps[near].max() <= 1.05 * steps[~near].max()
    assert steps[cut - 1] == np.abs(source[cut] - source[cut - 1]).max()  # the cut itself is seamless


def test_concat_stitches_a_chain_of_two_continuations_and_the_durations_add_up(
    client, engine_key, settings, no_video
):
    settings.ENGINE_MAX_SECONDS = 8.0
    _, clips = make_song(client, engine_key)
    root = clips[0]
    first = continue_song(client, engine_key, root["id"], 5.5)["data"][1]
    second = continue_song(client, engine_key, first["id"], 3.25)["data"][0]
    assert second["metadata"]["history"][0]["id"] == first["id"]
    task = concat(client, engine_key, second["id"])
    assert task["action"] == "CONCAT" and task["status"] == "SUCCESS" and len(task["data"]) == 1
    whole = task["data"][0]
    assert whole["metadata"]["type"] == "concat" and whole["status"] == "complete"
    assert [(e["id"], e["continue_at"]) for e in whole["metadata"]["concat_history"]] == [
        (root["id"], 5.5),
        (first["id"], 3.25),
        (second["id"], None),
    ]
    expected = 5.5 + 3.25 + second["metadata"]["duration"]
    assert whole["metadata"]["duration"] == pytest.approx(expected, abs=0.05)
    decoded, _ = media.decode_audio(media_bytes(client, whole["audio_url"]))
    assert len(decoded) / SR == pytest.approx(expected, abs=0.1)
    stitched = storage.load_audio(whole["id"])
    parts = [storage.load_audio(c["id"]) for c in (root, first, second)]
    assert np.array_equal(
        stitched, np.concatenate([parts[0][: int(5.5 * SR)], parts[1][: int(3.25 * SR)], parts[2]])
    )
    # a concat clip is a song like any other: it can be continued
    assert continue_song(client, engine_key, whole["id"], 12.0)["data"][0]["status"] == "complete"


def test_concat_refuses_what_it_cannot_stitch(client, engine_key, no_video):
    _, clips = make_song(client, engine_key)
    response = post(
        client, "/suno/submit/concat", {"clip_id": clips[0]["id"], "is_infill": False}, engine_key
    )
    assert response.status_code == 400 and "nothing to concatenate" in response.json()["message"]
    response = post(client, "/suno/submit/concat", {"clip_id": "nope", "is_infill": False}, engine_key)
    assert response.status_code == 400 and "not found" in response.json()["message"]
    response = post(client, "/suno/submit/concat", {"clip_id": clips[0]["id"], "is_infill": True}, engine_key)
    assert response.status_code == 400 and "not a replaced section" in response.json()["message"]
    response = post(client, "/suno/submit/concat", {"clip_id": clips[0]["id"], "is_infill": "no"}, engine_key)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"


def test_videos_are_made_lazily_after_the_clip_completes(client, engine_key, no_video):
    _, clips = make_song(client, engine_key)
    clip = clips[0]
    assert clip["status"] == "complete" and clip["audio_url"]
    video_path = urlsplit(clip["video_url"]).path
    assert clip["is_video_pending"] is True and video_path == f"/suno/media/{clip['id']}.mp4"
    assert sorted(no_video) == sorted(c["id"] for c in clips)
    assert client.get(clip["video_url"].removeprefix("http://testserver")).status_code == 404
    lifecycle.render_video(clip["id"])
    after = client.get(f"/suno/v2/feed?ids={clip['id']}", **engine_key).json()[0]
    assert after["is_video_pending"] is False and after["video_url"] == clip["video_url"]
    mp4 = media_bytes(client, clip["video_url"])
    assert mp4[4:8] == b"ftyp"


def test_without_a_worker_pause_the_video_job_runs_on_its_own(client, engine_key):
    _, clips = make_song(client, engine_key)  # tests run django-q inline: the video job ran already
    assert clips[0]["is_video_pending"] is False
    assert media_bytes(client, clips[0]["video_url"])[4:8] == b"ftyp"


def test_negative_tags_exclude_a_genre_and_mute_parts(client, engine_key, no_video):
    _, metal = make_song(client, engine_key, tags="heavy metal", negative_tags="metal, screaming")
    assert metal[0]["metadata"]["engine"]["genre"] != "metal"
    assert metal[0]["metadata"]["negative_tags"] == "metal, screaming"
    _, rock = make_song(client, engine_key, tags="classic rock", negative_tags="drums")
    engine = rock[0]["metadata"]["engine"]
    assert engine["genre"] == "rock" and engine["muted"] == ["drums"]
    _, sung = make_song(client, engine_key, negative_tags="vocals")
    assert sung[0]["metadata"]["has_vocal"] is False and sung[0]["metadata"]["engine"]["instrumental"]
