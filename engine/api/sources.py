"""Which earlier clips a request builds on: continue and infill sources, and concat chains.

Checked at submit time, so a bad request is refused at once with invalid_request (as a gateway does)
instead of becoming a failed task later.
"""

from __future__ import annotations

from engine.api.validation import RequestInvalid
from engine.models import EngineClip, EnginePersona

MAX_CHAIN = 100  # clips in one concat chain; far beyond any real song, it only bounds the walk
MIN_INFILL_S = 2.0


def owned_clip(owner: str, clip_id: str, field: str) -> EngineClip:
    clip = EngineClip.objects.filter(id=clip_id, task__key_fingerprint=owner).first()
    if clip is None:
        raise RequestInvalid(f"{field} {clip_id} not found.")
    return clip


def clip_duration(clip: EngineClip) -> float:
    try:
        return float(clip.metadata.get("duration") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _complete(clip: EngineClip) -> None:
    if clip.status != "complete" or not clip.has_audio:
        raise RequestInvalid(f"clip {clip.id} is not complete yet (status {clip.status}).")


def resolve_source(owner: str, payload: dict) -> dict:
    """Check the clip a continue or infill request names; returns the payload with what the job needs."""
    # The clip alone decides: a task_id, when given, is not checked against it (engine.api.validation).
    clip = owned_clip(owner, payload["continue_clip_id"], "continue_clip_id")
    _complete(clip)
    if clip.metadata.get("infill"):
        raise RequestInvalid(f"clip {clip.id} is a replaced section: stitch it with concat is_infill first.")
    duration = clip_duration(clip)
    if "infill_start_s" in payload:
        _check_infill(payload["infill_start_s"], payload["infill_end_s"], duration)
    elif payload["continue_at"] is None:  # no time given: from the end of the clip
        payload = {**payload, "continue_at": duration}
    elif not 0 < payload["continue_at"] <= duration:
        raise RequestInvalid(
            f"continue_at must be more than 0 and at most the clip's duration ({duration:g} s); "
            f"got {payload['continue_at']:g}."
        )
    kind = "upload" if clip.metadata.get("type") == "upload" else "gen"
    if payload.get("task") == "upload_extend" and kind != "upload":
        raise RequestInvalid(f"task upload_extend continues an uploaded clip; {clip.id} is not one (extend).")
    return {**payload, "source_type": kind, "source_duration": duration}


def resolve_task(owner: str, payload: dict) -> dict:
    """The clips and persona a SunoAPI task names: the caller's, complete, and fit for the task."""
    task = payload.get("task")
    if task == "cover":
        clip = owned_clip(owner, payload["cover_clip_id"], "cover_clip_id")
        _complete(clip)
        kind = "upload" if clip.metadata.get("type") == "upload" else "gen"
        return {**payload, "cover_source_type": kind, "source_duration": clip_duration(clip)}
    if task == "artist_consistency":
        persona = EnginePersona.objects.filter(id=payload["persona_id"], key_fingerprint=owner).first()
        if persona is None:
            raise RequestInvalid(f"persona_id {payload['persona_id']} not found.")
        if payload["artist_clip_id"] not in [persona.root_clip_id, *persona.clip_ids]:
            raise RequestInvalid(
                f"artist_clip_id {payload['artist_clip_id']} is not a clip of persona {persona.id} "
                f"(its root clip is {persona.root_clip_id})."
            )
        return {**payload, "voice": persona.voice}
    if task == "gen_stem":
        clip = owned_clip(owner, payload["stem_from_id"], "continue_clip_id")
        _complete(clip)
        _separable(clip)
        return {**payload, "source_duration": clip_duration(clip)}
    return payload


def _separable(clip: EngineClip) -> None:
    kind = clip.metadata.get("type")
    if kind == "upload":
        raise RequestInvalid(f"clip {clip.id} is an upload: the engine separates only music it made.")
    if kind == "stem":
        raise RequestInvalid(f"clip {clip.id} is already a stem.")
    if not clip.score:
        raise RequestInvalid(f"clip {clip.id} was made before the engine kept its scores: no stems.")


def _check_infill(start: float, end: float, duration: float) -> None:
    if not 0 <= start < end <= duration:
        raise RequestInvalid(
            f"infill needs 0 <= infill_start_s < infill_end_s <= the clip's duration ({duration:g} s); "
            f"got {start:g} and {end:g}."
        )
    if end - start < MIN_INFILL_S:
        raise RequestInvalid(f"infill replaces at least {MIN_INFILL_S:g} s; got {end - start:g} s.")


def continuation_chain(owner: str, clip: EngineClip) -> list[dict]:
    """Root first: [{"id", "continue_at"}, ..., {"id": clip.id, "continue_at": None}].

    Each entry's continue_at is where the next clip continues it, on that entry's own timeline.
    """
    chain = [{"id": clip.id, "continue_at": None}]
    current = clip
    while current.metadata.get("history"):
        if len(chain) > MAX_CHAIN:
            raise RequestInvalid(f"the chain of clip {clip.id} is longer than {MAX_CHAIN} clips.")
        link = current.metadata["history"][0]
        if link.get("infill"):
            raise RequestInvalid(
                f"clip {current.id} is a replaced section: concat it with is_infill true instead."
            )
        current = owned_clip(owner, str(link.get("id")), "clip")
        _complete(current)
        chain.insert(0, {"id": current.id, "continue_at": float(link["continue_at"])})
    return chain


def validate_concat(owner: str, body: dict) -> dict:
    clip_id, is_infill = body.get("clip_id"), body.get("is_infill", False)
    if not isinstance(clip_id, str) or not clip_id.strip():
        raise RequestInvalid("clip_id must be the id of the last clip of a continuation chain.")
    if not isinstance(is_infill, bool):
        raise RequestInvalid("is_infill must be true or false.")
    clip = owned_clip(owner, clip_id.strip(), "clip_id")
    _complete(clip)
    if is_infill:
        return _infill_concat(owner, clip)
    chain = continuation_chain(owner, clip)
    if len(chain) < 2:
        raise RequestInvalid(f"clip {clip.id} continues no other clip: nothing to concatenate.")
    return {"clip_id": clip.id, "is_infill": False, "chain": chain}


def _infill_concat(owner: str, clip: EngineClip) -> dict:
    link = (clip.metadata.get("history") or [{}])[0]
    if not (clip.metadata.get("infill") and link.get("infill")):
        raise RequestInvalid(f"clip {clip.id} is not a replaced section (infill): nothing to stitch.")
    original = owned_clip(owner, str(link.get("id")), "clip")
    _complete(original)
    return {
        "clip_id": clip.id,
        "is_infill": True,
        "original": original.id,
        "infill_start_s": float(link["infill_start_s"]),
        "infill_end_s": float(link["infill_end_s"]),
    }
