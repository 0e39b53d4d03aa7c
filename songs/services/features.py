"""What the gateway offers: learnt from its answers, recorded for staff, re-checked by staff.

The format says what it can carry and SUNO_FEATURES narrows that (songs.selectors.gateway_capabilities);
when the gateway answers that it lacks a feature (no route, a web page instead of JSON, no channel for
the feature's model, an unsupported action), ``feature_learn_missing`` records it: the button goes away
for everyone, and a request for it is refused before it is saved or charged.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from songs import reasons, selectors
from songs.gateway import GatewayError, verdicts
from songs.models import GatewayFeature, GenerationTask


class FeatureMissing(Exception):
    """A request for something the gateway is known to lack; the message says so, for the user."""


def feature_of(*, action: str, payload: dict) -> str:
    """The feature a request needs beyond plain songs and lyrics, or ""."""
    if action == GenerationTask.Action.CONCAT:
        return "infill" if payload.get("is_infill") else "concat"
    if action == GenerationTask.Action.UPLOAD:
        return "upload"
    if action == GenerationTask.Action.PERSONA:
        return "persona"
    if action == GenerationTask.Action.RENDER:
        return "video" if payload.get("task") == "mp4" else "gateway_wav"
    if action == GenerationTask.Action.MUSIC and payload.get("infill_start_s") is not None:
        return "infill"
    if action == GenerationTask.Action.MUSIC and payload.get("task") in _TASK_FEATURES:
        return _TASK_FEATURES[payload["task"]]
    if action == GenerationTask.Action.MUSIC and any(payload.get(k) is not None for k in _CONTROLS):
        return "controls"
    if action == GenerationTask.Action.MUSIC and payload.get("vocal_gender"):
        return "vocal_gender"
    return ""


# The SunoAPI-style tasks (docs/protocol.md section 7) and the features that carry them.
_TASK_FEATURES = {
    "gen_stem": "stems",
    "cover": "cover",
    "artist_consistency": "persona",
    "add_vocals": "add_parts",
    "add_instrumental": "add_parts",
}
_CONTROLS = ("duration", "style_weight", "weirdness_constraint")


def feature_require(*, action: str, payload: dict) -> None:
    """Refuse a request for a feature the gateway lacks (known from settings or learnt)."""
    feature = feature_of(action=action, payload=payload)
    if feature and not getattr(selectors.gateway_capabilities(), feature, True):
        raise FeatureMissing(reasons.sentence("feature_missing", feature=feature))


def lyrics_require() -> None:
    """Refuse a lyrics request where the gateway has no lyrics call (ACE-Step): the panel says so too."""
    if not selectors.gateway_capabilities().lyrics:
        raise FeatureMissing(reasons.sentence("feature_missing", feature=str(_("writing lyrics"))))


def feature_lacking(*, task: GenerationTask, exc: GatewayError) -> str:
    """The feature this failed submit shows the gateway lacks, or "" when the answer says no such thing."""
    feature = feature_of(action=task.action, payload=task.request_payload)
    if not feature:
        return ""
    if exc.kind == verdicts.NOT_SUPPORTED:
        return feature
    named = verdicts.model_without_channel(exc.detail).lower()
    if exc.kind == verdicts.NO_CHANNEL and named and feature.split("_")[0] in named:
        return feature  # "no channel for model suno_concat": this gateway has no concat at all
    return ""


def feature_learn_missing(*, name: str, task: GenerationTask | None, exc: GatewayError) -> GatewayFeature:
    row, _created = GatewayFeature.objects.update_or_create(
        gateway=settings.SUNO_GATEWAY_URL,
        name=name,
        defaults={
            "missing_since": timezone.now(),
            "reason": exc.detail or exc.message,
            "answer": exc.raw or str(exc),
            "task": task,
        },
    )
    return row


def features_recheck(*, names: list[str]) -> int:
    """Offer these features again; the next request tells whether the gateway has them now."""
    return GatewayFeature.objects.filter(
        gateway=settings.SUNO_GATEWAY_URL, name__in=names, missing_since__isnull=False
    ).update(missing_since=None)
