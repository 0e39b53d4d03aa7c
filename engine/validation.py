"""What the engine accepts, checked the way a real gateway checks it."""

from __future__ import annotations

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


def validate_music(body: dict) -> dict:
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
    _check_length("gpt_description_prompt", payload["gpt_description_prompt"], limits.description, mv)
    _check_length("title", payload["title"], limits.title, mv)
    if not (
        payload["gpt_description_prompt"].strip() or payload["prompt"].strip() or payload["tags"].strip()
    ):
        raise RequestInvalid("Give gpt_description_prompt, or prompt (lyrics) and tags.")
    if body.get("continue_clip_id") or body.get("continue_at") is not None:
        raise RequestInvalid("continue is not supported by this engine yet.")
    return payload


def validate_lyrics(body: dict) -> dict:
    prompt = _text(body, "prompt").strip()
    if not prompt:
        raise RequestInvalid("prompt must not be empty.")
    if len(prompt) > 500:
        raise RequestInvalid(f"prompt is {len(prompt)} characters; at most 500.")
    return {"prompt": prompt}
