"""AceDataCloud's Suno API (``SUNO_API_FORMAT=acedata``): one submit call with an ``action``, a task store.

Written from AceDataCloud's own documents (docs/protocol.md section 10): every song request is
``POST /suno/audios`` whose ``action`` picks the behaviour (generate, extend, upload_extend, cover,
upload_cover, replace_section, concat, stems, all_stems, artist_consistency); results are read with
``POST /suno/tasks`` (``retrieve`` one, ``retrieve_batch`` many), whose items carry the original
``request`` and, once there is one, its ``response`` (``{success, task_id, data: [song, ...]}``). A song
has ``state`` succeeded | pending | running | error. Uploads, personas, lyrics, style boost and timing are
calls of their own (``/suno/upload``, ``/suno/persona``, ``/suno/lyrics``, ``/suno/style``,
``/suno/timing``), each answering ``{success, task_id, data}``. Failures are
``{success: false, error: {code, message}}``, read by the shared error reader.

Without ``callback_url`` AceDataCloud holds the request open until the songs are made (1-2 minutes), so a
submit always carries one and is answered ``{task_id}`` at once: the studio's callback address when the
caller gave one, otherwise an address that never resolves (the ``.invalid`` name is reserved), and
polling alone finds the result.
"""

from __future__ import annotations

from typing import Any

from songs.gateway.errors import GatewayError, bad_response, required_text
from songs.gateway.formats import ApiRequest, Capabilities, FetchPlan
from songs.gateway.parse import (
    AlignedWord,
    Lyrics,
    Task,
    as_text,
    parse_aligned_words,
    parse_clip,
)

AUDIOS_PATH = "/suno/audios"
TASKS_PATH = "/suno/tasks"
# Where AceDataCloud is told to call back when the caller gave no address: a reserved name that never
# resolves (RFC 2606), so the call fails at once on their side and changes nothing here.
NO_CALLBACK_URL = "https://callback.invalid/song-studio"

# The studio's model names (songs/catalog.py, Suno's own) -> AceDataCloud's documented ``model`` values.
MODELS = {
    "chirp-v3-0": "chirp-v3",
    "chirp-v3-5": "chirp-v3-5",
    "chirp-v4": "chirp-v4",
    "chirp-auk": "chirp-v4-5",
    "chirp-bluejay": "chirp-v4-5-plus",
    "chirp-crow": "chirp-v5",
    "chirp-fenix": "chirp-v5-5",
    "chirp-v6": "chirp-v6",
}
# A song's ``state`` -> the clip status the studio reads.
STATES = {"succeeded": "complete", "running": "streaming", "pending": "queued", "error": "error"}
# What kind of clip each action makes (the studio's ``metadata.type``).
CLIP_TYPES = {"stems": "stem", "all_stems": "stem", "concat": "concat"}


def model_for(mv: str) -> str:
    """AceDataCloud's name for a studio model; its -upload and -tau variants are the same model there."""
    base = mv.removesuffix("-upload").removesuffix("-tau")
    return MODELS.get(base, base)


def _drop_empty(body: dict) -> dict:
    return {key: value for key, value in body.items() if value is not None and value != ""}


def _song_fields(payload: dict) -> dict:
    """The words of a request: a description (inspiration), or lyrics, title and style (custom)."""
    if "gpt_description_prompt" in payload:
        return {
            "custom": False,
            "prompt": payload.get("gpt_description_prompt") or "",
            "instrumental": bool(payload.get("make_instrumental")),
        }
    return {
        "custom": True,
        "lyric": payload.get("prompt") or "",
        "title": payload.get("title") or "",
        "style": payload.get("tags") or "",
        "style_negative": payload.get("negative_tags") or "",
        "instrumental": bool(payload.get("make_instrumental")),
    }


def audios_body(payload: dict, callback_url: str) -> dict:
    """The ``/suno/audios`` body for a studio music payload (the task/v2 keys, docs/protocol.md)."""
    task = payload.get("task") or ""
    source = payload.get("continue_clip_id") or ""
    body: dict[str, Any] = {"model": model_for(payload.get("mv") or ""), "callback_url": callback_url}
    if task == "gen_stem":
        body |= {"action": "all_stems" if payload.get("stem_task") == "all" else "stems", "audio_id": source}
        return _drop_empty(body)
    body |= _song_fields(payload)
    if payload.get("vocal_gender"):
        body["vocal_gender"] = payload["vocal_gender"]
    if task == "cover":
        action = "upload_cover" if payload.get("cover_clip_type") == "upload" else "cover"
        body |= {"action": action, "audio_id": payload.get("cover_clip_id")}
    elif task == "artist_consistency":
        body |= {
            "action": "artist_consistency",
            "persona_id": payload.get("persona_id"),
            "audio_id": payload.get("artist_clip_id"),
        }
    elif source and payload.get("infill_start_s") is not None:
        # The new lyrics of the section go in prompt, the whole song's in lyric; the studio has one text.
        body |= {
            "action": "replace_section",
            "audio_id": source,
            "prompt": body.get("lyric", ""),
            "replace_section_start": payload.get("infill_start_s"),
            "replace_section_end": payload.get("infill_end_s"),
        }
    elif source:
        # An upload's continuation carries no origin task (songs.services.requests), or the -upload model.
        uploaded = "task_id" not in payload or (payload.get("mv") or "").endswith("-upload")
        body |= {
            "action": "upload_extend" if uploaded else "extend",
            "audio_id": source,
            "continue_at": payload.get("continue_at"),
        }
    else:
        body["action"] = "generate"
    return _drop_empty(body)


