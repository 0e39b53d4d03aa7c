"""The models a gateway offers and their limits, in one table (docs/protocol.md, "Models and their limits").

It changes with each model Suno ships: add a row here and the form, the
validation and the counters follow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    mv: str
    label: str
    version: str
    lyrics: int
    style: int
    description: int
    title: int


MODELS: tuple[Model, ...] = (
    Model("chirp-v3-0", "v3", "v3", 3000, 200, 500, 80),
    Model("chirp-v3-5", "v3.5", "v3.5", 3000, 200, 500, 80),
    Model("chirp-v4", "v4", "v4", 3000, 200, 500, 80),
    Model("chirp-auk", "v4.5", "v4.5", 5000, 1000, 500, 100),
    Model("chirp-bluejay", "v4.5+", "v4.5+", 5000, 1000, 500, 100),
    Model("chirp-crow", "v5", "v5", 5000, 1000, 500, 100),
    Model("chirp-fenix", "v5.5", "v5.5", 5000, 1000, 500, 100),
)
BY_MV = {m.mv: m for m in MODELS}
# The upload variants continue a user's own audio (docs/protocol.md).
UPLOAD_VARIANTS = {"chirp-v3-5": "chirp-v3-5-upload", "chirp-v4": "chirp-v4-upload"}
# Inspiration mode does not let the user pick; the seed's default description limit applies.
DESCRIPTION_LIMIT = 500


def get_model(mv: str) -> Model:
    return BY_MV[mv]


def model_choices() -> list[tuple[str, str]]:
    return [(m.mv, f"{m.label} ({m.mv})") for m in MODELS]


def continue_model(mv: str, *, uploaded: bool) -> str:
    """Continuing a user's own upload takes the model's -upload variant where one exists."""
    if uploaded:
        return UPLOAD_VARIANTS.get(mv.removesuffix("-upload"), mv)
    return mv.removesuffix("-upload")


# Credits each action costs, in one place (the seed's figures where it gives them: concat and
# upload cost 200 at resellers).
COSTS = {"MUSIC": 10, "LYRICS": 1, "CONCAT": 200, "UPLOAD": 200}
