"""The models a gateway offers and their limits, in one table (docs/protocol.md, "Models and their limits").

It changes with each model Suno ships: add a row here and the form, the
validation and the counters follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from songs.gateway import capabilities_for


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
    # sunoapi.org / kie.ai's V6_MINI and V6_WILD (AceDataCloud's chirp-v6-mini, chirp-v6-wild); their
    # limits are not published apart from V6's, so V6's. Before chirp-v6: the newest offered is the default.
    Model("chirp-v6-mini", "v6 mini", "v6", 5000, 1000, 500, 100),
    Model("chirp-v6-wild", "v6 wild", "v6", 5000, 1000, 500, 100),
    Model("chirp-v6", "v6", "v6", 5000, 1000, 500, 100),
)
BY_MV = {m.mv: m for m in MODELS}
# The upload variants continue a user's own audio (docs/protocol.md).
UPLOAD_VARIANTS = {"chirp-v3-5": "chirp-v3-5-upload", "chirp-v4": "chirp-v4-upload"}
# Inspiration mode does not let the user pick; the seed's default description limit applies.
DESCRIPTION_LIMIT = 500


def get_model(mv: str) -> Model:
    """The row for a model; a model the table does not know yet gets the newest row's limits."""
    known = BY_MV.get(mv)
    if known is not None:
        return known
    newest = MODELS[-1]
    return Model(mv, mv, mv, newest.lyrics, newest.style, newest.description, newest.title)


def offered_models() -> tuple[Model, ...]:
    """The models this deployment offers (SUNO_MODELS, oldest first), or the whole table, less those the
    gateway's family does not take (its capability table's ``models``).

    A model the table does not know yet can be offered from the setting alone, with the newest row's limits.
    """
    names = settings.SUNO_MODELS or [m.mv for m in MODELS]
    family = capabilities_for(settings.SUNO_API_FORMAT).models
    if family is not None and not settings.SUNO_MODELS:
        names = [mv for mv in names if mv in family] or list(family)
    return tuple(get_model(mv) for mv in names)


def default_model() -> str:
    """SUNO_DEFAULT_MODEL when it is offered, otherwise the newest offered model."""
    offered = offered_models()
    if settings.SUNO_DEFAULT_MODEL in {m.mv for m in offered}:
        return settings.SUNO_DEFAULT_MODEL
    return offered[-1].mv


def model_choices() -> list[tuple[str, str]]:
    """Newest first, as a person picking a model expects."""
    return [(m.mv, f"{m.label} ({m.mv})") for m in reversed(offered_models())]


def is_offered(mv: str) -> bool:
    return mv in {m.mv for m in offered_models()}


def continue_model(mv: str, *, uploaded: bool) -> str:
    """Continuing a user's own upload takes the model's -upload variant where one exists."""
    if uploaded:
        return UPLOAD_VARIANTS.get(mv.removesuffix("-upload"), mv)
    return mv.removesuffix("-upload")


# What a gateway may or may not offer beyond plain songs and lyrics. Each format declares which it can
# carry (songs.gateway.formats); SUNO_FEATURES narrows that for a deployment; answers teach the rest.
FEATURES = {
    "concat": _("whole songs"),
    "upload": _("uploading your own audio"),
    "infill": _("replacing a section"),
    "negative_tags": _("excluding styles"),
    "video": _("videos"),
    "stems": _("splitting stems"),
    "cover": _("covers in another style"),
    "persona": _("personas"),
    "boost": _("style boost"),
    "vocal_gender": _("choosing the vocal gender"),
    "controls": _("target duration and variety"),
    "timing": _("karaoke lyrics"),
    "add_parts": _("adding vocals or an instrumental"),
    "gateway_wav": _("the gateway's own WAV"),
}


class _Costs(Mapping):
    """Credits each action costs, in one place: the CREDIT_COST_* settings (studio/settings.py), read on
    each use so a deployment (or a test) that changes them is believed everywhere at once.

    Stems and covers are music requests (one generation each, as the reseller bills them); a whole song is
    free as at Suno (resellers bill the operator 100-200 for it, the operator chooses what people pay).
    """

    def __getitem__(self, action: str) -> int:
        return settings.CREDIT_COSTS[action]

    def __iter__(self):
        return iter(settings.CREDIT_COSTS)

    def __len__(self) -> int:
        return len(settings.CREDIT_COSTS)


COSTS = _Costs()

# The models each SunoAPI-style task takes (docs/protocol.md section 7, plus the newest models, which the
# reseller's table predates); a request uses the deployment's default model when it is one of them, else
# the first. The persona's -tau variants are what the reseller names for chirp-v3-5 and chirp-v4.
NEWEST = ("chirp-crow", "chirp-fenix", "chirp-v6")
TASK_MODELS = {
    "gen_stem": ("chirp-auk", "chirp-bluejay", *NEWEST),
    "cover": ("chirp-auk", "chirp-bluejay", *NEWEST),
    # sunoapi's add-vocals and add-instrumental take V4_5PLUS (their default), V5 and V5_5.
    "add_part": ("chirp-bluejay", "chirp-crow", "chirp-fenix"),
    "artist_consistency": ("chirp-v4-tau", "chirp-v3-5-tau", *NEWEST),
}
TAU_VARIANTS = {"chirp-v3-5": "chirp-v3-5-tau", "chirp-v4": "chirp-v4-tau"}
# Target duration and variety (style weight, weirdness) only on the newest models.
FINE_CONTROL = NEWEST
# Target duration in seconds: the newest models sing up to 8 minutes.
TARGET_SECONDS = (10, 480)


def task_model(task: str, mv: str = "") -> str:
    """The model to send with a task: the one asked for (or its -tau variant) when the task takes it,
    else the deployment's default when the task takes that, else the task's first model."""
    allowed = TASK_MODELS[task]
    for candidate in (mv, TAU_VARIANTS.get(mv, ""), default_model()):
        if candidate in allowed:
            return candidate
    return allowed[0]
