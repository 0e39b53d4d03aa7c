"""The sunoapi.org / kie.ai family (``SUNO_API_FORMAT=sunoapi``): its requests, its records, its callbacks.

Both services publish the same API (docs/protocol.md, "sunoapi.org and kie.ai"): every call answers
``{"code": 200, "msg", "data"}`` (``code`` a number; anything but 200 is a failure, read in
``errors.error_from_body``), a submit answers ``data.taskId``, and a task is read back one at a time with
``GET .../record-info?taskId=`` in camelCase. Callbacks (``callBackUrl``, required on every submit) are
snake_case and only wake the task (songs.services.callbacks).

The studio's requests are the same dicts for every family (songs.services.requests, stems, personas):
this adapter maps them onto the family's calls. Its task ids say which record to read: a song's is the
family's own ``taskId``; lyrics and stems have records of their own, so theirs are stored as
``lyrics:<taskId>`` and ``stems:<taskId>``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from songs.gateway.errors import bad_response, not_supported, required_text
from songs.gateway.formats import ApiRequest, Capabilities, FetchPlan, task_ids_named
from songs.gateway.parse import AlignedWord, Lyrics, Task, as_float, as_text, parse_aligned_words, parse_clip

# callBackUrl is required on every submit. With callbacks off the studio has no address a gateway could
# reach, so it gives one that can never resolve (RFC 6761 .invalid): nothing is ever sent anywhere else.
NO_CALLBACK = "https://callback.invalid/"

# The studio's model names (songs/catalog.py) and the family's (docs/protocol.md: V3_5 ... V5_5, V6,
# V6_MINI, V6_WILD). -upload and -tau variants are the reseller's; here the plain model does the same.
MODELS = {
    "chirp-v3-5": "V3_5",
    "chirp-v4": "V4",
    "chirp-auk": "V4_5",
    "chirp-bluejay": "V4_5PLUS",
    "chirp-crow": "V5",
    "chirp-fenix": "V5_5",
    "chirp-v6": "V6",
    "chirp-v6-mini": "V6_MINI",
    "chirp-v6-wild": "V6_WILD",
}
DEFAULT_MODEL = "V4_5"

LYRICS_PREFIX, STEMS_PREFIX = "lyrics:", "stems:"

# Renders: a file the family makes of a clip it made (docs/protocol.md 8.3). Each is a call of its own with
# the clip's taskId and audioId, read back from a record of its own: (submit path, record path, the
# record's link key in ``response``).
RENDERS = {
    "wav": ("/api/v1/wav/generate", "/api/v1/wav/record-info", "audioWavUrl"),
    "mp4": ("/api/v1/mp4/generate", "/api/v1/mp4/record-info", "videoUrl"),
}

# record-info's status, and what each means for the task (the studio's task statuses) and the reason
# people read when it ends there (songs/reasons.py).
PENDING_STATUSES = {"PENDING": "QUEUED", "TEXT_SUCCESS": "IN_PROGRESS", "FIRST_SUCCESS": "IN_PROGRESS"}
FAILED_STATUSES = {
    "CREATE_TASK_FAILED": "create_failed",
    "GENERATE_AUDIO_FAILED": "audio_failed",
    "GENERATE_LYRICS_FAILED": "audio_failed",
    "CALLBACK_EXCEPTION": "callback_failed",
    "SENSITIVE_WORD_ERROR": "refused_content",
    "GENERATE_WAV_FAILED": "audio_failed",
    "GENERATE_MP4_FAILED": "audio_failed",
}


def model_of(mv: str) -> str:
    plain = as_text(mv).removesuffix("-upload").removesuffix("-tau")
    return MODELS.get(plain, DEFAULT_MODEL)


# --- Reading answers ---


def _data(body: Any) -> Any:
    # Failure codes were already raised by the client (errors.error_from_body); this is success.
    if not isinstance(body, dict) or body.get("code") not in (200, "200"):
        raise bad_response("The gateway's answer has no success code")
    return body.get("data")


def _read_task_id(body: Any) -> str:
    return required_text(_data(body), "taskId", "task_id", missing="The gateway's answer carries no taskId")


def _prefixed(prefix: str):
    return lambda body: prefix + _read_task_id(body)


def _read_persona_id(body: Any) -> str:
    return required_text(_data(body), "personaId", missing="The gateway's persona carries no personaId")


def _read_boost(body: Any) -> str:
    return required_text(_data(body), "result", missing="The gateway's style boost carries no result")


def _read_timing(body: Any) -> list[AlignedWord]:
    data = _data(body)
    items = data.get("alignedWords") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise bad_response("The gateway's timestamped lyrics have no alignedWords list")
    snake = [
        {
            "word": item.get("word"),
            "start_s": item.get("startS"),
            "end_s": item.get("endS"),
            "success": item.get("success", True),
            "p_align": item.get("palign", item.get("pAlign")),
        }
        for item in items
        if isinstance(item, dict)
    ]
    return parse_aligned_words({"aligned_words": snake}) or []


def _param(record: dict) -> dict:
    """The request as the family echoes it: a JSON string (leniently: an object, or nothing)."""
    value = record.get("param")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _song_clip(item: dict, *, param: dict, failed: bool) -> dict:
    """One sunoData item (camelCase) as the studio's clip object (docs/protocol.md, "Clip object")."""
    audio, stream = as_text(item.get("audioUrl")), as_text(item.get("streamAudioUrl"))
    status = "error" if failed and not audio else "complete" if audio else "streaming" if stream else "queued"
    description = "" if param.get("customMode", True) else as_text(param.get("prompt"))
    return {
        "id": as_text(item.get("id")),
        "status": status,
        "title": as_text(item.get("title")),
        "audio_url": audio or stream,
        "image_url": as_text(item.get("imageUrl")),
        "model_name": as_text(item.get("modelName")),
        "created_at": as_text(item.get("createTime")),
        "metadata": {
            "tags": as_text(item.get("tags")),
            "prompt": as_text(item.get("prompt")),
            "gpt_description_prompt": description,
            "negative_tags": as_text(param.get("negativeTags")),
            "duration": as_float(item.get("duration")),
            "type": "gen",
        },
    }


