"""Rebuild hanzi_pinyin.txt: the usual reading (initial, final) of every hanzi the cover font draws.

Not imported by the engine (it needs pypinyin, MIT, a build-time tool only):
    pip install pypinyin fonttools
    python engine/data/build_pinyin.py > engine/data/hanzi_pinyin.txt

One line per reading: "<initial> <final> <characters>", "-" for no initial; finals are strict pinyin
finals with v for ü ("q v 去"), so rhyme groups can tell 去 (qü) from 苦 (ku).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from pypinyin import Style, pinyin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fonts"))
from build_subset import codepoints  # noqa: E402


def main() -> None:
    readings: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code in sorted(codepoints()):
        char = chr(code)
        if not 0x4E00 <= code <= 0x9FFF:
            continue
        initial = pinyin(char, style=Style.INITIALS, strict=True)[0][0] or "-"
        final = pinyin(char, style=Style.FINALS, strict=True)[0][0]
        if final and final != char:  # pypinyin echoes characters it has no reading for
            readings[(initial, final)].append(char)
    print("# usual reading of each hanzi the cover font draws, made by build_pinyin.py with pypinyin")
    for (initial, final), chars in sorted(readings.items()):
        print(initial, final, "".join(chars))


if __name__ == "__main__":
    main()
