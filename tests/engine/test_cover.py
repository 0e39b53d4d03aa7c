"""Covers (task cover, docs/protocol.md 7.1): the same words and tune, measurably in another style."""

from __future__ import annotations

import numpy as np
import pytest

from engine.api import uploads
from engine.jobs import lifecycle, media, storage
from engine.models import EngineClip
from engine.music import analysis, composer
from tests.engine.helpers import SONG_LYRICS, decoded, feed, generate, pitch, post, stems_of, sung_song

# Task ids seed the music: these tests measure sound, so they hear the same, once-verified songs every run.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_ids")]

SR = storage.SAMPLE_RATE


@pytest.fixture(autouse=True)
def songs(settings, monkeypatch):
    settings.ENGINE_MAX_SECONDS = 60.0
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


def cover_of(client, headers, clip_id: str, **overrides) -> dict:
    """The reference's cover body (scenario 7) for one of our clips; the first complete cover clip."""
    body = {
        "prompt": SONG_LYRICS, "generation_type": "TEXT", "tags": "rock, punk", "negative_tags": "",
        "mv": "chirp-v4-tau", "title": "Winter (Cover)", "continue_clip_id": None, "continue_at": None,
        "continued_aligned_prompt": None, "infill_start_s": None, "infill_end_s": None,
        "task": "cover", "cover_clip_id": clip_id, **overrides,
    }  # fmt: skip
    answer = generate(client, headers, body)
    assert answer["clips"][0]["metadata"]["task"] == "cover"
    return feed(client, headers, answer["clips"][0]["id"])[0]


def notes(clip: dict) -> dict[tuple[int, int], tuple[float, float, int]]:
    """(line, syllable) -> (onset s, offset s, midi): the notes the engine stored for the clip."""
    return {(n[0], n[1]): (n[2], n[3], n[4]) for n in EngineClip.objects.get(id=clip["id"]).score["notes"]}


def test_a_cover_sings_the_same_tune_in_another_genre_and_tempo(client, engine_key):
    source = sung_song(client, engine_key)  # pop
    cover = cover_of(client, engine_key, source["id"])
    assert cover["metadata"]["cover_clip_id"] == source["id"] and cover["metadata"]["type"] == "gen"
    old, new = source["metadata"]["engine"], cover["metadata"]["engine"]
    assert (old["genre"], new["genre"]) == ("pop", "punk") and new["cover_of"] == source["id"]
    # the plan: every syllable on the same pitch at the same moment (punk plays each pop bar as two bars)
    a, b = notes(source), notes(cover)
    common = sorted(set(a) & set(b))
    assert len(common) == len(a)
    assert [a[k][2] for k in common] == [b[k][2] for k in common]
    assert new["bpm"] == 2 * old["bpm"]
    assert max(abs(a[k][0] - b[k][0]) for k in common) < 0.002
    length = source["metadata"]["duration"]
    assert abs(cover["metadata"]["duration"] - length) < 0.05 * length  # as long as its source
    # the audio: the pitch sung at each note, measured in both vocal stems
    heard = []
    for clip, plan in ((source, a), (cover, b)):
        mono = decoded(client, stems_of(client, engine_key, clip["id"])[0]).mean(axis=1)
        heard.append(np.array([pitch(mono, plan[k][0], plan[k][1]) for k in common]))
    contour = float(np.corrcoef(heard[0], heard[1])[0, 1])
    written = np.array([a[k][2] for k in common])
    accuracy = float(np.median(np.abs(heard[0] - written)))
    windows = [composer.tempo_window(g) for g in (old["genre"], new["genre"])]
    tempo = [
        analysis.estimate_tempo(decoded(client, c), SR, lo=w[0], hi=w[1])
        for c, w in zip((source, cover), windows, strict=True)
    ]
    centroid = [analysis.spectral_centroid(decoded(client, c), SR) for c in (source, cover)]
    print(
        f"cover: {len(common)} notes; measured pitch contour corr {contour:.3f} (median error vs score "
        f"{accuracy:.2f} semitones); tempo {old['bpm']:.0f} -> {new['bpm']:.0f} bpm (measured {tempo[0]:.1f} "
        f"-> {tempo[1]:.1f}); spectral centroid {centroid[0]:.0f} -> {centroid[1]:.0f} Hz"
    )
    assert contour > 0.95 and accuracy < 0.3
    assert abs(tempo[1] - tempo[0]) > 20 and abs(centroid[1] - centroid[0]) > 150


def test_a_cover_of_an_upload_keeps_its_measured_tempo_and_key_and_sings_the_requests_words(
    client, engine_key, monkeypatch
):
    original = composer.compose(tags="edm", title="Club", seed=9, instrumental=True, max_seconds=20.0)
    wav = media.encode_wav(original.audio, SR)
    monkeypatch.setattr(uploads, "fetch_url", lambda url: (wav, "club.wav"))
    upload = post(client, "/sunoapi/uploads/audio-url", {"url": "http://example.com/club.wav"}, engine_key)
    measured = EngineClip.objects.get(id=upload.json()["clip_id"]).metadata["engine"]
    cover = cover_of(client, engine_key, upload.json()["clip_id"], tags="pop", mv="chirp-auk")
    style = cover["metadata"]["engine"]
    assert style["genre"] == "pop" and cover["metadata"]["has_vocal"]
    assert (style["key"], style["mode"]) == (measured["key"], measured["mode"])
    assert style["bpm"] == pytest.approx(measured["bpm"], abs=0.01)  # 127 bpm is in pop's range
    print(f"cover of an upload: measured {measured['bpm']} bpm {measured['key']} {measured['mode']}")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"cover_clip_id": None}, "task cover needs cover_clip_id"),
        ({"cover_clip_id": "nope"}, "cover_clip_id nope not found"),
        ({"mv": "chirp-v3-5"}, "task cover takes mv chirp-v4-tau"),
        ({"continue_clip_id": "x"}, "cover_clip_id, not continue_clip_id"),
    ],
)
def test_it_refuses_a_cover_it_cannot_make(client, engine_key, overrides, message):
    body = {"task": "cover", "cover_clip_id": "x", "mv": "chirp-v4-tau", "tags": "rock", **overrides}
    response = post(client, "/suno/generate", body, engine_key)
    assert response.status_code == 400 and message in response.json()["message"]


def test_plain_models_are_not_for_tau_and_tau_models_only_for_their_tasks(client, engine_key):
    response = post(client, "/suno/submit/music", {"tags": "pop", "mv": "chirp-v4-tau"}, engine_key)
    assert response.status_code == 400
    assert "chirp-v4-tau is for task cover, infill or artist_consistency" in response.json()["message"]
    unknown = post(client, "/suno/generate", {"tags": "pop", "task": "remix"}, engine_key).json()
    assert unknown["code"] == "invalid_request" and "task must be one of" in unknown["message"]


def test_the_v2_and_task_formats_take_the_cover_task_too(client, engine_key):
    from tests.engine.helpers import make_song

    source = sung_song(client, engine_key)
    body = {"task": "cover", "cover_clip_id": source["id"], "mv": "chirp-auk", "tags": "edm"}
    generation = post(client, "/suno/v2/generate", body, engine_key).json()
    assert generation["batch_size"] == 1 and generation["clips"][0]["metadata"]["task"] == "cover"
    _, clips = make_song(client, engine_key, **body, prompt="", title="")
    assert clips[0]["metadata"]["cover_clip_id"] == source["id"] and clips[0]["title"] == "Winter"
    assert clips[0]["metadata"]["engine"]["genre"] == "edm"
