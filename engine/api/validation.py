"""What the engine accepts, checked the way a real gateway checks it."""

from __future__ import annotations

from django.conf import settings

from engine.api import taskfields
from engine.api.fields import RequestInvalid as RequestInvalid
from engine.api.fields import finite
from engine.api.fields import text as _text
from engine.catalog import DEFAULT_MV, model_for

MAX_TASK_ID = 191  # task ids are opaque strings up to ~191 characters (docs/protocol.md)


def _check_length(name: str, value: str, limit: int, mv: str) -> None:
    if len(value) > limit:
        raise RequestInvalid(f"{name} is {len(value)} characters; {mv} takes at most {limit}.")


def validate_music(body: dict, *, v2: bool = False) -> dict:
    task = taskfields.task_of(body)
    mv = _text(body, "mv") or taskfields.default_mv(task) or DEFAULT_MV
    limits = model_for(mv)
    if limits is None:
        raise RequestInvalid(f"model {mv} is not available on this channel", model_not_allowed=True)
    taskfields.check_task_model(task, mv)
    payload = {
        "mv": mv,
        "gpt_description_prompt": _text(body, "gpt_description_prompt"),
        "prompt": _text(body, "prompt"),
        "tags": _text(body, "tags"),
        "negative_tags": _text(body, "negative_tags"),
        "title": _text(body, "title"),
        # Relays re-encode from their own struct: newer new-api adds "instrumental" (sunoapi.org's name
        # for the same switch) next to make_instrumental; either one asks for an instrumental.
        "make_instrumental": bool(body.get("make_instrumental")) or bool(body.get("instrumental")),
    }
    _check_length("prompt", payload["prompt"], limits.lyrics, mv)
    _check_length("tags", payload["tags"], limits.style, mv)
    _check_length("negative_tags", payload["negative_tags"], limits.style, mv)
    _check_length("gpt_description_prompt", payload["gpt_description_prompt"], limits.description, mv)
    _check_length("title", payload["title"], limits.title, mv)
    payload.update(taskfields.task_fields(body, task))
    payload.update(taskfields.control_fields(body, mv, float(settings.ENGINE_MAX_SECONDS)))
    if task not in ("gen_stem", "cover"):
        payload.update(_continue_fields(body, v2=v2 or task == "infill"))
    if mv.endswith("-upload") and "continue_clip_id" not in payload:
        raise RequestInvalid(f"{mv} continues an uploaded clip: give continue_clip_id and continue_at.")
    # A continuation may leave everything empty: it then goes on in the original's style, instrumental;
    # so may a cover (the source's lyrics, its style unless tags name another) and stems (nothing to say).
    free = "continue_clip_id" in payload or task in ("cover", "gen_stem")
    if not free and not (
        payload["gpt_description_prompt"].strip() or payload["prompt"].strip() or payload["tags"].strip()
    ):
        raise RequestInvalid("Give gpt_description_prompt, or prompt (lyrics) and tags.")
    return payload


def _number(body: dict, name: str) -> float | None:
    """A JSON number (or a numeric string, as some clients send); null and "" mean absent."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)  # never OverflowError from a string: too many digits read as inf
        except ValueError:
            raise RequestInvalid(f"{name} must be a number of seconds.") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestInvalid(f"{name} must be a number of seconds.")
    number = finite(value)
    if number is None:
        raise RequestInvalid(f"{name} must be a finite number of seconds.")
    return number


def _task_id(body: dict) -> dict:
    """task_id is advisory: the clip decides what is continued.

    Newer new-api forwards its own public id (task_ + 32 characters) here, an id this gateway never
    issued, so only its shape is checked.
    """
    value = body.get("task_id")
    if value is None:
        return {}
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TASK_ID:
        raise RequestInvalid(f"task_id must be a non-empty string of at most {MAX_TASK_ID} characters.")
    return {"task_id": value.strip()}


def _continue_fields(body: dict, *, v2: bool) -> dict:
    """The continue / infill part of a music request, checked for shape only (the clip is checked later).

    continue_at missing, null or 0 means "from the end of the clip", as Suno's own Extend does by
    default. A relay cannot tell these apart anyway: new-api encodes continue_at with omitempty, so a 0
    never reaches its upstream, and a cut at 0 would keep nothing of the clip. The end is resolved
    against the clip's duration once the clip is known (engine.api.sources).
    """
    clip_id = _text(body, "continue_clip_id").strip()
    at, start, end = (_number(body, n) for n in ("continue_at", "infill_start_s", "infill_end_s"))
    if start is not None or end is not None:
        if not v2:
            raise RequestInvalid("infill (infill_start_s, infill_end_s) is only on /suno/v2/generate.")
        if start is None or end is None or not clip_id:
            raise RequestInvalid("infill needs continue_clip_id, infill_start_s and infill_end_s.")
        infill = {"infill_start_s": start, "infill_end_s": end}
        return {"continue_clip_id": clip_id, "continue_at": start, **infill}
    if not clip_id:
        if at:
            raise RequestInvalid("continue_at needs continue_clip_id (the clip to continue).")
        return {}
    return {"continue_clip_id": clip_id, "continue_at": at or None, **_task_id(body)}


def validate_lyrics(body: dict) -> dict:
    prompt = _text(body, "prompt").strip()
    if not prompt:
        raise RequestInvalid("prompt must not be empty.")
    if len(prompt) > 500:
        raise RequestInvalid(f"prompt is {len(prompt)} characters; at most 500.")
    return {"prompt": prompt}
