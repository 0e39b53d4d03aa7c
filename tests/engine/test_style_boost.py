"""Style boost (POST /suno/act/tags, docs/protocol.md 7.7): a few words become a full description that the
composer then follows (genre, tempo range, mode, singer)."""

from __future__ import annotations

import re

import pytest

from engine.jobs import lifecycle
from engine.music import boost, composer
from engine.music.genres import PROFILES, mood_mode, pick_genre, tempo_span
from tests.engine.helpers import SONG_LYRICS, make_song, post

# Task ids seed the music: these tests measure sound, so they hear the same, once-verified songs every run.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_ids")]

# short style -> the genre the composer must pick from its boosted text
SHORT_STYLES = {
    "student": "pop", "heavy metal": "metal", "pop punk": "punk", "lofi": "lofi", "chill": "lofi",
    "trap": "trap", "hip hop": "trap", "house": "edm", "edm": "edm", "ambient": "ambient",
    "ballad": "ballad", "rock": "rock", "sad love song": "ballad", "party": "edm", "sleep": "ambient",
    "摇滚": "rock", "说唱": "trap", "乡愁": "ballad", "电子": "edm", "流行 女声": "pop", "朋克": "punk",
    "金属": "metal", "低保真": "lofi", "氛围": "ambient", "抒情": "ballad",
}  # fmt: skip
_HAN = re.compile(r"[\u4e00-\u9fff]")


def boosted(client, headers, words: str) -> str:
    response = post(client, "/suno/act/tags", {"original_tags": words}, headers)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == {"upsampled_tags", "request_id"}
    return answer["upsampled_tags"]


def test_it_answers_the_references_example_with_a_full_english_description(client, engine_key):
    text = boosted(client, engine_key, "student")
    assert len(text) > 120 and not _HAN.search(text)
    assert re.search(r"\bpop\b", text) and re.search(r"vocals", text) and "tempo" in text.lower()
    assert boosted(client, engine_key, "student") == text  # deterministic


@pytest.mark.parametrize("words, genre", SHORT_STYLES.items())
def test_the_composer_follows_every_boosted_style(words, genre):
    text = boost.upsample(words)
    assert bool(_HAN.search(text)) == bool(_HAN.search(words))  # Chinese in, Chinese out
    assert pick_genre(text) == genre, text
    plan = composer.make_plan(tags=text, lyrics="", title="t", seed=1, instrumental=True, max_seconds=60)
    low, high = tempo_span(PROFILES[genre].bpm, text)
    assert plan.profile.name == genre and low <= plan.bpm <= high


@pytest.mark.parametrize(
    "words, slow, mode",
    [("slow sad piano", True, "minor"), ("happy upbeat pop", False, "major"), ("忧伤 慢", True, "minor")],
)
def test_boosted_mood_and_tempo_words_steer_the_mode_and_the_tempo_range(words, slow, mode):
    text = boost.upsample(words)
    assert mood_mode(text) == mode
    genre = pick_genre(text)
    lo, hi = PROFILES[genre].bpm
    assert tempo_span((lo, hi), text) == ((lo, (lo + hi) // 2) if slow else ((lo + hi) // 2, hi))


def test_a_song_made_from_a_boosted_style_has_its_genre_tempo_and_singer(
    client, engine_key, settings, monkeypatch
):
    settings.ENGINE_MAX_SECONDS = 20.0
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)
    made = {}
    for words in ("slow sad female ballad", "摇滚 男声"):
        tags = boosted(client, engine_key, words)
        _, clips = make_song(client, engine_key, prompt=SONG_LYRICS, tags=tags, mv="chirp-auk", title="B")
        made[words] = clips[0]["metadata"]["engine"]
        print(f"boost: {words!r} -> {tags!r} -> {made[words]['genre']} {made[words]['bpm']:.0f} bpm "
              f"{made[words]['mode']}, voice {made[words]['voice']['gender']}")  # fmt: skip
    ballad, rock = made["slow sad female ballad"], made["摇滚 男声"]
    assert (ballad["genre"], ballad["mode"], ballad["voice"]["gender"]) == ("ballad", "minor", "f")
    assert ballad["bpm"] <= sum(PROFILES["ballad"].bpm) // 2  # the slow half
    assert (rock["genre"], rock["voice"]["gender"]) == ("rock", "m")
    assert PROFILES["rock"].bpm[0] <= rock["bpm"] <= PROFILES["rock"].bpm[1]


@pytest.mark.parametrize("body", [{}, {"original_tags": ""}, {"original_tags": "  "}, {"original_tags": 5}])
def test_it_refuses_a_request_without_words(client, engine_key, body):
    response = post(client, "/suno/act/tags", body, engine_key)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    assert "original_tags" in response.json()["message"]


def test_it_needs_the_key(client):
    assert post(client, "/suno/act/tags", {"original_tags": "rock"}, {}).status_code == 401