# --- Reading answers ---


def _read_task_id(body: Any) -> str:
    task_id = as_text(body.get("task_id")) if isinstance(body, dict) else ""
    if not task_id:
        raise bad_response("AceDataCloud's answer carries no task_id")
    return task_id


def _data(body: Any) -> Any:
    if not isinstance(body, dict) or body.get("success") is False:
        raise bad_response("AceDataCloud's answer is not a success")
    return body.get("data")


def _read_audio_id(body: Any) -> str:
    return required_text(_data(body), "audio_id", missing="AceDataCloud's upload answer carries no audio_id")


def _read_persona_id(body: Any) -> str:
    missing = "AceDataCloud's persona answer carries no persona_id"
    return required_text(_data(body), "persona_id", missing=missing)


def _read_upsampled_tags(body: Any) -> str:
    missing = "AceDataCloud's style answer carries no upsampled_tags"
    return required_text(_data(body), "upsampled_tags", missing=missing)


def _read_timing(body: Any) -> list[AlignedWord]:
    words = parse_aligned_words(_data(body))
    if words is None:
        raise bad_response("AceDataCloud's timing answer has no aligned_words list")
    return words


def song_clip(song: dict, *, clip_type: str, description: str, infill: bool = False) -> dict:
    """One AceDataCloud song as the clip object the studio reads (docs/protocol.md, "Clip object")."""
    state = as_text(song.get("state")).lower()
    # Older answers (and the callback example) leave state out: a song with its audio is done.
    status = STATES.get(state) or ("complete" if song.get("audio_url") else "queued")
    return {
        "id": as_text(song.get("id")),
        "title": as_text(song.get("title")),
        "status": status,
        "audio_url": as_text(song.get("audio_url")),
        "video_url": as_text(song.get("video_url")),
        "image_url": as_text(song.get("image_url")),
        "image_large_url": as_text(song.get("image_large_url")),
        "model_name": as_text(song.get("model")),
        "created_at": as_text(song.get("created_at")),
        "metadata": {
            "tags": as_text(song.get("style")),
            "prompt": as_text(song.get("lyric")),
            "gpt_description_prompt": description,
            "duration": song.get("duration"),
            "type": clip_type,
            "concat_history": song.get("concat_history"),
            "infill": infill,  # a replaced section's new part: concat stitches it back
            "error_message": _song_error(song) if status == "error" else "",
        },
    }


def _song_error(song: dict) -> str:
    return as_text(song.get("error_message") or song.get("error") or "AceDataCloud could not make this song")


def _status(statuses: list[str]) -> str:
    """Settled when every song is complete or error; a success when at least one is complete."""
    if statuses and all(status in ("complete", "error") for status in statuses):
        return "SUCCESS" if "complete" in statuses else "FAILURE"
    if any(status in ("streaming", "complete") for status in statuses):
        return "IN_PROGRESS"
    return "SUBMITTED"


def _error_text(response: dict) -> str:
    error = response.get("error")
    if isinstance(error, dict):
        return as_text(error.get("message") or error.get("code"))
    return as_text(error or response.get("message"))


def task_from_item(item: dict) -> Task | None:
    """A ``/suno/tasks`` item (``{id, request, response}``) as a studio task; None without an id."""
    response = item.get("response") if isinstance(item.get("response"), dict) else None
    request = item.get("request") if isinstance(item.get("request"), dict) else {}
    task_id = as_text(item.get("id") or (response or {}).get("task_id"))
    if not task_id:
        return None
    action = as_text(request.get("action")) or "generate"
    data = (response or {}).get("data")
    songs = [song for song in data if isinstance(song, dict)] if isinstance(data, list) else []
    fail_reason, lyrics, clips = "", None, []
    if response is None:
        status = "SUBMITTED"  # accepted, nothing made yet
    elif response.get("success") is False or response.get("error"):
        status, fail_reason = "FAILURE", _error_text(response) or "AceDataCloud reported a failure"
    elif songs and "text" in songs[0] and "audio_url" not in songs[0]:
        # A lyrics task (/suno/lyrics): candidates of {text, title, status, tags}; the first is kept.
        status = "SUCCESS"
        first = songs[0]
        lyrics = Lyrics(status="complete", title=as_text(first.get("title")), text=as_text(first["text"]))
    else:
        description = "" if request.get("custom") else as_text(request.get("prompt"))
        clip_type = CLIP_TYPES.get(action) or ("upload" if action == "upload" else "gen")
        infill = action == "replace_section"
        clips = [
            parse_clip(song_clip(s, clip_type=clip_type, description=description, infill=infill))
            for s in songs
        ]
        clips = [clip for clip in clips if clip.id]
        status = _status([clip.status for clip in clips])
        if status == "FAILURE":
            fail_reason = next((c.error_message for c in clips if c.error_message), "") or "all songs failed"
    raw = {"task_id": task_id, "action": "LYRICS" if lyrics else "MUSIC", "status": status, "data": data}
    return Task(
        task_id=task_id,
        action=raw["action"],
        status=status,
        fail_reason=fail_reason,
        progress="100%" if status in ("SUCCESS", "FAILURE") else "0%",
        submit_time=int(item["created_at"]) if isinstance(item.get("created_at"), int | float) else 0,
        start_time=0,
        finish_time=0,
        clips=clips,
        lyrics=lyrics,
        raw={**raw, "request": request},
    )


