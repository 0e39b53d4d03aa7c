"""Rebuild the cover font: a subset of Noto Sans CJK SC Bold that draws Chinese and Latin titles.

Not imported by the engine (it needs fontTools, a build-time tool only):
    pip install fonttools
    python engine/fonts/build_subset.py NotoSansCJK-Bold.ttc engine/fonts/NotoSansCJKsc-Bold-subset.otf

The source is the "Noto Sans CJK SC" face (number 2) of the OFL collection NotoSansCJK-Bold.ttc, as the
Debian package fonts-noto-cjk ships it. Kept: every hanzi of GB2312 (6,763 simplified: 99.99 % of
modern simplified text), the 5,401 common characters of Big5 (traditional titles), GB2312's symbol rows
(CJK punctuation, fullwidth forms, kana, Greek, Cyrillic), Latin-1 and Latin Extended-A. Dropped: hinting
(covers draw at 20 px and up) and the vertical-writing and locale tables (covers are horizontal, SC only).
"""

from __future__ import annotations

import sys

from fontTools import subset
from fontTools.ttLib import TTFont

_RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0x17F),  # Latin-1 and Latin Extended-A: accented titles
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, the ellipsis
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # circled numbers
    (0x3000, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # kana
    (0xFF00, 0xFFEF),  # fullwidth forms
)


def _decoded(codec: str, rows: range, cells: list[int]) -> set[int]:
    out = set()
    for hi in rows:
        for lo in cells:
            try:
                out.update(map(ord, bytes([hi, lo]).decode(codec)))
            except UnicodeDecodeError:
                continue
    return out


def codepoints() -> set[int]:
    gb2312 = _decoded("gb2312", range(0xA1, 0xF8), list(range(0xA1, 0xFF)))  # symbols + both hanzi levels
    big5_cells = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    big5 = {c for c in _decoded("big5", range(0xA4, 0xC7), big5_cells) if 0x4E00 <= c <= 0x9FFF}
    extra = {0x266A, 0x266B}  # music notes
    return gb2312 | big5 | extra | {c for lo, hi in _RANGES for c in range(lo, hi + 1)}


def main(source: str, target: str) -> None:
    options = subset.Options()
    options.layout_features = ["kern"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
    font = TTFont(source, fontNumber=2)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints()))
    subsetter.subset(font)
    font.save(target)


if __name__ == "__main__":
    main(*sys.argv[1:3])
