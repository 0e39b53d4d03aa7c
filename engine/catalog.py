"""The models this gateway accepts and their per-model limits (characters), in one table.

The engine keeps its own table, like any remote gateway: it must never read the studio's. A contract
test (tests/engine/test_catalog_contract.py) checks that every model the studio offers is accepted
here with limits at least as large. The figures are the reseller's (see docs/protocol.md, section 3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineModel:
    mv: str
    version: str  # what clips report as major_model_version
    lyrics: int  # prompt (lyrics) in custom mode
    style: int  # tags, and negative_tags
    description: int  # gpt_description_prompt (inspiration mode)
    title: int
    seconds: float = 480.0  # the longest song it makes (docs/protocol.md, section 5)


MODELS: tuple[EngineModel, ...] = (
    EngineModel("chirp-v3-0", "v3", 3000, 200, 500, 80, 120.0),
    EngineModel("chirp-v3-5", "v3", 3000, 200, 500, 80, 120.0),  # Suno reports v3.5 clips as major version v3
    EngineModel("chirp-v4", "v4", 3000, 200, 500, 80, 150.0),
    EngineModel("chirp-auk", "v4.5", 5000, 1000, 500, 100, 240.0),
    EngineModel("chirp-bluejay", "v4.5+", 5000, 1000, 500, 100),
    EngineModel("chirp-crow", "v5", 5000, 1000, 500, 100),
    EngineModel("chirp-fenix", "v5.5", 5000, 1000, 500, 100),
    # v6 shipped in 2026-09 with the same limits as v5.5 (8 minutes).
    EngineModel("chirp-v6", "v6", 5000, 1000, 500, 100),
)
BY_MV = {m.mv: m for m in MODELS}

# An -upload variant continues a user's own audio under its base model's limits.
UPLOAD_VARIANTS = {"chirp-v3-5-upload": "chirp-v3-5", "chirp-v4-upload": "chirp-v4"}

# The reseller's -tau variants serve cover, infill and personas (docs/protocol.md, 7), with their base's
# limits.
TAU_VARIANTS = {"chirp-v3-5-tau": "chirp-v3-5", "chirp-v4-tau": "chirp-v4"}

# Gateways default a missing mv to chirp-v3-0 (new-api's Suno relay does exactly this).
DEFAULT_MV = "chirp-v3-0"

# The models that take finer control (target duration, style weight, weirdness): the newest ones.
FINE_CONTROL = ("chirp-crow", "chirp-fenix", "chirp-v6")
_NEWEST = FINE_CONTROL
# Which mv each SunoAPI task takes (the reseller's table, docs/protocol.md 7, plus the three newest models);
# the first is the default when a task request names none. extend takes any model, like a plain continue.
TASK_MODELS = {
    "upload_extend": ("chirp-v4", "chirp-auk", "chirp-bluejay", *_NEWEST),
    "cover": ("chirp-v4-tau", "chirp-v3-5-tau", "chirp-auk", "chirp-bluejay", *_NEWEST),
    "infill": ("chirp-v3-5-tau", "chirp-v4-tau", "chirp-auk", "chirp-bluejay", *_NEWEST),
    "artist_consistency": ("chirp-v4-tau", "chirp-v3-5-tau", *_NEWEST),
    "gen_stem": ("chirp-auk", "chirp-bluejay", *_NEWEST),
}


def model_for(mv: str) -> EngineModel | None:
    """The model (upload and -tau variants resolve to their base), or None when this gateway has no such
    channel."""
    return BY_MV.get(UPLOAD_VARIANTS.get(mv, TAU_VARIANTS.get(mv, mv)))


def longest_song(mv: str) -> float:
    """Seconds of the longest song the model makes; the newest models' 8 minutes for one it does not know."""
    model = model_for(mv)
    return model.seconds if model is not None else MODELS[-1].seconds


def accepts(mv: str) -> bool:
    return model_for(mv) is not None
