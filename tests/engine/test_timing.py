"""Lyric timing (GET /suno/act/timing/<clip>, docs/protocol.md 7.6): the words as the engine sang them."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jobs import lifecycle, storage
from engine.jobs.score import lyric_words
from tests.engine.helpers import SONG_LYRICS, decoded, make_song, post, stems_of, sung_song

# Task ids seed the music: these tests measure sound, so they hear the same, once-verified songs every run.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_ids")]

SR = storage.SAMPLE_RATE


@pytest.fixture(autouse=True)
def short_songs(settings, monkeypatch):
    settings.ENGINE_MAX_SECONDS = 30.0
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


def timing(client, headers, clip_id: str) -> dict:
    response = client.get(f"/suno/act/timing/{clip_id}", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def onsets(audio: np.ndarray, reach: int = 8) -> np.ndarray:
    """Times (s) where the voice starts something: peaks of the spectral flux (log magnitudes, 200 Hz to
    6 kHz, 20 ms frames every 5 ms) a standard deviation above its local mean, at most one per 80 ms.
    The voice's echo and reverb make onsets of their own, so this finds more than the sung notes."""
    hop, size = SR // 200, 882
    mono = audio.mean(axis=1)
    count = 1 + (len(mono) - size) // hop
    frames = np.lib.stride_tricks.sliding_window_view(mono, size)[::hop][:count] * np.hanning(size)
    spec = np.log1p(100 * np.abs(np.fft.rfft(frames, axis=1))[:, 4:120])
    flux = np.concatenate([[0.0, 0.0], np.maximum(spec[2:] - spec[:-2], 0).sum(axis=1)])
    flux -= np.convolve(flux, np.ones(61) / 61, mode="same")
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(flux, reach, mode="edge"), 2 * reach + 1)
    peaks = (flux > flux.std()) & (flux >= windows.max(axis=1))
    return (np.flatnonzero(peaks) * hop + size / 2) / SR


def test_it_answers_the_references_shape_with_the_words_in_lyric_order(client, engine_key, settings):
    settings.ENGINE_MAX_SECONDS = 60.0
    song = sung_song(client, engine_key)
    answer = timing(client, engine_key, song["id"])
    assert set(answer) == {"aligned_words", "waveform_data", "hoot_cer", "is_streamed"}
    words = answer["aligned_words"]
    assert set(words[0]) == {"word", "success", "start_s", "end_s", "p_align"}
    assert words[0]["word"] == "[Verse]\nWinter " and words[1]["word"] == "winds "
    assert words[5]["word"] == "deep\n"
    # the words joined are the lyrics: tags and blank lines ride on the next word
    assert "".join(w["word"] for w in words) == SONG_LYRICS
    sung = [w for w in words if w["success"]]
    assert len(sung) == len(words)  # a 60 s render sings all 8 lines
    starts = [w["start_s"] for w in sung]
    assert starts == sorted(starts) and all(w["start_s"] < w["end_s"] for w in sung)
    assert starts[0] > 0 and sung[-1]["end_s"] <= song["metadata"]["duration"]
    assert all(w["p_align"] == 1.0 for w in sung) and answer["hoot_cer"] == 0.0
    assert len(answer["waveform_data"]) == int(song["metadata"]["duration"] * 10)


@pytest.mark.parametrize("tags", ["pop", "heavy metal"])
def test_the_word_times_are_the_onsets_heard_in_the_vocal_stem(client, engine_key, settings, tags):
    settings.ENGINE_MAX_SECONDS = 60.0
    song = sung_song(client, engine_key, tags=tags)
    words = [w for w in timing(client, engine_key, song["id"])["aligned_words"] if w["success"]]
    vocals, _ = stems_of(client, engine_key, song["id"])
    heard = onsets(decoded(client, vocals))
    starts = np.array([w["start_s"] for w in words])
    errors = np.min(np.abs(heard[None, :] - starts[:, None]), axis=1)
    # control: with every time moved by a quarter of a second the same measure finds far fewer onsets
    # (not none: the voice's echo and its next syllables make onsets everywhere)
    shifted = np.min(np.abs(heard[None, :] - starts[:, None] - 0.25), axis=1)
    print(
        f"timing ({tags}): {len(words)} words, {len(heard)} onsets;"
        f" error median {1000 * np.median(errors):.1f} ms,"
        f" max {1000 * errors.max():.1f} ms; within 80 ms {np.mean(errors <= 0.08):.0%}"
        f" (times + 250 ms: {np.mean(shifted <= 0.08):.0%})"
    )
    # every word starts where the singer starts it (issue 17: within 80 ms of the stem's onsets)
    assert np.all(errors <= 0.08) and np.median(errors) <= 0.02
    assert np.mean(shifted <= 0.08) <= 0.7 * np.mean(errors <= 0.08)