def _status(record: dict, *, key: str, has_audio: bool) -> tuple[str, str, str]:
    """(task status, fail reason for staff, reason code for people) from a record's status."""
    status = as_text(record.get(key)).upper()
    if status == "SUCCESS":
        return "SUCCESS", "", ""
    if status in FAILED_STATUSES:
        if status == "CALLBACK_EXCEPTION" and has_audio:
            return "SUCCESS", "", ""  # the music is made; only the call to us failed (we poll anyway)
        words = as_text(record.get("errorMessage")) or status.replace("_", " ").lower()
        code = as_text(record.get("errorCode"))
        return "FAILURE", f"{words} ({status}{', ' + code if code else ''})", FAILED_STATUSES[status]
    return PENDING_STATUSES.get(status, "QUEUED"), "", ""


def _task(task_id: str, action: str, status: tuple[str, str, str], raw: dict, **fields) -> Task:
    state, reason, kind = status
    progress = {"SUCCESS": "100%", "FAILURE": "100%", "IN_PROGRESS": "50%"}.get(state, "0%")
    return Task(
        task_id=task_id,
        action=action,
        status=state,
        fail_reason=reason,
        fail_kind=kind,
        progress=progress,
        submit_time=0,
        start_time=0,
        finish_time=0,
        raw=raw,
        **fields,
    )


def _read_song_record(body: Any) -> Task | None:
    record = _data(body)
    if not isinstance(record, dict) or not record.get("taskId"):
        return None  # not known (yet): left out, like an unknown id in a batch fetch
    response = record.get("response") if isinstance(record.get("response"), dict) else {}
    items = [item for item in response.get("sunoData") or [] if isinstance(item, dict) and item.get("id")]
    has_audio = any(item.get("audioUrl") for item in items)
    status = _status(record, key="status", has_audio=has_audio)
    param = _param(record)
    clips = [parse_clip(_song_clip(item, param=param, failed=status[0] == "FAILURE")) for item in items]
    return _task(as_text(record["taskId"]), "MUSIC", status, record, clips=clips)


