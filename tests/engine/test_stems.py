"""Stems (task gen_stem, docs/protocol.md 7.5): the engine's own voice and band, which sum to the mix."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jobs import lifecycle
from tests.engine.helpers import decoded, feed, generate, make_song, post, stems_of, sung_song

# Task ids seed the music: these tests measure sound, so they hear the same, once-verified songs every run.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_ids")]


@pytest.fixture(autouse=True)
def short_songs(settings, monkeypatch):
    settings.ENGINE_MAX_SECONDS = 30.0
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n].ravel(), b[:n].ravel())[0, 1])


def test_it_answers_the_references_stem_body_with_only_two_queued_stem_clips(client, engine_key):
    song = sung_song(client, engine_key)
    answer = generate(
        client,
        engine_key,
        {"task": "gen_stem", "mv": "chirp-auk", "continue_clip_id": song["id"], "stem_task": "two"},
    )
    assert set(answer) == {"clips"}
    vocals, instrumental = answer["clips"]
    assert (vocals["status"], instrumental["status"]) == ("queued", "queued")
    assert (vocals["title"], instrumental["title"]) == ("Winter - Vocals", "Winter - Instrumental")
    for clip in (vocals, instrumental):
        assert clip["metadata"]["type"] == "stem" and clip["metadata"]["stem_from_id"] == song["id"]
        assert clip["metadata"]["duration"] == song["metadata"]["duration"]
        assert clip["model_name"] == clip["major_model_version"] == ""
    assert vocals["metadata"]["prompt"] == song["metadata"]["prompt"]
    assert instrumental["metadata"]["prompt"] == ""


def test_the_vocals_and_the_instrumental_sum_to_the_mix(client, engine_key):
    song = sung_song(client, engine_key, tags="heavy metal")
    vocals, instrumental = stems_of(client, engine_key, song["id"])
    mix, v, i = decoded(client, song), decoded(client, vocals), decoded(client, instrumental)
    summed = _corr(v + i, mix)
    print(f"stems: corr(vocals + instrumental, mix) = {summed:.5f}")
    assert summed > 0.99
    # each stem is its own part: the voice is not in the band's stem, nor the band in the voice's
    apart = _corr(v, i)
    v_rms, i_rms = float(np.sqrt((v**2).mean())), float(np.sqrt((i**2).mean()))
    print(
        f"stems: corr(vocals, instrumental) = {apart:.3f}, rms vocals {v_rms:.3f}, instrumental {i_rms:.3f}"
    )
    assert abs(apart) < 0.2 and v_rms > 0.02 and i_rms > 0.02


def test_an_instrumental_song_has_a_silent_vocal_stem(client, engine_key):
    song = sung_song(client, engine_key, make_instrumental=True)
    vocals, instrumental = stems_of(client, engine_key, song["id"])
    v, i, mix = decoded(client, vocals), decoded(client, instrumental), decoded(client, song)
    assert float(np.abs(v).max()) < 1e-3
    assert _corr(i, mix) > 0.999


def test_the_task_format_makes_stems_too(client, engine_key):
    song = sung_song(client, engine_key)
    _, clips = make_song(client, engine_key, task="gen_stem", mv="chirp-auk", continue_clip_id=song["id"])
    assert [c["title"] for c in clips] == ["Winter - Vocals", "Winter - Instrumental"]
    assert all(c["status"] == "complete" and c["metadata"]["type"] == "stem" for c in clips)
    assert feed(client, engine_key, clips[0]["id"])[0]["id"] == clips[0]["id"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"mv": "chirp-auk"}, "task gen_stem needs continue_clip_id"),
        ({"mv": "chirp-auk", "continue_clip_id": "nope"}, "continue_clip_id nope not found"),
        ({"mv": "chirp-v3-5", "continue_clip_id": "x"}, "task gen_stem takes mv chirp-auk"),
    ],
)
def test_it_refuses_a_stem_request_without_a_clip_it_can_separate(client, engine_key, body, message):
    response = post(client, "/suno/generate", {"task": "gen_stem", **body}, engine_key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request" and message in response.json()["message"]


def test_it_refuses_to_separate_an_upload_or_a_stem(client, engine_key, monkeypatch):
    from engine.api import uploads
    from engine.jobs import media, storage
    from engine.music.composer import compose

    song = compose(tags="pop", title="Up", seed=3, instrumental=True, max_seconds=4.0)
    monkeypatch.setattr(
        uploads, "fetch_url", lambda url: (media.encode_wav(song.audio, storage.SAMPLE_RATE), "a.wav")
    )
    upload = post(
        client, "/sunoapi/uploads/audio-url", {"url": "http://example.com/a.wav"}, engine_key
    ).json()
    body = {"task": "gen_stem", "mv": "chirp-auk", "continue_clip_id": upload["clip_id"]}
    answer = post(client, "/suno/generate", body, engine_key).json()
    assert "is an upload" in answer["message"]
    vocals, _ = stems_of(client, engine_key, sung_song(client, engine_key)["id"])
    answer = post(client, "/suno/generate", {**body, "continue_clip_id": vocals["id"]}, engine_key).json()
    assert "already a stem" in answer["message"]


def test_the_vocal_stem_is_timed_like_its_source_and_the_instrumental_has_no_words(client, engine_key):
    song = sung_song(client, engine_key)
    vocals, instrumental = stems_of(client, engine_key, song["id"])

    def words(clip_id):
        return client.get(f"/suno/act/timing/{clip_id}", **engine_key).json()["aligned_words"]

    assert words(vocals["id"]) == words(song["id"]) != []
    assert words(instrumental["id"]) == []


def test_a_whole_song_joined_from_a_continuation_separates_too(client, engine_key):
    song = sung_song(client, engine_key)
    body = {"prompt": "[Verse]\nSpring will come and melt the snow", "tags": "pop", "title": "Winter"}
    _, (part, _) = make_song(client, engine_key, continue_clip_id=song["id"], continue_at=12.0, **body)
    answer = post(client, "/suno/generate/concat", {"clip_id": part["id"], "is_infill": False}, engine_key)
    whole = feed(client, engine_key, answer.json()["clips"][0]["id"])[0]
    vocals, instrumental = stems_of(client, engine_key, whole["id"])
    mix, v, i = decoded(client, whole), decoded(client, vocals), decoded(client, instrumental)
    summed = _corr(v + i, mix)
    # the voice is there on both sides of the join (12 s), and silent in the bar of fill around it
    rms = [float(np.sqrt((v[int(a * 44100) : int(b * 44100)] ** 2).mean())) for a, b in ((2, 12), (13, 40))]
    print(f"stems of a concat: corr(vocals + instrumental, mix) = {summed:.5f}; vocal rms {rms}")
    assert summed > 0.99 and min(rms) > 0.02
