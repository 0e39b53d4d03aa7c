"""Song form and length: the lyric's sections in order, 2-4 minutes by default within each model's limit, a
target duration kept, continuations that never shorten the song, covers as long as their source.

Plans are checked at full length (no audio is rendered for them); renders are short (ENGINE_MAX_SECONDS is
small in tests, raised here only as far as a rule needs), and `make bench` measures the real defaults.
"""

from __future__ import annotations

import pytest

from engine import catalog
from engine.jobs import render
from engine.models import EngineClip
from engine.music import composer, plan
from engine.words import lyricist
from tests.engine.helpers import feed, generate, make_song, post, sung_song

STYLES = ("pop", "rock", "punk", "heavy metal", "lofi chill", "edm", "trap", "ambient", "ballad", "")
EVERY_SECTION = (
    "[Intro]\n\n[Verse]\nWalking down the streets tonight\nBeneath the city lights so bright\n\n"
    "[Pre-Chorus]\nHear the sirens call my name\n\n"
    "[Chorus]\nCity lights, city lights\nShine on me tonight\n\n"
    "[Bridge]\nEvery road leads home again\n\n[Solo]\n\n"
    "[Chorus]\nCity lights, city lights\nShine on me tonight\n\n"
    "[Outro]\nShine on me"
)
SHORT = "[Verse]\nWalking down the streets\nBeneath the city lights"


def plan_seconds(song: plan.Plan) -> float:
    return sum(s.bars for s in song.sections) * song.bar_s + plan.TAIL_S


def lyric(seed: int) -> str:
    return lyricist.write_lyrics(prompt="rainy city nights", seed=seed)[1]


@pytest.mark.parametrize("tags", STYLES)
def test_a_default_song_runs_two_to_four_minutes_in_every_style(tags):
    for lyrics, instrumental in ((lyric(1), False), (lyric(2), False), (SHORT, False), ("", True)):
        song = plan.make_plan(
            tags=tags, lyrics=lyrics, title="Rain", seed=3, instrumental=instrumental, max_seconds=480
        )
        assert 120 <= plan_seconds(song) <= 240, (tags, lyrics[:20], plan_seconds(song))


def test_long_lyrics_take_longer_but_stay_within_the_model():
    lyrics = "\n\n".join(lyric(seed) for seed in range(1, 5))  # about 70 sung lines
    free = plan.make_plan(tags="pop", lyrics=lyrics, title="", seed=1, instrumental=False, max_seconds=480)
    assert plan_seconds(free) > 240
    for mv, longest in (("chirp-v3-5", 120), ("chirp-v4", 150), ("chirp-auk", 240), ("chirp-v6", 480)):
        assert catalog.longest_song(mv) == longest
        capped = plan.make_plan(
            tags="pop", lyrics=lyrics, title="", seed=1, instrumental=False, max_seconds=longest
        )
        assert plan_seconds(capped) <= longest and capped.sections[-1].role == "outro"


def test_the_engines_cap_and_the_models_limit_both_bound_a_clip(settings):
    settings.ENGINE_MAX_SECONDS = 200
    assert render.length_cap("chirp-v3-5") == 120 and render.length_cap("chirp-v6") == 200
    assert render.length_cap("no-such-model") == 200


def test_a_song_follows_its_lyrics_sections_in_order():
    song = plan.make_plan(
        tags="pop", lyrics=EVERY_SECTION, title="", seed=1, instrumental=False, max_seconds=480
    )
    written = ["Intro", "Verse", "Pre-Chorus", "Chorus", "Bridge", "Solo", "Chorus", "Outro"]
    roles = {"Intro": "intro", "Verse": "verse", "Pre-Chorus": "prechorus", "Chorus": "chorus"}
    roles |= {"Bridge": "bridge", "Solo": "inst", "Outro": "outro"}
    names = [s.name for s in song.sections]
    # the arrangement adds only instrumental parts (a hook after a chorus) between the lyric's sections
    assert [n for n in names if n in written] == written, names
    assert all(s.role == roles[s.name] for s in song.sections if s.name in written)
    assert all(s.role == "inst" and not s.lines for s in song.sections if s.name not in written)
    sung = [line for s in song.sections for line in s.lines]
    assert sung == [ln for ln in EVERY_SECTION.splitlines() if ln.strip() and not ln.startswith("[")]


