"""The engine for Chinese users: fitting styles, Chinese lyrics that rhyme, one note per hanzi."""

from __future__ import annotations

import json
import re

import pytest

from engine.models import EngineClip
from engine.music import composer
from engine.voice import pinyin
from engine.voice.syllables import syllables
from engine.words import inspiration, lyricist, lyricist_zh
from tests.engine.helpers import fetch_task, make_song, post


def _plan(tags: str, lyrics: str = "", seed: int = 1) -> composer.Plan:
    return composer.make_plan(
        tags=tags, lyrics=lyrics, title="", seed=seed, instrumental=not lyrics, max_seconds=120.0
    )


def _sections(lyrics: str) -> list[tuple[str, list[str]]]:
    return [(s.name, s.lines) for s in composer.parse_sections(lyrics)]


# --- inspiration: description -> style --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "genre", "bpm", "mode"),
    [
        ("乡愁", "ballad", (64, 74), "minor"),
        ("思念远方的妈妈", "ballad", (64, 74), "minor"),
        ("离别的车站，孤独的夜", "ballad", (64, 74), "minor"),
        ("a sad song about 故乡", "ballad", (64, 84), "minor"),
        ("派对", "edm", (125, 128), "major"),
        ("快乐的周末，一起跳舞", "edm", (125, 128), "major"),
        ("一首摇滚", "rock", (108, 140), None),
        ("说唱", "trap", (132, 156), None),
        ("安静地睡觉", "ambient", (60, 70), None),
        ("放松学习", "lofi", (70, 80), None),
        ("爱情", "ballad", (64, 84), "major"),
        ("an upbeat pop song about summer at the beach", "pop", (110, 124), "major"),
        ("a lonely night, missing home", "ballad", (64, 74), "minor"),
    ],
)
def test_it_picks_a_style_that_fits_the_description(description, genre, bpm, mode):
    tags = inspiration.inspire(description=description, seed=3)["tags"]
    for seed in range(6):  # every take, not just a lucky one
        plan = _plan(tags, seed=seed)
        assert plan.profile.name == genre, tags
        assert bpm[0] <= plan.bpm <= bpm[1], (tags, plan.bpm)
        if mode:
            assert plan.mode == mode, tags


def test_homesickness_is_not_upbeat_pop():
    idea = inspiration.inspire(description="乡愁", seed=0)
    assert "upbeat" not in idea["tags"] and "pop" not in idea["tags"]
    assert idea["tags"] == "忧伤，慢节奏，民谣，抒情"  # in the idea's language (issue 19, new user item 8)
    assert idea["title"] == "乡愁" and "乡愁" in idea["lyrics"]


@pytest.mark.parametrize(
    ("description", "title"),
    [
        ("一首关于夏夜海边的民谣，想念远方的人", "夏夜海边"),
        ("离别的车站，孤独的夜", "离别的车站"),
        ("我想要一首歌，讲一个女孩在北京地铁里等待她的爱人回来的故事", "爱人回来"),
        ("写一首关于厦门的歌", "厦门"),
    ],
)
def test_a_chinese_idea_gets_a_short_title_not_the_request_cut_off(description, title):
    idea = inspiration.inspire(description=description, seed=1)
    assert idea["title"] == title and "，" not in idea["title"]
    assert not any(ch.isascii() and ch.isalpha() for ch in idea["tags"]), idea["tags"]  # and a Chinese style


def test_named_styles_win_over_the_theme_and_english_ideas_keep_their_words():
    assert inspiration.style_tags("一首悲伤的摇滚") == "melancholic, slow, rock"
    assert inspiration.style_tags("an upbeat pop song about summer at the beach") == "upbeat, pop"
    assert "piano" in inspiration.style_tags("钢琴伴奏的思乡曲")


# --- Chinese lyrics ---------------------------------------------------------------------------------------


def test_a_chinese_prompt_gets_chinese_lyrics_in_tagged_sections_of_even_lines():
    title, text = lyricist.write_lyrics(prompt="乡愁", seed=4)
    assert title == "乡愁"
    sections = _sections(text)
    assert [name for name, _ in sections] == ["Verse", "Chorus", "Verse 2", "Bridge", "Chorus", "Outro"]
    lengths = {name: {len(line) for line in lines} for name, lines in sections}
    assert lengths["Verse"] == lengths["Verse 2"] == lengths["Chorus"] == {7}
    assert lengths["Bridge"] == lengths["Outro"] == {5}
    for _, lines in sections:
        assert all(re.fullmatch(r"[\u4e00-\u9fff]+", line) for line in lines)  # Chinese, no punctuation
        assert len(syllables(lines[0])) == len(lines[0])  # sung one note per character


@pytest.mark.parametrize("prompt", ["乡愁", "厦门的海风", "天津", "爱", "写一首关于城市之光的歌", "派对"])
def test_chorus_lines_all_end_in_one_rhyme_group_and_verses_rhyme_every_other_line(prompt):
    for seed in range(4):
        sections = dict(_sections(lyricist.write_lyrics(prompt=prompt, seed=seed)[1]))
        ends = {pinyin.rhyme_group(line[-1]) for line in sections["Chorus"]}
        assert len(ends) == 1 and None not in ends, sections["Chorus"]
        verse = sections["Verse"]
        assert pinyin.rhyme_group(verse[1][-1]) == pinyin.rhyme_group(verse[3][-1])


