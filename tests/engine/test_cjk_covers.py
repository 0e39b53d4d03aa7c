"""Covers for Chinese users: the shipped font draws hanzi and Latin, wraps CJK, and never draws tofu."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from engine.jobs import media
from engine.words import cover_text

SIZE = 512
U = SIZE / 100


def _ink(title: str, tags: str = "") -> np.ndarray:
    """Where the title block put near-white pixels on a flat dark square."""
    flat = Image.new("RGBA", (SIZE, SIZE), (30, 30, 40, 255))
    pixels = np.asarray(media.title_block(flat, title, tags, SIZE).convert("L"))
    return pixels > 200


def test_it_ships_a_small_ofl_font_that_covers_chinese_and_latin():
    assert cover_text.FONT_PATH.stat().st_size < 3_000_000
    assert "SIL Open Font License" in (cover_text.FONT_PATH.parent / "OFL.txt").read_text()
    drawn = cover_text.charset()
    for text in ("乡愁", "厦门", "天津", "城市之光", "我們的歌", "City Lights", "Café", "，。！？「」…"):
        assert all(ord(c) in drawn for c in text), text


def test_it_draws_the_title_乡愁_where_the_bundled_font_drew_nothing():
    ink = _ink("乡愁")
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    assert ink.sum() > 400  # two bold hanzi at 7 % of the cover
    assert rows.min() > SIZE * 0.75 and cols.min() >= 5 * U  # bottom-left, inside the margin
    assert cols.max() < 6 * U + 2 * 7.5 * U  # two characters wide, not more


def test_it_leaves_out_characters_the_font_lacks_instead_of_drawing_boxes():
    assert cover_text.drawable("사랑 龘 Love") == "Love"
    assert cover_text.drawable("龘") == ""
    assert not _ink("사랑 龘").any()  # nothing to draw: no tofu, no crash
    assert _ink("사랑 Love").sum() == _ink("Love").sum()
    assert cover_text.drawable("Ｎｅｏｎ，ệ") == "Neon，e"  # fullwidth Latin narrowed, Chinese comma kept


def test_it_wraps_a_long_chinese_title_inside_the_margins_with_an_ellipsis():
    title = "在那遥远的地方有位好姑娘人们走过了她的帐篷都要回头留恋地张望" * 2
    face = cover_text.font(int(7.2 * U))
    lines = cover_text.fit(cover_text.wrap(title, face, 88 * U), face, 88 * U, most=3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(face.getlength(line) <= 88 * U for line in lines)
    assert "".join(lines).rstrip("…") == title[: len("".join(lines)) - 1]  # no character lost or repeated
    ink = _ink(title)
    assert np.flatnonzero(ink.any(axis=0)).max() < SIZE - 5 * U


def test_it_breaks_mixed_titles_between_words_and_keeps_punctuation_off_line_starts():
    face = cover_text.font(40)
    width = face.getlength("City Lights 城市")
    assert cover_text.wrap("City Lights 城市之光", face, width) == ["City Lights 城市", "之光"]
    lines = cover_text.wrap("「夜空中最亮的星」，请照亮我前行！", face, face.getlength("「夜空中最亮的星」"))
    assert not any(line[0] in "，。！」" for line in lines)


def test_a_chinese_cover_is_a_full_size_jpeg_with_title_and_style():
    jpeg = media.render_cover(title="City Lights 城市之光", tags="民谣, 抒情", seed=2, size=256)
    assert Image.open(io.BytesIO(jpeg)).size == (256, 256)
    assert _ink("", "民谣, 抒情").sum() > 50  # the style line is drawn too