@pytest.mark.parametrize("target", [12.0, 25.0, 41.5])
def test_a_target_duration_is_met_within_five_percent(settings, target):
    settings.ENGINE_MAX_SECONDS = 60
    for tags, lyrics in (("ambient", SHORT), ("punk", lyric(1))):  # lyrics shorter and longer than asked
        controls = composer.Controls(target_seconds=target)
        song = composer.compose(tags=tags, lyrics=lyrics, seed=2, max_seconds=target, controls=controls)
        assert abs(song.duration - target) <= 0.05 * target, (tags, song.duration)


db = pytest.mark.django_db(transaction=True)


def seconds(clip: dict) -> float:
    return float(clip["metadata"]["duration"])


def sections_of(clip_id: str) -> list[tuple[str, float]]:
    """(name, start s) of each section the engine planned for a clip, from the score it keeps."""
    args = EngineClip.objects.get(id=clip_id).score["args"]
    names = ("tags", "lyrics", "title", "seed", "instrumental", "max_seconds", "genre", "bpm", "key", "mode")
    song = plan.make_plan(
        **{k: args[k] for k in names}, intro=args["intro"], controls=plan.Controls(**args["controls"])
    )
    return [(s.name, s.start * song.bar_s) for s in song.sections]


@db
@pytest.mark.usefixtures("fixed_ids")
def test_continuing_never_makes_the_song_shorter_unless_asked(client, engine_key, settings):
    settings.ENGINE_MAX_SECONDS = 60  # long enough that two short lines alone would end the song sooner
    _, clips = make_song(client, engine_key, prompt=lyric(1), tags="pop", mv="chirp-v4")
    source = clips[0]
    assert seconds(source) > 50  # the cap's worth of song, ending like a song
    body = {
        "prompt": SHORT,
        "tags": "pop",
        "mv": "chirp-v4",
        "continue_clip_id": source["id"],
        "continue_at": 10,
    }
    made = post(client, "/suno/submit/music", body, engine_key).json()
    part = client.get(f"/suno/fetch/{made['data']}", **engine_key).json()["data"]["data"][0]
    # two short lines continue 35 s of song: the new part is at least as long as what it replaces
    assert 10 + seconds(part) >= seconds(source)

    asked = {**body, "mv": "chirp-v6", "duration": 15}
    made = post(client, "/suno/submit/music", asked, engine_key).json()
    shorter = client.get(f"/suno/fetch/{made['data']}", **engine_key).json()["data"]["data"][0]
    assert seconds(shorter) == pytest.approx(15, rel=0.05)  # asked for: a shorter ending


@db
@pytest.mark.usefixtures("fixed_ids")
@pytest.mark.parametrize("style", ["rock, punk", "ambient", "ballad"])
def test_a_cover_keeps_its_sources_length_and_sections(client, engine_key, settings, style):
    settings.ENGINE_MAX_SECONDS = 40
    source = sung_song(client, engine_key, prompt=EVERY_SECTION)
    body = {"task": "cover", "cover_clip_id": source["id"], "tags": style, "mv": "chirp-auk", "prompt": ""}
    answer = generate(client, engine_key, body)
    cover = feed(client, engine_key, answer["clips"][0]["id"])[0]
    old, new = source["metadata"]["engine"], cover["metadata"]["engine"]
    assert new["genre"] != old["genre"] and new["bpm"] != old["bpm"]
    length = seconds(source)
    assert abs(seconds(cover) - length) <= 0.05 * length
    before, after = sections_of(source["id"]), sections_of(cover["id"])
    assert [name for name, _ in after] == [name for name, _ in before]
    assert all(abs(a - b) <= 0.05 * length for (_, a), (_, b) in zip(before, after, strict=True))