def test_words_cut_off_by_the_length_limit_are_listed_unsung(client, engine_key, settings):
    settings.ENGINE_MAX_SECONDS = 12.0
    song = sung_song(client, engine_key)
    words = timing(client, engine_key, song["id"])["aligned_words"]
    assert "".join(w["word"] for w in words) == SONG_LYRICS
    flags = [w["success"] for w in words]
    assert flags[0] and not flags[-1] and flags == sorted(flags, reverse=True)
    assert all(w["p_align"] == 0.0 and w["start_s"] <= 12.0 for w in words if not w["success"])


def test_chinese_lyrics_are_timed_one_character_at_a_time(client, engine_key):
    lyrics = "[Verse]\n连续的日子一直忙碌\n不知道为了什么"
    song = sung_song(client, engine_key, prompt=lyrics, tags="流行")
    words = timing(client, engine_key, song["id"])["aligned_words"]
    assert [w["word"] for w in words][:3] == ["[Verse]\n连", "续", "的"]
    assert len(words) == 16 and all(w["success"] for w in words)
    assert "".join(w["word"] for w in words) == lyrics


def test_an_instrumental_has_no_words(client, engine_key):
    song = sung_song(client, engine_key, make_instrumental=True)
    assert timing(client, engine_key, song["id"])["aligned_words"] == []


def test_a_continuation_is_timed_on_its_own_audio_and_a_concat_on_the_whole_song(client, engine_key):
    song = sung_song(client, engine_key)
    at = 14.0
    body = {"prompt": "[Verse]\nSpring will come and melt the snow", "tags": "pop", "title": "Winter"}
    _, (part, _) = make_song(client, engine_key, continue_clip_id=song["id"], continue_at=at, **body)
    words = timing(client, engine_key, part["id"])["aligned_words"]
    assert [w["word"] for w in words] == [
        "[Verse]\nSpring ",
        "will ",
        "come ",
        "and ",
        "melt ",
        "the ",
        "snow",
    ]
    fill = part["metadata"]["engine"]["bar_offset"]  # the source's audio up to the next bar line
    assert all(w["success"] for w in words) and words[0]["start_s"] >= fill
    whole = post(
        client, "/suno/submit/concat", {"clip_id": part["id"], "is_infill": False}, engine_key
    ).json()
    task = client.get(f"/suno/fetch/{whole['data']}", **engine_key).json()["data"]
    joined = timing(client, engine_key, task["data"][0]["id"])["aligned_words"]
    before = [w for w in timing(client, engine_key, song["id"])["aligned_words"] if w["start_s"] < at]
    assert [w["word"] for w in joined] == [w["word"] for w in before] + [w["word"] for w in words]
    assert joined[len(before)]["start_s"] == pytest.approx(at + words[0]["start_s"], abs=0.002)


def test_it_refuses_unknown_and_unfinished_clips(client, engine_key, settings):
    response = client.get("/suno/act/timing/nope", **engine_key)
    assert response.status_code == 400 and "clip nope not found" in response.json()["message"]
    assert client.get("/suno/act/timing/nope").status_code == 401


def test_lyric_words_keep_punctuation_on_its_word():
    words = lyric_words("Hello, world!  Again\n\n[Chorus]\n你好，世界")
    assert [w[0] for w in words] == ["Hello, ", "world!  ", "Again\n", "\n[Chorus]\n你", "好，", "世", "界"]
    assert [w[3] for w in words] == [2, 1, 2, 1, 1, 1, 1]


def test_the_sunoapi_concat_answers_its_clip_and_the_whole_song_is_timed(client, engine_key):
    from tests.engine.helpers import feed

    song = sung_song(client, engine_key)
    body = {"prompt": "[Verse]\nSpring will come", "tags": "pop", "title": "Winter", "task": "extend"}
    _, (part, _) = make_song(client, engine_key, continue_clip_id=song["id"], continue_at=10.0, **body)
    body = {"clip_id": part["id"], "is_infill": False}
    answer = post(client, "/suno/generate/concat", body, engine_key).json()
    assert answer["clips"][0]["status"] == "submitted" and answer["batch_size"] == 1
    whole = feed(client, engine_key, answer["clips"][0]["id"])[0]
    assert whole["status"] == "complete" and whole["metadata"]["type"] == "concat"
    words = timing(client, engine_key, whole["id"])["aligned_words"]
    assert [w["word"] for w in words][-3:] == ["[Verse]\nSpring ", "will ", "come"]
    assert words[-3]["start_s"] > 10.0  # on the whole song's timeline, after the cut
