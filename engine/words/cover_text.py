"""Cover lettering: the shipped CJK + Latin font, what it can draw, and line breaking without spaces.

Pillow's bundled font has no hanzi, so a song called 乡愁 got a cover without a title. The engine ships a
subset of Noto Sans CJK SC Bold (engine/fonts, OFL): all of GB2312, the common characters of Big5, kana,
Latin. Characters outside it are left out rather than drawn as empty boxes ("tofu").
"""

from __future__ import annotations

import functools
import re
import struct
import unicodedata
from pathlib import Path

from PIL import ImageFont

FONT_PATH = Path(__file__).resolve().parents[1] / "fonts" / "NotoSansCJKsc-Bold-subset.otf"
ELLIPSIS = "\u2026"

# Line-breaking rules (kinsoku): closers never start a line, openers never end one.
_CLOSERS = set("，。、！？；：）」』》〉】〕’”…,.!?;:)]}%·～~")
_OPENERS = set("（「『《〈【〔‘“([{")
_FULLWIDTH_ALNUM = re.compile(r"[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]")  # Ｎｅｏｎ reads better as Neon
_TOKENS = re.compile(r"[0-9A-Za-z\u00C0-\u024F'’\-]+|\s+|.", re.S)


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), max(1, int(size)))


@functools.cache
def charset() -> frozenset[int]:
    """Code points the shipped font maps to a real glyph (its cmap, format 4: the subset is all BMP)."""
    data = FONT_PATH.read_bytes()
    tables = struct.unpack_from(">H", data, 4)[0]
    offsets = {
        data[12 + 16 * i : 16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0] for i in range(tables)
    }
    cmap = offsets[b"cmap"]
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        if (platform, encoding) == (3, 1) and struct.unpack_from(">H", data, cmap + offset)[0] == 4:
            return frozenset(_format4(data, cmap + offset))
    raise ValueError(f"{FONT_PATH.name} has no Unicode BMP cmap (format 4)")


def _format4(data: bytes, at: int) -> set[int]:
    segments = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
    range_at = at + 16 + 6 * segments
    ranges = struct.unpack_from(f">{segments}H", data, range_at)
    out = set()
    for i, (start, end, delta, offset) in enumerate(zip(starts, ends, deltas, ranges, strict=True)):
        for code in range(start, min(end, 0xFFFE) + 1):
            if offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:  # the offset is relative to this segment's own slot in the idRangeOffset array
                glyph = struct.unpack_from(">H", data, range_at + 2 * i + offset + 2 * (code - start))[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                out.add(code)
    return out


def drawable(text: str) -> str:
    """The text as the font can draw it: fullwidth Latin narrowed, unknown accents folded, the rest left out.

    A title in a script the font lacks (Hangul, rare hanzi) loses those characters instead of showing boxes.
    """
    known = charset()
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace():
            out.append(" ")
        elif not char.isprintable():
            continue
        elif ord(char) in known and not _FULLWIDTH_ALNUM.match(char):
            out.append(char)
        else:  # fullwidth "Ｃｉｔｙ" -> "City", "ệ" -> "e": a close stand-in the font has
            folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char))
            out.append("".join(c for c in folded if ord(c) in known and not unicodedata.combining(c)))
    return " ".join("".join(out).split())


def _tokens(text: str) -> list[str]:
    """Latin words stay whole, each hanzi or mark is a token, closers and openers stick to a neighbour."""
    out: list[str] = []
    glue = False
    for tok in _TOKENS.findall(text):
        if out and not tok.isspace() and (glue or tok[0] in _CLOSERS):
            out[-1] += tok
        else:
            out.append(tok)
        glue = not tok.isspace() and tok[-1] in _OPENERS
    return out


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy lines no wider than width. CJK breaks between any two characters, Latin at spaces."""
    lines: list[str] = []
    line, space = "", False
    for tok in _tokens(text):
        if tok.isspace():
            space = bool(line)
            continue
        candidate = line + (" " if space else "") + tok
        if not line or face.getlength(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = tok
        space = False
        while face.getlength(line) > width and len(line) > 1:  # one word wider than the line: cut it
            cut = next(i for i in range(len(line), 0, -1) if face.getlength(line[:i]) <= width or i == 1)
            lines.append(line[:cut])
            line = line[cut:]
    return [*lines, line] if line else lines


def fit(lines: list[str], face: ImageFont.FreeTypeFont, width: float, *, most: int) -> list[str]:
    """At most `most` lines; when text is cut, the last kept line ends in an ellipsis that still fits."""
    if len(lines) <= most:
        return lines
    last = lines[most - 1]
    while last and face.getlength(last.rstrip() + ELLIPSIS) > width:
        last = last[:-1]
    return [*lines[: most - 1], last.rstrip() + ELLIPSIS]


def shorten(text: str, face: ImageFont.FreeTypeFont, width: float) -> str:
    """One line of text cut (with an ellipsis) to width."""
    return fit(wrap(text, face, width), face, width, most=1)[0] if text else ""