def _read_lyrics_record(body: Any) -> Task | None:
    record = _data(body)
    if not isinstance(record, dict) or not record.get("taskId"):
        return None
    response = record.get("response") if isinstance(record.get("response"), dict) else {}
    texts = [item for item in response.get("data") or [] if isinstance(item, dict) and item.get("text")]
    status = _status(record, key="status", has_audio=bool(texts))
    lyrics = None
    if texts:
        first = texts[0]
        lyrics = Lyrics(status="complete", title=as_text(first.get("title")), text=as_text(first.get("text")))
    elif status[0] == "SUCCESS":
        status = ("FAILURE", "no lyrics in the record", "audio_failed")
    return _task(LYRICS_PREFIX + as_text(record["taskId"]), "LYRICS", status, record, lyrics=lyrics)


_STEM_PARTS = (("Vocals", "vocalUrl"), ("Instrumental", "instrumentalUrl"))


def _read_stems_record(body: Any) -> Task | None:
    """A vocal separation: its two files become the two stem clips (docs/protocol.md 7.5's shape)."""
    record = _data(body)
    if not isinstance(record, dict) or not record.get("taskId"):
        return None
    task_id = as_text(record["taskId"])
    response = record.get("response") if isinstance(record.get("response"), dict) else {}
    origin = {
        as_text(item.get("stem_type_group_name")).lower(): item
        for item in response.get("originData") or []
        if isinstance(item, dict)
    }
    has_audio = any(response.get(key) for _part, key in _STEM_PARTS)
    status = _status(record, key="successFlag", has_audio=has_audio)
    clips = []
    if has_audio:
        for part, key in _STEM_PARTS:
            source = origin.get(part.lower(), {})
            url = as_text(response.get(key) or source.get("audio_url"))
            clip_id = as_text(source.get("id")) or f"{task_id}-{part.lower()}"
            clip = {
                "id": clip_id,
                "status": "complete" if url else "error",
                "title": part,
                "audio_url": url,
                "metadata": {
                    "type": "stem",
                    "stem_from_id": as_text(record.get("musicId")),
                    "duration": as_float(source.get("duration")),
                },
            }
            clips.append(parse_clip(clip))
    return _task(STEMS_PREFIX + task_id, "MUSIC", status, record, clips=clips)


def _render_reader(kind: str):
    """A WAV or MP4 record: ``successFlag`` PENDING, SUCCESS or a failure; the link in ``response``."""
    link_key = RENDERS[kind][2]

    def read(body: Any) -> Task | None:
        record = _data(body)
        if not isinstance(record, dict) or not record.get("taskId"):
            return None
        response = record.get("response") if isinstance(record.get("response"), dict) else {}
        url = as_text(response.get(link_key))
        status = _status(record, key="successFlag", has_audio=bool(url))
        if status[0] == "SUCCESS" and not url:
            status = ("FAILURE", f"no {link_key} in a successful record", "audio_failed")
        task_id = f"{kind}:{as_text(record['taskId'])}"
        return _task(task_id, "RENDER", status, record, media_url=url if status[0] == "SUCCESS" else "")

    return read


def render_request(payload: dict) -> ApiRequest:
    """The clip's WAV or MP4 (payload ``task``: "wav" or "mp4"): its task id and audio id, nothing else
    (the MP4's optional author and domainName are not sent: the video shows the song's own cover)."""
    kind = payload["task"]
    body = {"taskId": payload.get("task_id"), "audioId": payload.get("audio_id"), "callBackUrl": NO_CALLBACK}
    return ApiRequest("POST", RENDERS[kind][0], _prefixed(f"{kind}:"), body)


# --- Shaping requests ---


def _drop_empty(body: dict) -> dict:
    return {key: value for key, value in body.items() if value not in (None, "")}


def _song_fields(payload: dict) -> dict:
    """What every music call shares: the style, title, model and the finer choices the form made."""
    return {
        "style": payload.get("tags"),
        "title": payload.get("title"),
        "model": model_of(payload.get("mv", "")),
        "negativeTags": payload.get("negative_tags"),
        "vocalGender": payload.get("vocal_gender"),
        "personaId": payload.get("persona_id"),
        "callBackUrl": NO_CALLBACK,
    }


def _lyrics_of(payload: dict) -> str:
    return "" if payload.get("make_instrumental") else as_text(payload.get("prompt"))


# Add vocals / Add instrumental (docs/protocol.md 8.1): a new song over the user's own audio, read back
# from record-info like any song. Both require title, negativeTags and callBackUrl besides the link;
# add-vocals the lyrics (prompt) and style, add-instrumental the style as tags. Models: V4_5PLUS (their
# default), V5, V5_5.
ADD_PARTS = {
    "add_vocals": "/api/v1/generate/add-vocals",
    "add_instrumental": "/api/v1/generate/add-instrumental",
}
ADD_PART_MODELS = ("V4_5PLUS", "V5", "V5_5")