def test_the_prompts_words_are_sung_in_every_sung_section():
    _, text = lyricist.write_lyrics(prompt="厦门的海风", seed=2)
    for name, lines in _sections(text):
        joined = "".join(lines)
        assert "厦门" in joined or "海风" in joined, name
    assert "厦门" in text and "海风" in text
    assert lyricist_zh.keywords("写一首关于厦门的海风的歌") == ["厦门", "海风"]


def test_chinese_lyrics_are_deterministic_for_a_seed_and_vary_across_seeds():
    first = lyricist.write_lyrics(prompt="乡愁", seed=7)
    assert lyricist.write_lyrics(prompt="乡愁", seed=7) == first
    assert len({lyricist.write_lyrics(prompt="乡愁", seed=s)[1] for s in range(5)}) == 5


def test_every_phrase_bank_ending_rhymes_in_its_own_group():
    for group, tails in lyricist_zh.TAILS.items():
        assert all(len(tail) == 3 for tail in tails), group
        assert {pinyin.rhyme_group(tail[-1]) for tail in tails} == {group}, group
    assert all(len(p) == 4 for images in lyricist_zh.IMAGES.values() for p in images)
    assert all(len(w) == 2 for words in lyricist_zh.WORDS.values() for w in words)


def test_a_mixed_title_keeps_its_english_and_the_lyrics_sing_its_chinese():
    title, text = lyricist.write_lyrics(prompt="City Lights 城市之光", seed=1)
    assert title == "City Lights 城市之光"
    assert "城市之光" in text and "City" not in text


# --- singing: one note per syllable -----------------------------------------------------------------------


def _sung(line: str) -> list[composer.SungNote]:
    lyrics = f"[Verse]\n{line}"
    plan = _plan("ballad", lyrics)
    verse = next(s for s in plan.sections if s.lines)
    return composer.sung_line(plan, verse, 0, line)


def test_a_chinese_line_of_n_characters_gets_n_sung_notes():
    assert len(_sung("乡愁是一湾浅浅的海峡")) == 10
    assert len(_sung("乡愁，乡愁。")) == 4  # punctuation is not sung
    notes = _sung("在那遥远的地方有位好姑娘人们走过了她的帐篷")  # 21 characters: a long line
    assert len(notes) == 21
    assert all(b.beat > a.beat for a, b in zip(notes, notes[1:], strict=False))


def test_mixed_lines_count_hanzi_and_english_syllables_and_english_is_unchanged():
    assert len(_sung("City Lights 城市之光")) == len(syllables("City Lights")) + 4
    assert len(syllables("City Lights")) == 3
    # wal-king down the av-e-nue (espeak-ng's syllables; spelling rules made "avenue" two)
    assert len(_sung("Walking down the avenue")) == len(syllables("Walking down the avenue")) == 7


def test_each_hanzi_is_sung_on_its_own_vowel_and_consonant():
    assert [n.vowel for n in _sung("乡愁是一湾")] == ["a", "o", "e", "i", "a"]
    assert pinyin.sung("木") == ("u", "soft") and pinyin.sung("去") == ("i", "click")
    assert pinyin.sung("乡")[1] == "hiss"
    assert len({n.vowel for n in _sung("床前明月光疑是地上霜")}) >= 3  # the timbre moves
    assert pinyin.sung("龘")[0] in "aeiou"  # a character outside the table still sings


# --- through the API: what a studio sees ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_chinese_title_tags_and_lyrics_round_trip_through_the_engines_json(client, engine_key):
    lyrics = "[Verse]\n乡愁是一湾浅浅的海峡\n我在这头\n\n[Chorus]\n大陆在那头"
    task_id, _ = make_song(client, engine_key, prompt=lyrics, tags="民谣，忧伤", title="乡愁 Homesick")
    raw = client.get(f"/suno/fetch/{task_id}", **engine_key).content.decode("utf-8")
    for clip in json.loads(raw)["data"]["data"]:
        assert clip["title"] == "乡愁 Homesick"
        assert clip["metadata"]["tags"] == "民谣，忧伤" and clip["metadata"]["prompt"] == lyrics
    stored = EngineClip.objects.filter(task_id=task_id).first()
    assert stored.title == "乡愁 Homesick" and stored.metadata["tags"] == "民谣，忧伤"


@pytest.mark.django_db(transaction=True)
def test_an_inspiration_request_for_乡愁_comes_back_as_a_sad_chinese_ballad(client, engine_key):
    answer = post(client, "/suno/submit/music", {"gpt_description_prompt": "乡愁"}, engine_key).json()
    clip = fetch_task(client, answer["data"], engine_key)["data"][0]
    assert clip["title"] == "乡愁"
    assert clip["metadata"]["tags"] == "忧伤，慢节奏，民谣，抒情"
    assert "[Chorus]" in clip["metadata"]["prompt"] and "乡愁" in clip["metadata"]["prompt"]


@pytest.mark.django_db(transaction=True)
def test_the_lyrics_endpoint_writes_chinese_for_a_chinese_prompt(client, engine_key):
    task_id = post(client, "/suno/submit/lyrics", {"prompt": "乡愁"}, engine_key).json()["data"]
    result = fetch_task(client, task_id, engine_key)["data"]
    assert result["title"] == "乡愁"
    verse = dict(_sections(result["text"]))["Verse"]
    assert len(verse) == 4 and {len(line) for line in verse} == {7}
