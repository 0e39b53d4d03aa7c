"""Finer control: vocal_gender on every model; duration, style_weight and weirdness_constraint on the newest
(chirp-crow, chirp-fenix, chirp-v6); out of range or on other models refused with invalid_request."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jobs import lifecycle
from engine.models import EngineClip
from engine.music import composer
from engine.music.genres import PROFILES
from engine.music.plan import Controls
from tests.engine.helpers import SONG_LYRICS, decoded, make_song, pitch, post, stems_of

# Task ids seed the music: these tests measure sound, so they hear the same, once-verified songs every run.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_ids")]


@pytest.fixture(autouse=True)
def songs(settings, monkeypatch):
    settings.ENGINE_MAX_SECONDS = 60.0
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


def song(client, headers, **body) -> dict:
    _, clips = make_song(client, headers, **{"prompt": SONG_LYRICS, "tags": "pop", **body})
    return clips[0]


def test_vocal_gender_picks_the_singers_register_and_formants(client, engine_key):
    heard = {}
    for gender in ("f", "m"):
        clip = song(client, engine_key, vocal_gender=gender, mv="chirp-v4")
        voice = clip["metadata"]["engine"]["voice"]
        assert voice["gender"] == gender
        mono = decoded(client, stems_of(client, engine_key, clip["id"])[0]).mean(axis=1)
        notes = EngineClip.objects.get(id=clip["id"]).score["notes"]
        heard[gender] = (float(np.median([pitch(mono, n[2], n[3]) for n in notes])), voice["formant"])
    print(f"vocal_gender: median sung pitch f {heard['f'][0]:.1f}, m {heard['m'][0]:.1f} (MIDI)")
    assert heard["f"][0] - heard["m"][0] >= 6 and heard["f"][1] > 1.0 > heard["m"][1]


def test_a_target_duration_sets_the_songs_length_on_the_newest_models(client, engine_key):
    for target in (25.0, 50.0):
        clip = song(client, engine_key, mv="chirp-crow", duration=target, prompt="[Verse]\nOne short line")
        bar = clip["metadata"]["engine"]["bar_seconds"]
        print(f"duration: asked {target:g} s, got {clip['metadata']['duration']:.2f} s (bar {bar:.2f} s)")
        assert target - bar - 0.01 <= clip["metadata"]["duration"] <= target + 0.01


def _leaps(variety: float) -> float:
    """Mean size (semitones) of the steps between a line's notes, over ten songs."""
    steps = []
    for seed in range(10):
        made = composer.compose(
            tags="pop", lyrics=SONG_LYRICS, seed=seed, max_seconds=40, controls=Controls(variety=variety)
        )
        notes = made.notes
        steps += [abs(b[4] - a[4]) for a, b in zip(notes, notes[1:], strict=False) if a[0] == b[0]]
    return float(np.mean(steps))


def test_weirdness_widens_the_tunes_leaps_and_the_request_reaches_the_composer(client, engine_key):
    tame, usual, weird = _leaps(0.0), _leaps(0.5), _leaps(1.0)
    print(f"weirdness: mean melodic step {tame:.2f} / {usual:.2f} / {weird:.2f} semitones at 0 / 0.5 / 1")
    assert tame < usual < weird
    clip = song(client, engine_key, mv="chirp-fenix", weirdness_constraint=1.0)
    args = EngineClip.objects.get(id=clip["id"]).score["args"]
    assert args["controls"]["variety"] == 1.0


def test_style_weight_tightens_or_loosens_how_closely_the_tempo_follows_the_tags():
    def tempos(weight):
        return [
            composer.make_plan(
                tags="slow ballad", lyrics="", title="t", seed=s, instrumental=True, max_seconds=60,
                controls=Controls(style_weight=weight),
            ).bpm
            for s in range(40)
        ]  # fmt: skip

    lo, hi = PROFILES["ballad"].bpm  # 64-84; "slow" asks for 64-74
    strict, usual, loose = tempos(1.0), tempos(None), tempos(0.0)
    print(f"style_weight: tempo spans strict {min(strict):g}-{max(strict):g}, usual {min(usual):g}-"
          f"{max(usual):g}, loose {min(loose):g}-{max(loose):g}")  # fmt: skip
    assert max(strict) - min(strict) < max(usual) - min(usual) < max(loose) - min(loose)
    assert max(usual) <= (lo + hi) // 2 and max(loose) > (lo + hi) // 2


@pytest.mark.parametrize(
    "body, message",
    [
        ({"mv": "chirp-v4", "duration": 30}, "only chirp-crow, chirp-fenix, chirp-v6 take these"),
        ({"mv": "chirp-auk", "style_weight": 0.5}, "only chirp-crow"),
        ({"mv": "chirp-crow", "duration": 5}, "duration must be from 10 to 60 s"),
        ({"mv": "chirp-crow", "duration": 61}, "this engine renders at most 60 s"),
        ({"mv": "chirp-crow", "duration": "30"}, "duration must be a number"),
        ({"mv": "chirp-crow", "style_weight": 1.5}, "style_weight must be from 0 to 1"),
        ({"mv": "chirp-v6", "weirdness_constraint": -0.1}, "weirdness_constraint must be from 0 to 1"),
        ({"mv": "chirp-v4", "vocal_gender": "x"}, 'vocal_gender must be "m" or "f"'),
    ],
)
def test_it_refuses_controls_out_of_range_or_on_older_models(client, engine_key, body, message):
    response = post(client, "/suno/submit/music", {"tags": "pop", **body}, engine_key)
    assert response.status_code == 400 and message in response.json()["message"]


def test_sunoapi_org_camel_case_names_are_accepted_too(client, engine_key):
    clip = song(
        client, engine_key, mv="chirp-crow", vocalGender="f", styleWeight=0.9, weirdnessConstraint=0.2
    )
    controls = EngineClip.objects.get(id=clip["id"]).score["args"]["controls"]
    assert clip["metadata"]["engine"]["voice"]["gender"] == "f"
    assert (controls["style_weight"], controls["variety"]) == (0.9, 0.2)
