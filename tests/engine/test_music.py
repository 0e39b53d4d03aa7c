"""The built-in engine: composer, media, lyricist and analysis (no database, small renders)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import wave

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from engine.jobs import media
from engine.music import analysis, composer
from engine.words import lyricist

LYRICS = """[Verse]
Rainy city nights and the neon glow
Walking down the avenue where the taxis go

[Chorus]
Oh the rainy city nights
Underneath the silver lights

[Bridge]
I would give it all

[Chorus]
Oh the rainy city nights
Underneath the silver lights
"""


def _render(**kwargs) -> composer.Song:
    args = {"tags": "pop", "lyrics": LYRICS, "title": "Rain", "seed": 1, "max_seconds": 5.0}
    return composer.compose(**{**args, **kwargs})


def test_it_returns_a_stereo_float32_song_with_json_meta():
    song = _render()
    assert song.audio.dtype == np.float32
    assert song.audio.ndim == 2 and song.audio.shape[1] == 2
    assert 0.5 < float(np.abs(song.audio).max()) <= 1.0
    assert song.duration == pytest.approx(5.0, abs=0.01)
    meta = json.loads(json.dumps(song.meta))
    assert meta["genre"] == "pop" and meta["instrumental"] is False
    assert meta["key"] in composer.NOTE_NAMES and meta["mode"] in ("major", "minor")
    assert isinstance(meta["bpm"], float)
    assert meta["bar_seconds"] == pytest.approx(240 / meta["bpm"], rel=1e-4)
    assert meta["duration"] == pytest.approx(song.duration, abs=0.01)
    assert meta["seed"] == 1


def test_it_renders_deterministically():
    first, again = _render(seed=7), _render(seed=7)
    assert first.audio.tobytes() == again.audio.tobytes()
    assert first.meta == again.meta
    other = _render(seed=8)
    assert not np.array_equal(other.audio, first.audio)


def test_mp3_round_trip_keeps_duration_and_is_audible():
    song = _render(max_seconds=6.0)
    mp3 = media.encode_mp3(song.audio, song.sample_rate)
    assert mp3[:3] == b"ID3" or mp3[0] == 0xFF
    decoded, rate = media.decode_audio(mp3)
    assert rate == song.sample_rate and decoded.shape[1] == 2
    assert len(decoded) / rate == pytest.approx(song.duration, abs=0.1)
    assert media.audio_duration(mp3) == pytest.approx(song.duration, abs=0.1)
    assert analysis.loudness_dbfs(decoded) > -35.0
    # the encoder delay is what the constant says it is: the decoded audio lines up after trimming it
    trimmed = decoded[media.LAME_DELAY_SAMPLES : media.LAME_DELAY_SAMPLES + 44100, 0]
    assert np.corrcoef(trimmed, song.audio[:44100, 0])[0, 1] > 0.9


def test_wav_round_trip_and_mono_becomes_stereo():
    song = _render(max_seconds=2.0)
    wav = media.encode_wav(song.audio, song.sample_rate)
    decoded, rate = media.decode_audio(wav)
    assert rate == 44100 and np.allclose(decoded, song.audio, atol=1 / 16000)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes((np.sin(np.arange(22050) * 0.05) * 8000).astype("<i2").tobytes())
    mono, rate = media.decode_audio(buf.getvalue())
    assert rate == 22050 and mono.shape == (22050, 2) and np.allclose(mono[:, 0], mono[:, 1])
    assert media.audio_duration(buf.getvalue()) == pytest.approx(1.0)


def test_instrumental_has_no_voice_and_lyrics_add_one():
    instrumental = _render(instrumental=True, max_seconds=20.0)  # past the intro (about 8 s)
    no_lyrics = _render(instrumental=True, lyrics="", max_seconds=20.0)
    assert instrumental.meta["instrumental"] is True
    # instrumental ignores the lyrics entirely: nothing of them (no voice) reaches the audio
    assert np.array_equal(instrumental.audio, no_lyrics.audio)
    sung = _render(max_seconds=20.0)
    assert sung.meta["bpm"] == instrumental.meta["bpm"] and sung.meta["key"] == instrumental.meta["key"]
    assert not np.array_equal(sung.audio, instrumental.audio)


def test_voice_sings_one_note_per_syllable_including_cjk():
    assert len(composer.syllables("乡愁是一湾浅浅的海峡")) == 10
    assert len(composer.syllables("Walking down the avenue")) in (6, 7)
    lyrics = "[Verse]\n乡愁是一湾浅浅的海峡\n我在这头"
    chinese = composer.compose(tags="ballad", lyrics=lyrics, seed=2, max_seconds=8)
    silent = composer.compose(tags="ballad", lyrics=lyrics, seed=2, max_seconds=8, instrumental=True)
    assert not np.array_equal(chinese.audio, silent.audio)


@pytest.mark.parametrize(
    ("tags", "genre"),
    [
        ("heavy metal", "metal"),
        ("lofi chill piano", "lofi"),
        ("emotional punk", "punk"),
        ("ambient", "ambient"),
        ("deep house", "edm"),
        ("techno", "edm"),
        ("hip hop", "trap"),
        ("piano ballad", "ballad"),
        ("pop", "pop"),
        ("pop punk", "punk"),
        ("classic rock", "rock"),
        ("trapped in a demo", "default"),
        ("", "default"),
        ("polka", "default"),
    ],
)
def test_genre_is_picked_from_the_tags(tags, genre):
    assert composer.pick_genre(tags) == genre
    assert genre in composer.GENRES


@pytest.mark.parametrize("tags", ["heavy metal", "ambient", "lofi chill piano", "emotional punk", "edm"])
def test_genre_tempo_is_measurable(tags):
    song = composer.compose(tags=tags, title="Tempo", seed=3, instrumental=True, max_seconds=14.0)
    genre = song.meta["genre"]
    lo, hi = composer.PROFILES[genre].bpm
    assert lo <= song.meta["bpm"] <= hi
    window = composer.tempo_window(genre)
    measured = analysis.estimate_tempo(song.audio, song.sample_rate, lo=window[0], hi=window[1])
    assert measured == pytest.approx(song.meta["bpm"], rel=0.03)
    assert lo * 0.97 <= measured <= hi * 1.03


def test_genres_differ_in_tempo_and_brightness():
    metal = composer.compose(tags="heavy metal", seed=4, instrumental=True, max_seconds=10.0)
    ambient = composer.compose(tags="ambient", seed=4, instrumental=True, max_seconds=10.0)
    lofi = composer.compose(tags="lofi chill piano", seed=4, instrumental=True, max_seconds=10.0)
    assert metal.meta["bpm"] > 1.5 * ambient.meta["bpm"]
    assert metal.meta["bpm"] > lofi.meta["bpm"]
    bright = analysis.spectral_centroid(metal.audio, 44100)
    assert bright > 1.5 * analysis.spectral_centroid(ambient.audio, 44100)
    assert bright > analysis.spectral_centroid(lofi.audio, 44100)


@pytest.mark.parametrize(("tags", "seed"), [("pop", 11), ("lofi chill", 12), ("piano ballad", 13)])
def test_estimate_key_recovers_the_composed_key(tags, seed):
    song = composer.compose(tags=tags, seed=seed, instrumental=True, max_seconds=20.0)
    tonic, mode = analysis.estimate_key(song.audio, song.sample_rate)
    pc = composer.NOTE_NAMES.index(song.meta["key"])
    relative = (
        (composer.NOTE_NAMES[(pc + 9) % 12], "minor")
        if song.meta["mode"] == "major"
        else (composer.NOTE_NAMES[(pc + 3) % 12], "major")
    )
    assert (tonic, mode) in ((song.meta["key"], song.meta["mode"]), relative)


def test_sections_follow_the_lyric_tags():
    song = composer.compose(tags="emotional punk", lyrics=LYRICS, seed=5, max_seconds=120)
    names = [s["name"] for s in song.meta["sections"]]
    assert names[0] == "Intro" and names[-1] == "Outro"
    sung = [n for n in names if n not in ("Intro", "Outro", "Instrumental", "Post-Chorus")]  # the band's
    assert sung == ["Verse", "Chorus", "Bridge", "Chorus"]
    starts = [s["start"] for s in song.meta["sections"]]
    assert starts == sorted(starts) and starts[0] == 0
    bar = song.meta["bar_seconds"]
    assert all(abs(s / bar - round(s / bar)) < 1e-3 for s in starts)
    assert 30 <= song.duration <= 120


def test_form_parsing_handles_case_unknown_tags_and_untagged_stanzas():
    sections = composer.parse_sections("[VERSE 2]\na\nb\n[pre-chorus]\nc\n[Hook]\nd\n[Whatever]\ne\n")
    assert [(s.name, s.role) for s in sections] == [
        ("Verse 2", "verse"),
        ("Pre-Chorus", "prechorus"),
        ("Hook", "chorus"),
        ("Whatever", "verse"),
    ]
    untagged = composer.parse_sections("one\ntwo\n\nla la\nla la\n\nthree\nfour\n\nla la\nla la")
    assert [s.role for s in untagged] == ["verse", "chorus", "verse", "chorus"]


def test_duration_follows_lyric_length_and_the_default_form_runs_two_to_four_minutes():
    def planned(**kw) -> float:
        plan = composer.make_plan(tags="pop", title="", seed=1, instrumental=False, max_seconds=600, **kw)
        return sum(s.bars for s in plan.sections) * plan.bar_s

    short = planned(lyrics="[Verse]\nhello there\n[Chorus]\nla la la")
    lyrics = lyricist.write_lyrics(prompt="rainy city nights", seed=1)[1]
    long = planned(lyrics="\n\n".join([lyrics] * 4))
    assert 120 <= short <= 240 < long
    for genre in ("metal", "ambient", "pop", "lofi"):
        assert 120 <= planned(lyrics="", genre=genre) <= 240
    capped = composer.make_plan(
        tags="pop", lyrics=LYRICS * 4, title="", seed=1, instrumental=False, max_seconds=60
    )
    assert sum(s.bars for s in capped.sections) * capped.bar_s <= 60


def test_short_cap_cuts_with_a_fade():
    song = _render(max_seconds=4.0)
    assert song.duration == pytest.approx(4.0, abs=0.001)
    tail = np.abs(song.audio[-200:]).max()
    assert tail < 0.02 < np.abs(song.audio[: len(song.audio) // 2]).max()


def test_overrides_let_a_continuation_keep_tempo_and_key():
    song = _render(genre="lofi", bpm=84, key="Bb", mode="minor", intro=False, seed=99)
    meta = song.meta
    assert (meta["genre"], meta["bpm"], meta["key"], meta["mode"]) == ("lofi", 84.0, "A#", "minor")
    assert song.meta["sections"][0]["name"] == "Verse"


def test_cover_is_a_deterministic_jpeg_of_the_requested_size():
    jpeg = media.render_cover(title="Rainy City Nights", tags="heavy metal", seed=3, size=384)
    img = Image.open(io.BytesIO(jpeg))
    assert img.format == "JPEG" and img.size == (384, 384)
    assert np.asarray(img).std() > 10  # not a flat colour
    assert media.render_cover(title="Rainy City Nights", tags="heavy metal", seed=3, size=384) == jpeg
    assert media.render_cover(title="Rainy City Nights", tags="heavy metal", seed=4, size=384) != jpeg
    chinese = media.render_cover(title="乡愁", tags="民谣", seed=1, size=256)
    assert Image.open(io.BytesIO(chinese)).size == (256, 256)


def test_render_video_makes_an_mp4_of_the_song_length():
    song = _render(max_seconds=4.3)
    mp4 = media.render_video(
        cover_jpeg=media.render_cover(title="Rain", tags="pop", seed=1, size=256),
        mp3=media.encode_mp3(song.audio, song.sample_rate),
        duration=song.duration,
    )
    assert mp4[4:8] == b"ftyp"
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-f", "mp4", "-i", "pipe:0"],
        input=mp4,
        capture_output=True,
        check=False,
    )
    text = probe.stderr.decode()
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text).groups()
    assert int(h) * 3600 + int(m) * 60 + float(s) == pytest.approx(song.duration, abs=0.15)
    assert "h264" in text and "aac" in text


def test_write_lyrics_uses_the_prompt_words():
    title, text = lyricist.write_lyrics(prompt="rainy city nights", seed=1)
    assert title == "Rainy City Nights"
    assert "[Verse]" in text and "[Chorus]" in text
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("[")]
    assert 16 <= len(lines) <= 28
    for word in ("rain", "city", "nights"):
        assert sum(word in ln.lower() for ln in lines) >= 3, word
    assert lyricist.write_lyrics(prompt="rainy city nights", seed=1) == (title, text)
    assert lyricist.write_lyrics(prompt="rainy city nights", seed=2)[1] != text


def test_write_lyrics_handles_chinese_and_long_prompts():
    title, text = lyricist.write_lyrics(prompt="乡愁", seed=0)
    assert title == "乡愁" and text.count("乡愁") >= 8 and "[Chorus]" in text
    title, _ = lyricist.write_lyrics(prompt="write a song about " + "very long words " * 20, seed=0)
    assert 0 < len(title) <= 80


def test_inspire_returns_title_tags_and_lyrics():
    idea = lyricist.inspire(description="an upbeat pop song about summer at the beach", seed=1)
    assert idea["title"] == "Summer at the Beach"
    assert "pop" in idea["tags"] and "upbeat" in idea["tags"]
    assert "summer" in idea["lyrics"].lower() and "[Chorus]" in idea["lyrics"]
    plain = lyricist.inspire(description="something for a rainy afternoon", seed=1, instrumental=True)
    assert plain["title"] and plain["tags"] and plain["lyrics"] == ""


def test_analysis_measures_simple_signals():
    sr = 22050
    t = np.arange(sr * 8) / sr
    sine = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    assert analysis.loudness_dbfs(sine) == pytest.approx(-3.01, abs=0.05)
    assert analysis.spectral_centroid(sine, sr) == pytest.approx(1000, rel=0.05)
    clicks = np.zeros_like(sine)
    for beat in np.arange(0, 8, 0.5):  # 120 bpm
        i = int(beat * sr)
        clicks[i : i + 200] = np.random.default_rng(int(beat * 2)).standard_normal(200)
    assert analysis.estimate_tempo(clicks, sr) == pytest.approx(120, rel=0.02)
    chords = np.zeros_like(sine)
    for i, triad in enumerate(((60, 64, 67), (65, 69, 72), (67, 71, 74), (60, 64, 67))):  # C F G C
        part = slice(i * 2 * sr, (i + 1) * 2 * sr)
        chords[part] = sum(np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * t[part]) for m in triad)
    assert analysis.estimate_key(chords, sr) in (("C", "major"), ("A", "minor"))
