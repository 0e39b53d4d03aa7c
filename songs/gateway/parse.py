"""Pure parsing of gateway answers: no HTTP, no Django, no errors of the gateway's own.

``songs.gateway`` re-exports the names callers need (``Clip``, ``Task``, ``parse_task``, ...). Parsing is
lenient on purpose: gateways add, drop and retype fields, and
one odd field must never break polling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# --- What the gateway answers -------------------------------------------------------------


@dataclass(frozen=True)
class Clip:
    id: str
    status: str
    title: str
    audio_url: str
    video_url: str
    image_url: str
    image_large_url: str
    is_video_pending: bool
    model_name: str
    major_model_version: str
    created_at: str
    duration: float | None
    tags: str
    prompt: str
    gpt_description_prompt: str
    negative_tags: str
    clip_type: str
    history: list = field(default_factory=list)
    error_message: str = ""
    metadata: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lyrics:
    status: str
    title: str
    text: str


@dataclass(frozen=True)
class Task:
    task_id: str
    action: str
    status: str
    fail_reason: str
    progress: str
    submit_time: int
    start_time: int
    finish_time: int
    clips: list[Clip] = field(default_factory=list)
    lyrics: Lyrics | None = None
    raw: dict = field(default_factory=dict)
    # What a failure means when the family says so itself (a songs.reasons code, e.g. "refused_content"
    # for sunoapi's SENSITIVE_WORD_ERROR); "" leaves it to the words of fail_reason.
    fail_kind: str = ""
    # A render's file (sunoapi's WAV or MP4 of a clip): its link once the gateway has made it.
    media_url: str = ""

    @property
    def is_terminal(self) -> bool:
        return self.status in ("SUCCESS", "FAILURE")

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def failed(self) -> bool:
        return self.status == "FAILURE"


# --- Lenient field readers ----------------------------------------------------------------


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def as_int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def as_float(value: Any) -> float | None:
    # Suno reports duration as null, int, float, or a numeric string while generating.
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _iso_seconds(value: str) -> int:
    """Unix seconds of an ISO 8601 time such as "2024-07-22T07:56:36.710Z"; 0 when unreadable."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Suno's times are UTC
    return int(moment.timestamp())


# --- Task format ----------------------------------------------------------------------------


def parse_clip(raw: dict) -> Clip:
    meta = _dict(raw.get("metadata"))
    history = meta.get("history")
    return Clip(
        id=as_text(raw.get("id")),
        status=as_text(raw.get("status")).lower(),
        title=as_text(raw.get("title")),
        audio_url=as_text(raw.get("audio_url")),
        video_url=as_text(raw.get("video_url")),
        image_url=as_text(raw.get("image_url")),
        image_large_url=as_text(raw.get("image_large_url")),
        is_video_pending=_bool(raw.get("is_video_pending")),
        model_name=as_text(raw.get("model_name")),
        major_model_version=as_text(raw.get("major_model_version")),
        created_at=as_text(raw.get("created_at")),
        duration=as_float(meta.get("duration")),
        tags=as_text(meta.get("tags")),
        prompt=as_text(meta.get("prompt")),
        gpt_description_prompt=as_text(meta.get("gpt_description_prompt")),
        negative_tags=as_text(meta.get("negative_tags")),
        clip_type=as_text(meta.get("type")),
        history=history if isinstance(history, list) else [],
        error_message=as_text(meta.get("error_message") or raw.get("error_message")),
        metadata=meta,
        raw=raw,
    )