def _read_item(body: Any) -> Task:
    task = task_from_item(body) if isinstance(body, dict) else None
    if task is None:
        raise GatewayError("task_not_exist", "AceDataCloud knows no such task", retryable=False)
    return task


def _read_items(body: Any) -> list[Task]:
    items = body.get("items") if isinstance(body, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise bad_response("AceDataCloud's task list is not a list")
    tasks = (task_from_item(item) for item in items if isinstance(item, dict))
    return [task for task in tasks if task is not None]


class AceDataFormat:
    """AceDataCloud (docs/protocol.md section 10): ``/suno/audios`` actions, ``/suno/tasks`` to read."""

    capabilities = Capabilities(
        concat=True,  # action concat (also stitches a replaced section back)
        upload=True,  # POST /suno/upload {audio_url}
        infill=True,  # action replace_section
        negative_tags=True,  # style_negative
        video=True,  # video_url on each song
        timing=True,  # POST /suno/timing
        stems=True,  # action stems (all_stems: twelve tracks, sent for stem_task "all")
        cover=True,  # action cover
        persona=True,  # POST /suno/persona, then action artist_consistency
        vocal_gender=True,
        controls=False,  # weirdness and style_influence exist, but no target duration: not offered half
        boost=True,  # POST /suno/style
    )
    callback_param = "callback_url"
    # Ids a retrieve_batch: its documents set no limit; small batches keep one slow answer from holding
    # up the rest.
    fetch_batch_size = 50

    def submit_music(self, payload: dict) -> ApiRequest:
        callback = payload.get(self.callback_param) or NO_CALLBACK_URL
        return ApiRequest("POST", AUDIOS_PATH, _read_task_id, audios_body(payload, callback))

    def submit_lyrics(self, prompt: str) -> ApiRequest:
        return ApiRequest("POST", "/suno/lyrics", _read_task_id, {"prompt": prompt})

    def submit_concat(self, clip_id: str, is_infill: bool) -> ApiRequest:
        # One action for both: the last part of a continuation chain, or a replaced section's new part.
        body = {"action": "concat", "audio_id": clip_id, "callback_url": NO_CALLBACK_URL}
        return ApiRequest("POST", AUDIOS_PATH, _read_task_id, body)

    def upload_audio_url(self, url: str) -> ApiRequest:
        return ApiRequest("POST", "/suno/upload", _read_audio_id, {"audio_url": url})

    def persona_create(self, body: dict) -> ApiRequest:
        persona = {"audio_id": body.get("root_clip_id"), "name": body.get("name") or "Persona"}
        return ApiRequest("POST", "/suno/persona", _read_persona_id, persona)

    def style_boost(self, tags: str) -> ApiRequest:
        return ApiRequest("POST", "/suno/style", _read_upsampled_tags, {"prompt": tags})

    def fetch_one(self, task_id: str) -> FetchPlan:
        request = ApiRequest("POST", TASKS_PATH, _read_item, {"action": "retrieve", "id": task_id})
        return FetchPlan([request], lambda answers: [answers[0]])

    def fetch_many(self, task_ids: list[str]) -> FetchPlan:
        size = self.fetch_batch_size
        batches = [task_ids[i : i + size] for i in range(0, len(task_ids), size)]
        requests = [
            ApiRequest("POST", TASKS_PATH, _read_items, {"action": "retrieve_batch", "ids": ids})
            for ids in batches
        ]
        wanted = set(task_ids)

        def combine(answers: list[Any]) -> list[Task]:
            # Only ids asked for: a store that answers others must not add cards.
            return [task for answer in answers for task in answer if task.task_id in wanted]

        return FetchPlan(requests, combine)

    def timing(self, clip_id: str, task_id: str = "") -> ApiRequest:
        return ApiRequest("POST", "/suno/timing", _read_timing, {"audio_id": clip_id})

    @staticmethod
    def callback_task_ids(body: Any) -> list[str]:
        """The task a callback names: ``{success, task_id, data}`` (a callback only wakes it)."""
        task_id = as_text(body.get("task_id")) if isinstance(body, dict) else ""
        return [task_id] if task_id else []
