"""What the engine accepts, checked the way a real gateway checks it."""

from __future__ import annotations

import math

from songs.catalog import BY_MV, UPLOAD_VARIANTS

# Gateways default a missing mv to chirp-v3-0 (PROTOCOL.md).
DEFAULT_MV = "chirp-v3-0"
ACCEPTED_MV = set(BY_MV) | set(UPLOAD_VARIANTS.values())


class RequestInvalid(Exception):
    def __init__(self, message: str, *, model_not_allowed: bool = False):
        super().__init__(message)
        self.message = message
        self.model_not_allowed = model_not_allowed


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RequestInvalid(f"{name} must be a string.")
    return value


def _check_length(name: str, value: str, limit: int, mv: str) -> None:
    if len(value) > limit:
        raise RequestInvalid(f"{name} is {len(value)} characters; {mv} takes at most {limit}.")


def validate_music(body: dict, *, v2: bool = False) -> dict:
    mv = _text(body, "mv") or DEFAULT_MV
    if mv not in ACCEPTED_MV:
        raise RequestInvalid(f"model {mv} is not available on this channel", model_not_allowed=True)
    limits = BY_MV[mv.removesuffix("-upload")]
    payload = {
        "mv": mv,
        "gpt_description_prompt": _text(body, "gpt_description_prompt"),
        "prompt": _text(body, "prompt"),
        "tags": _text(body, "tags"),
        "negative_tags": _text(body, "negative_tags"),
        "title": _text(body, "title"),
        "make_instrumental": bool(body.get("make_instrumental", False)),
    }
    _check_length("prompt", payload["prompt"], limits.lyrics, mv)
    _check_length("tags", payload["tags"], limits.style, mv)
    _check_length("negative_tags", payload["negative_tags"], limits.style, mv)
    _check_length("gpt_description_prompt", payload["gpt_description_prompt"], limits.description, mv)
    _check_length("title", payload["title"], limits.title, mv)
    payload.update(_continue_fields(body, v2=v2))
    if mv.endswith("-upload") and "continue_clip_id" not in payload:
        raise RequestInvalid(f"{mv} continues an uploaded clip: give continue_clip_id and continue_at.")
    # A continuation may leave everything empty: it then goes on in the original's style, instrumental.
    if "continue_clip_id" not in payload and not (
        payload["gpt_description_prompt"].strip() or payload["prompt"].strip() or payload["tags"].strip()
    ):
        raise RequestInvalid("Give gpt_description_prompt, or prompt (lyrics) and tags.")
    return payload


def _number(body: dict, name: str) -> float | None:
    """A JSON number (or a numeric string, as some clients send); null and "" mean absent."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RequestInvalid(f"{name} must be a number of seconds.")
    try:
        number = float(value)
    except ValueError:
        raise RequestInvalid(f"{name} must be a number of seconds.") from None
    if not math.isfinite(number):
        raise RequestInvalid(f"{name} must be a finite number of seconds.")
    return number


def _continue_fields(body: dict, *, v2: bool) -> dict:
    """The continue / infill part of a music request, checked for shape only (the clip is checked later)."""
    clip_id = _text(body, "continue_clip_id").strip()
    at, start, end = (_number(body, n) for n in ("continue_at", "infill_start_s", "infill_end_s"))
    task_id = _text(body, "task_id").strip()
    if start is not None or end is not None:
        if not v2:
            raise RequestInvalid("infill (infill_start_s, infill_end_s) is only on /suno/v2/generate.")
        if start is None or end is None or not clip_id:
            raise RequestInvalid("infill needs continue_clip_id, infill_start_s and infill_end_s.")
        infill = {"infill_start_s": start, "infill_end_s": end}
        return {"continue_clip_id": clip_id, "continue_at": start, **infill}
    if not clip_id:
        if at is not None:
            raise RequestInvalid("continue_at needs continue_clip_id (the clip to continue).")
        return {}
    if at is None:
        raise RequestInvalid("continue_at is required to continue a clip (seconds into it).")
    return {"continue_clip_id": clip_id, "continue_at": at, **({"task_id": task_id} if task_id else {})}


def validate_lyrics(body: dict) -> dict:
    prompt = _text(body, "prompt").strip()
    if not prompt:
        raise RequestInvalid("prompt must not be empty.")
    if len(prompt) > 500:
        raise RequestInvalid(f"prompt is {len(prompt)} characters; at most 500.")
    return {"prompt": prompt}