def add_part_request(payload: dict) -> ApiRequest:
    task = payload["task"]
    model = model_of(payload.get("mv", ""))
    body = {
        "uploadUrl": payload.get("upload_url"),  # the studio's signed link to the user's own audio
        "title": as_text(payload.get("title")),
        "negativeTags": as_text(payload.get("negative_tags")),  # required, may be empty
        "vocalGender": payload.get("vocal_gender"),
        "model": model if model in ADD_PART_MODELS else ADD_PART_MODELS[0],
        "callBackUrl": NO_CALLBACK,
    }
    if task == "add_vocals":
        body.update(prompt=as_text(payload.get("prompt")), style=as_text(payload.get("tags")))
    else:
        body.update(tags=as_text(payload.get("tags")))
    kept = {key: value for key, value in body.items() if value is not None}
    return ApiRequest("POST", ADD_PARTS[task], _read_task_id, kept)


def music_request(payload: dict) -> ApiRequest:
    """The family's call for a studio music request (docs/protocol.md, "How the studio maps them")."""
    task = payload.get("task")
    if task in RENDERS:
        return render_request(payload)
    if task == "gen_stem":
        body = {
            "taskId": payload.get("task_id"),
            "audioId": payload.get("continue_clip_id"),
            "type": "separate_vocal",
            "callBackUrl": NO_CALLBACK,
        }
        return ApiRequest("POST", "/api/v1/vocal-removal/generate", _prefixed(STEMS_PREFIX), body)
    if task == "cover":
        body = {
            **_song_fields(payload),
            "uploadUrl": payload.get("upload_url") or payload.get("cover_audio_url"),
            "customMode": True,
            "instrumental": bool(payload.get("make_instrumental")),
            "prompt": _lyrics_of(payload),
        }
        return ApiRequest("POST", "/api/v1/generate/upload-cover", _read_task_id, _drop_empty(body))
    if task in ADD_PARTS:
        return add_part_request(payload)
    if payload.get("infill_start_s") is not None:
        body = {
            "taskId": payload.get("task_id"),
            "audioId": payload.get("continue_clip_id"),
            "prompt": payload.get("prompt"),
            "tags": payload.get("tags"),
            "title": payload.get("title"),
            "negativeTags": payload.get("negative_tags"),
            "infillStartS": payload.get("infill_start_s"),
            "infillEndS": payload.get("infill_end_s"),
            "callBackUrl": NO_CALLBACK,
        }
        return ApiRequest("POST", "/api/v1/generate/replace-section", _read_task_id, _drop_empty(body))
    if payload.get("continue_clip_id") and payload.get("upload_url"):
        body = {
            **_song_fields(payload),
            "uploadUrl": payload["upload_url"],  # the studio's signed link to the user's own audio
            "defaultParamFlag": True,
            "instrumental": bool(payload.get("make_instrumental")),
            "continueAt": payload.get("continue_at"),
            "prompt": _lyrics_of(payload),
        }
        return ApiRequest("POST", "/api/v1/generate/upload-extend", _read_task_id, _drop_empty(body))
    if payload.get("continue_clip_id"):
        body = {
            **_song_fields(payload),
            "defaultParamFlag": True,  # our own lyrics, style and title, from the second asked for
            "audioId": payload["continue_clip_id"],
            "continueAt": payload.get("continue_at"),
            "prompt": _lyrics_of(payload),
        }
        return ApiRequest("POST", "/api/v1/generate/extend", _read_task_id, _drop_empty(body))
    if "gpt_description_prompt" in payload:
        body = {
            "customMode": False,
            "instrumental": bool(payload.get("make_instrumental")),
            "prompt": payload.get("gpt_description_prompt"),
            "model": model_of(payload.get("mv", "")),
            "callBackUrl": NO_CALLBACK,
        }
        return ApiRequest("POST", "/api/v1/generate", _read_task_id, _drop_empty(body))
    body = {
        **_song_fields(payload),
        "customMode": True,
        "instrumental": bool(payload.get("make_instrumental")),
        "prompt": _lyrics_of(payload),
    }
    return ApiRequest("POST", "/api/v1/generate", _read_task_id, _drop_empty(body))