def parse_task(raw: dict) -> Task:
    action = as_text(raw.get("action")).upper()
    data = raw.get("data")
    clips = [parse_clip(item) for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    lyrics = None
    if isinstance(data, dict) and (action == "LYRICS" or "text" in data):
        lyrics = Lyrics(
            status=as_text(data.get("status")),
            title=as_text(data.get("title")),
            text=as_text(data.get("text")),
        )
    return Task(
        task_id=as_text(raw.get("task_id")),
        action=action,
        # Some gateways leave the status out early on: UNKNOWN counts as still pending.
        status=as_text(raw.get("status")).upper() or "UNKNOWN",
        fail_reason=as_text(raw.get("fail_reason")),
        progress=as_text(raw.get("progress")),
        submit_time=as_int(raw.get("submit_time")),
        start_time=as_int(raw.get("start_time")),
        finish_time=as_int(raw.get("finish_time")),
        clips=clips,
        lyrics=lyrics,
        raw=raw,
    )


# --- v2 format: a generation tracked as a task ------------------------------------------------

V2_TASK_PREFIX = "v2:"


def encode_v2_task_id(generation_id: str, clip_ids: list[str]) -> str:
    """The studio's task id for a v2 generation: ``"v2:" + generation id + ":" + ",".join(clip ids)``.

    v2 has no task: generate answers a generation and its clips, and the feed is read by clip ids.
    Packing both into one id lets the studio store and poll a v2 generation exactly like a task.
    This pair (encode/decode) is the only place that knows the layout. Raises ValueError when the
    ids would not survive the round trip.
    """
    if not generation_id or ":" in generation_id:
        raise ValueError(f"unusable generation id {generation_id!r}")
    if not clip_ids or any(not clip_id or "," in clip_id for clip_id in clip_ids):
        raise ValueError(f"unusable clip ids {clip_ids!r}")
    return f"{V2_TASK_PREFIX}{generation_id}:{','.join(clip_ids)}"


def decode_v2_task_id(task_id: str) -> tuple[str, list[str]]:
    """(generation id, clip ids in the generation's order). Raises ValueError for anything else."""
    if not is_v2_task_id(task_id):
        raise ValueError(f"not a v2 task id: {task_id!r}")
    # The generation id holds no ":" (encode refuses it), so the first ":" ends it.
    generation_id, separator, joined = task_id.removeprefix(V2_TASK_PREFIX).partition(":")
    clip_ids = joined.split(",")
    if not generation_id or not separator or not all(clip_ids):
        raise ValueError(f"malformed v2 task id: {task_id!r}")
    return generation_id, clip_ids


def is_v2_task_id(task_id: str) -> bool:
    return task_id.startswith(V2_TASK_PREFIX)


def _v2_status(clips: list[Clip], expected: int) -> str:
    """A task status for a generation, from its clips' statuses.

    Only a generation whose clips are all present and all finished (complete or error) is terminal:
    a clip the feed has not listed yet may still come. All complete, or finished with at least one
    complete, is a success (the failed clip stays visible with its own error); all errors is a failure.
    """
    statuses = [clip.status for clip in clips]
    settled = len(clips) == expected and all(status in ("complete", "error") for status in statuses)
    if settled:
        return "SUCCESS" if "complete" in statuses else "FAILURE"
    if any(status in ("streaming", "complete") for status in statuses):
        return "IN_PROGRESS"
    return "SUBMITTED"


def v2_task(task_id: str, clip_ids: list[str], found: Mapping[str, Clip]) -> Task | None:
    """One MUSIC task for a v2 generation, from the feed's clips (``found``, by clip id).

    None when the feed listed none of its clips: such an id is left out, like an unknown task id.
    """
    clips = [found[clip_id] for clip_id in clip_ids if clip_id in found]
    if not clips:
        return None
    status = _v2_status(clips, expected=len(clip_ids))
    reasons = [clip.error_message for clip in clips if clip.error_message]
    fail_reason = (reasons[0] if reasons else "all clips failed") if status == "FAILURE" else ""
    progress = "100%" if status == "SUCCESS" else "0%"
    # The same shape as a task-format task object, so stored answers read alike in both formats.
    raw = {
        "task_id": task_id,
        "action": "MUSIC",
        "status": status,
        "fail_reason": fail_reason,
        "progress": progress,
        "data": [clip.raw for clip in clips],
    }
    created = [seconds for seconds in (_iso_seconds(clip.created_at) for clip in clips) if seconds]
    return Task(
        task_id=task_id,
        action="MUSIC",
        status=status,
        fail_reason=fail_reason,
        progress=progress,
        submit_time=min(created, default=0),
        start_time=0,
        finish_time=0,
        clips=clips,
        raw=raw,
    )


# --- Timing (act/timing): the words as sung -------------------------------------------------


@dataclass(frozen=True)
class AlignedWord:
    """One lyric word with its times in the clip, as ``GET act/timing/<clip_id>`` answers it.

    ``word`` keeps its trailing space or newline, and the section tags and blank lines before it
    ("[Verse]\\nWinter "), so the words joined give the lyrics back.
    """

    word: str
    start_s: float
    end_s: float
    success: bool
    p_align: float

    def as_dict(self) -> dict:
        return {
            "word": self.word,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "success": self.success,
            "p_align": self.p_align,
        }


def parse_aligned_words(body: Any) -> list[AlignedWord] | None:
    """The aligned words of a timing answer, in order; None when it has no ``aligned_words`` list.

    Lenient like the rest: a bare answer (the reference's) or one wrapped in the task envelope's
    ``data``; numbers as strings; an item without a word or a readable start is left out, and an end
    before its start is moved up to it.
    """
    if isinstance(body, dict) and body.get("code") == "success" and isinstance(body.get("data"), dict):
        body = body["data"]
    items = body.get("aligned_words") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return None
    words = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("word"), str) or not item["word"]:
            continue
        start = as_float(item.get("start_s"))
        if start is None or start < 0:
            continue
        end = as_float(item.get("end_s"))
        p_align = as_float(item.get("p_align"))
        words.append(
            AlignedWord(
                word=item["word"],
                start_s=start,
                end_s=max(start, end if end is not None else start),
                success=_bool(item.get("success", True)),
                p_align=min(1.0, max(0.0, p_align)) if p_align is not None else 0.0,
            )
        )
    return words
