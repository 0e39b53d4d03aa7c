"""The SunoAPI-style part of a music request: ``task`` and its fields, finer control, the singer.

Checked for shape here (engine.api.validation calls it); the clips and personas they name are checked by
engine.api.sources once the caller is known. docs/protocol.md section 7 lists the tasks; docs/engine.md says
what the engine does with each.
"""

from __future__ import annotations

from engine.api.fields import RequestInvalid, finite, text
from engine.catalog import FINE_CONTROL, TASK_MODELS, TAU_VARIANTS

TASKS = ("extend", "upload_extend", "cover", "infill", "artist_consistency", "gen_stem")
# Target length: the reseller's longest song on the newest models is 8 minutes.
MIN_TARGET_S, MAX_TARGET_S = 10.0, 480.0
_ALIASES = {  # sunoapi.org's camelCase names, accepted too
    "vocal_gender": "vocalGender",
    "style_weight": "styleWeight",
    "weirdness_constraint": "weirdnessConstraint",
}


def task_of(body: dict) -> str:
    task = text(body, "task").strip()
    if task and task not in TASKS:
        raise RequestInvalid(f"task must be one of {', '.join(TASKS)}; got {task[:40]!r}.")
    return task


def default_mv(task: str) -> str | None:
    return TASK_MODELS[task][0] if task in TASK_MODELS else None


def check_task_model(task: str, mv: str) -> None:
    if task in TASK_MODELS and mv not in TASK_MODELS[task]:
        raise RequestInvalid(f"task {task} takes mv {', '.join(TASK_MODELS[task])}; got {mv}.")
    if mv in TAU_VARIANTS and task not in ("cover", "infill", "artist_consistency"):
        raise RequestInvalid(f"{mv} is for task cover, infill or artist_consistency.")


def _field(body: dict, name: str) -> object:
    value = body.get(name)
    return body.get(_ALIASES[name]) if value is None and name in _ALIASES else value


def _id(body: dict, name: str, task: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise RequestInvalid(f"task {task} needs {name} (a clip id string).")
    return value.strip()


def task_fields(body: dict, task: str) -> dict:
    """The ids a task names (cover_clip_id; persona_id and artist_clip_id; the stem source)."""
    if task == "cover":
        if text(body, "continue_clip_id").strip():
            raise RequestInvalid("task cover takes cover_clip_id, not continue_clip_id.")
        return {"task": task, "cover_clip_id": _id(body, "cover_clip_id", task)}
    if task == "artist_consistency":
        ids = {name: _id(body, name, task) for name in ("persona_id", "artist_clip_id")}
        return {"task": task, **ids}
    if task == "gen_stem":
        return {"task": task, "stem_from_id": _id(body, "continue_clip_id", task)}
    if task in ("extend", "upload_extend"):
        _id(body, "continue_clip_id", task)
    if task == "infill" and body.get("infill_start_s") is None:
        raise RequestInvalid("task infill needs continue_clip_id, infill_start_s and infill_end_s.")
    return {"task": task} if task else {}


def _unit(body: dict, name: str) -> float | None:
    value = _field(body, name)
    if value is None:
        return None
    number = finite(value)
    if number is None:
        raise RequestInvalid(f"{name} must be a number from 0 to 1.")
    if not 0.0 <= number <= 1.0:
        raise RequestInvalid(f"{name} must be from 0 to 1; got {number:g}.")
    return number


def control_fields(body: dict, mv: str, max_seconds: float) -> dict:
    """vocal_gender (any model); style_weight, weirdness_constraint and duration (newest models only)."""
    out: dict = {}
    gender = _field(body, "vocal_gender")
    if gender not in (None, ""):
        if not isinstance(gender, str) or gender.strip().lower() not in ("m", "f"):
            raise RequestInvalid(f'vocal_gender must be "m" or "f"; got {str(gender)[:20]!r}.')
        out["vocal_gender"] = gender.strip().lower()
    fine = {
        "style_weight": _unit(body, "style_weight"),
        "weirdness_constraint": _unit(body, "weirdness_constraint"),
    }
    fine["duration"] = _seconds(body.get("duration"), max_seconds)
    given = {k: v for k, v in fine.items() if v is not None}
    if given and mv.removesuffix("-upload") not in FINE_CONTROL:
        names = ", ".join(sorted(given))
        raise RequestInvalid(f"{names}: only {', '.join(FINE_CONTROL)} take these; got mv {mv}.")
    return {**out, **given}


def _seconds(value: object, max_seconds: float) -> float | None:
    if value is None:
        return None
    number = finite(value)
    if number is None:
        raise RequestInvalid("duration must be a number of seconds.")
    top = min(MAX_TARGET_S, max_seconds)
    if not MIN_TARGET_S <= number <= top:
        raise RequestInvalid(
            f"duration must be from {MIN_TARGET_S:g} to {top:g} s (this engine renders at most "
            f"{max_seconds:g} s; the newest models up to {MAX_TARGET_S:g}); got {number:g}."
        )
    return number