def _record_request(task_id: str) -> ApiRequest:
    kind, _sep, plain = task_id.partition(":")
    if kind in RENDERS:
        path, read = RENDERS[kind][1], _render_reader(kind)
    elif task_id.startswith(LYRICS_PREFIX):
        path, read, plain = "/api/v1/lyrics/record-info", _read_lyrics_record, task_id[len(LYRICS_PREFIX) :]
    elif task_id.startswith(STEMS_PREFIX):
        path, read, plain = (
            "/api/v1/vocal-removal/record-info",
            _read_stems_record,
            task_id[len(STEMS_PREFIX) :],
        )
    else:
        path, read, plain = "/api/v1/generate/record-info", _read_song_record, task_id
    # One record a request (the family has no batch read); an unknown one is left out, not an error.
    return ApiRequest("GET", path, read, query=f"taskId={quote(plain, safe='')}", lenient=True)


class SunoApiFormat:
    """sunoapi.org and kie.ai (docs/protocol.md, "sunoapi.org and kie.ai")."""

    capabilities = Capabilities(
        concat=False,  # extend answers the whole song already; there is no concat call
        upload=True,  # upload-extend and upload-cover take the audio's link with each request
        infill=True,  # replace-section
        negative_tags=True,
        video=True,  # a clip's MP4 is asked for with mp4/generate (video_call), then read from its record
        video_call=True,
        gateway_wav=True,  # wav/generate: the family's own WAV of a clip
        timing=True,  # get-timestamped-lyrics
        stems=True,  # vocal-removal/generate, separate_vocal
        cover=True,  # upload-cover, from the source clip's own link
        persona=True,  # generate-persona, then personaId
        vocal_gender=True,
        controls=False,  # no target duration in the family
        boost=True,  # style/generate
        add_parts=True,  # add-vocals and add-instrumental, on a user's own audio (its uploadUrl)
        models=tuple(MODELS),
    )
    callback_param: str | None = "callBackUrl"
    # Nothing to register: a user's audio travels as a link (uploadUrl) with each request made from it.
    uploads_by_link = True
    fetch_batch_size = 1  # record-info takes one taskId (and about 3 calls a second a task)

    def callback_task_ids(self, body: Any) -> list[str]:
        # {code, msg, data: {callbackType, task_id, data: [...]}}: snake_case here, camelCase in records.
        return task_ids_named(body, "task_id", "taskId")

    def submit_music(self, payload: dict) -> ApiRequest:
        return music_request(payload)

    def submit_lyrics(self, prompt: str) -> ApiRequest:
        body = {"prompt": prompt, "callBackUrl": NO_CALLBACK}
        return ApiRequest("POST", "/api/v1/lyrics", _prefixed(LYRICS_PREFIX), body)

    def submit_concat(self, clip_id: str, is_infill: bool) -> ApiRequest:
        raise not_supported("The sunoapi family has no concat call.", http_status=None)

    def upload_audio_url(self, url: str) -> ApiRequest:
        # Never sent: the studio keeps the upload itself (uploads_by_link) and gives its link with each use.
        raise not_supported("The sunoapi family registers no uploads.", http_status=None)

    def persona_create(self, body: dict) -> ApiRequest:
        request = {
            "taskId": body.get("task_id"),
            "audioId": body.get("root_clip_id"),
            "name": body.get("name"),
            "description": body.get("description") or body.get("name"),
        }
        return ApiRequest("POST", "/api/v1/generate/generate-persona", _read_persona_id, request)

    def style_boost(self, tags: str) -> ApiRequest:
        return ApiRequest("POST", "/api/v1/style/generate", _read_boost, {"content": tags})

    def fetch_one(self, task_id: str) -> FetchPlan:
        return self.fetch_many([task_id])

    def fetch_many(self, task_ids: list[str]) -> FetchPlan:
        requests = [_record_request(task_id) for task_id in task_ids]
        return FetchPlan(requests, lambda answers: [task for task in answers if task is not None])

    def timing(self, clip_id: str, task_id: str = "") -> ApiRequest:
        body = {"taskId": task_id, "audioId": clip_id}
        return ApiRequest("POST", "/api/v1/generate/get-timestamped-lyrics", _read_timing, body)
