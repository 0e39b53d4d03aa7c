"""The lyric writer's front door: Chinese prompts get Chinese lyrics, everything else English ones."""

from __future__ import annotations

from engine.words import lyricist_en, lyricist_zh
from engine.words.inspiration import inspire as inspire  # inspiration mode, importable from here as before


def write_lyrics(*, prompt: str, seed: int = 0) -> tuple[str, str]:
    """(title, sectioned lyrics) for a prompt; deterministic for (prompt, seed)."""
    prompt = prompt.strip() or "tonight"
    if lyricist_zh.is_chinese(prompt):
        return lyricist_zh.write(prompt=prompt, seed=seed)
    return lyricist_en.write(prompt=prompt, seed=seed)
