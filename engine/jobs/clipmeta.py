"""Clip metadata as Suno shapes it, per kind of clip: gen, continuation, infill, concat, upload."""

from __future__ import annotations


def base(*, tags: str, prompt: str, kind: str, instrumental: bool, negative_tags: str = "") -> dict:
    return {
        "tags": tags,
        "negative_tags": negative_tags,
        "prompt": prompt,
        "gpt_description_prompt": None,
        "type": kind,
        "duration": None,
        "history": None,
        "concat_history": None,
        "stream": True,
        "infill": False,
        "has_vocal": not instrumental,
        "make_instrumental": instrumental,
        "refund_credits": False,
        "error_type": None,
        "error_message": None,
    }


def for_music(payload: dict, song: dict) -> dict:
    """A generated clip; a continuation or infill names its source in history, as Suno does."""
    meta = base(
        tags=song["tags"],
        prompt=song["lyrics"],
        kind="gen",
        instrumental=song["instrumental"],
        negative_tags=payload.get("negative_tags", ""),
    )
    meta["gpt_description_prompt"] = payload.get("gpt_description_prompt") or None
    task = payload.get("task")
    if task == "cover":  # what it covers, echoed like the reseller's persona answer echoes its fields
        meta.update(task=task, cover_clip_id=payload["cover_clip_id"])
    elif task == "artist_consistency":
        meta.update(task=task, persona_id=payload["persona_id"], artist_clip_id=payload["artist_clip_id"])
    if "continue_clip_id" not in payload:
        return meta
    link = {
        "id": payload["continue_clip_id"],
        "continue_at": float(payload["continue_at"]),
        "type": payload.get("source_type", "gen"),
        "source": "web",
        "infill": "infill_start_s" in payload,
    }
    if link["infill"]:
        link.update(infill_start_s=payload["infill_start_s"], infill_end_s=payload["infill_end_s"])
        meta["infill"] = True
    if link["type"] == "upload":
        meta["audio_prompt_id"] = payload["continue_clip_id"]
    meta["history"] = [link]
    return meta


def for_concat(payload: dict, last: dict) -> dict:
    """One whole-song clip. concat_history lists the chain root first; each entry's continue_at is where
    the next clip takes over (null for the last one)."""
    kind = "concat_infilling" if payload["is_infill"] else "concat"
    meta = base(
        tags=last.get("tags", ""),
        prompt=last.get("prompt", ""),
        kind=kind,
        instrumental=bool(last.get("make_instrumental")),
    )
    if payload["is_infill"]:
        meta["concat_history"] = [
            {"id": payload["original"], "continue_at": payload["infill_start_s"], "infill": False},
            {
                "id": payload["clip_id"],
                "continue_at": None,
                "infill": True,
                "infill_start_s": payload["infill_start_s"],
                "infill_end_s": payload["infill_end_s"],
            },
        ]
    else:
        meta["concat_history"] = [{**entry, "infill": False} for entry in payload["chain"]]
    return meta


def for_stem(source: dict, stem_from_id: str, vocals: bool) -> dict:
    """A stem (docs/protocol.md 7.5): the source's tags and duration; lyrics only on the vocals."""
    meta = base(
        tags=source.get("tags", ""),
        prompt=source.get("prompt", "") if vocals else "",
        kind="stem",
        instrumental=not vocals,
    )
    meta.update(stem_from_id=stem_from_id, duration=source.get("duration"), task="gen_stem")
    return meta


def for_upload(url: str) -> dict:
    meta = base(tags="", prompt="", kind="upload", instrumental=False)
    meta.update(has_vocal=False, stream=False, source_url=url)
    return meta
