"""A stand-in for AceDataCloud's Suno API, written from its public documents, for the test suite.

AceDataCloud relays Suno; this stand-in relays the built-in engine (its SunoAPI-style calls, docs/engine.md),
so the songs are real audio. From AceDataCloud's "Suno Audios Generation API", "Suno Tasks API" and the
upload, persona, lyrics, style and timing guides (docs/protocol.md section 10):

- Bearer key; a wrong one is 401 ``{"success": false, "error": {"code": "invalid_token", ...}}`` (the
  documents show the error object, not this case's code).
- ``POST /suno/audios`` with ``action`` generate | extend | upload_extend | cover | upload_cover |
  replace_section | concat | stems | all_stems | artist_consistency; the documented 400s ("lyric is
  required when generate custom audio", "prompt is required when generate audio", "audio_id is required
  when extend audio", "continue_at is required when extend audio", "continue_at must be a number greater
  than 0", "instrumental must be a boolean", "custom must be a boolean") and 403 "Lyrics contained
  copyrighted material" (here: lyrics that say "copyrighted"). With ``callback_url`` it answers
  ``{"task_id"}`` at once and POSTs ``{success, task_id, data}`` there once the songs are settled, once a
  task (``tick``, run by ``calling_back`` as the sunoapi stand-in's; an address under ``.invalid`` is
  never called: it cannot resolve); without one it holds the request until the songs are made and answers
  them (``{success, task_id, trace_id, data}``).
- ``POST /suno/tasks`` ``{"action": "retrieve", "id"}`` -> one item, ``{"action": "retrieve_batch",
  "ids"}`` -> ``{items, count}`` (unknown ids left out); an item is ``{_id, id, created_at, request,
  response?}``, ``response`` missing until something was made, songs with ``state`` pending | running |
  succeeded | error; a failed task is ``response: {success: false, error: {code, message}}``.
- ``POST /suno/upload`` ``{audio_url}`` -> ``data: {audio_id, ...}``; ``/suno/persona`` ``{audio_id, name}``
  -> ``data: {persona_id}``; ``/suno/lyrics`` ``{prompt}`` -> ``data: [{text, title, status, tags}]``;
  ``/suno/style`` ``{prompt}`` -> ``data: {upsampled_tags}``; ``/suno/timing`` ``{audio_id}`` ->
  ``data: {aligned_words, ...}``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import quote, urlsplit

from engine.catalog import TASK_MODELS

ACTIONS = (
    "generate",
    "extend",
    "upload_extend",
    "cover",
    "upload_cover",
    "replace_section",
    "concat",
    "stems",
    "all_stems",
    "artist_consistency",
)
# AceDataCloud's model names -> the engine's (Suno's own).
ENGINE_MODELS = {
    "chirp-v3": "chirp-v3-0",
    "chirp-v3-5": "chirp-v3-5",
    "chirp-v4": "chirp-v4",
    "chirp-v4-5": "chirp-auk",
    "chirp-v4-5-plus": "chirp-bluejay",
    "chirp-v5": "chirp-crow",
    "chirp-v5-5": "chirp-fenix",
    "chirp-v6": "chirp-v6",
}
STATES = {"complete": "succeeded", "streaming": "running", "error": "error"}
SETTLE_SECONDS = 60


class Failure(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def refused(message: str) -> Failure:
    return Failure(400, "bad_request", message)


class AceDataStandIn:
    def __init__(self, *, upstream_url: str, upstream_key: str, key: str):
        self.upstream_url, self.upstream_key, self.key = upstream_url.rstrip("/"), upstream_key, key
        self.tasks: dict[str, dict] = {}  # task id -> {request, clip_ids, created_at, response?}
        self.received: list[tuple[str, dict]] = []  # (path, body) of every call, as sent
        self.callbacks: list[tuple[str, dict, int | str]] = []  # (url, body, answer status or error)
        self.to_call: dict[str, str] = {}  # task id -> the callback_url it was given, until it is called
        self._lock = threading.Lock()

    # --- WSGI ---

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        try:
            status, body = self.route(environ)
        except Failure as failure:
            status = failure.status
            body = {"success": False, "error": {"code": failure.code, "message": failure.message}}
            body["trace_id"] = str(uuid.uuid4())
        data = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]

    def route(self, environ: dict) -> tuple[int, object]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        handlers = {
            "/suno/audios": self.audios,
            "/suno/tasks": self.tasks_call,
            "/suno/upload": self.upload,
            "/suno/persona": self.persona,
            "/suno/lyrics": self.lyrics,
            "/suno/style": self.style,
            "/suno/timing": self.timing,
        }
        if method != "POST" or path not in handlers:
            raise Failure(404, "not_found", f"{method} {path} not found")
        scheme, _, key = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.key:
            raise Failure(401, "invalid_token", "Invalid token")
        try:
            body = json.loads(_read(environ) or b"{}")
        except ValueError:
            raise refused("The request body is not JSON.") from None
        if not isinstance(body, dict):
            raise refused("The request body must be an object.")
        self.received.append((path, body))
        return 200, handlers[path](body)

    # --- The engine behind it ---

    def engine(self, method: str, path: str, body: dict | None = None) -> object:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.upstream_key}"}
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.upstream_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            answer = json.loads(exc.read() or b"{}")
            message = (answer.get("error") or {}).get("message") or answer.get("message") or str(answer)
            raise Failure(
                exc.code if exc.code < 500 else 500, "bad_request" if exc.code < 500 else "api_error", message
            ) from None

    def feed(self, clip_ids: list[str]) -> list[dict]:
        if not clip_ids:
            return []
        return self.engine("GET", "/suno/feed/" + ",".join(quote(i, safe="") for i in clip_ids))

    # --- /suno/audios ---

    def audios(self, body: dict) -> dict:
        action = body.get("action") or "generate"
        if action not in ACTIONS:
            raise refused(f"action {action} is not supported")
        for name in ("instrumental", "custom"):
            if name in body and not isinstance(body[name], bool):
                raise refused(f"{name} must be a boolean")
        if "copyrighted" in (body.get("lyric") or "").lower():
            raise Failure(403, "forbidden", "Lyrics contained copyrighted material")
        answer = self.send_on(action, body)
        clip_ids = [clip["id"] for clip in answer.get("clips", [])]
        task_id = str(uuid.uuid4())
        with self._lock:
            self.tasks[task_id] = {"request": body, "clip_ids": clip_ids, "created_at": time.time()}
        callback = body.get("callback_url") or ""
        if callback:
            if not urlsplit(callback).hostname.endswith(".invalid"):
                with self._lock:
                    self.to_call[task_id] = callback  # called once its songs are settled (tick)
            return {"task_id": task_id}
        item = self.settled(task_id)
        return {**item["response"], "trace_id": str(uuid.uuid4())}

    def send_on(self, action: str, body: dict) -> dict:
        """The engine's SunoAPI call for an action (docs/engine.md, "Beyond generating")."""
        audio_id = body.get("audio_id") or ""
        if action == "concat":
            if not audio_id:
                raise refused("audio_id is required when concat audio")
            # One action for both (AceDataCloud knows a replaced section's new part by itself).
            (part,) = self.feed([audio_id]) or [{}]
            infill = bool((part.get("metadata") or {}).get("infill"))
            return self.engine("POST", "/suno/generate/concat", {"clip_id": audio_id, "is_infill": infill})
        mv = ENGINE_MODELS.get(body.get("model") or "chirp-v4", "chirp-v4")
        if action in ("stems", "all_stems"):
            if not audio_id:
                raise refused("audio_id is required when stems audio")
            sent = {"task": "gen_stem", "continue_clip_id": audio_id, "stem_task": "two", "prompt": ""}
            return self.engine("POST", "/suno/generate", sent | {"mv": _model("gen_stem", mv), "title": ""})
        custom, instrumental = bool(body.get("custom")), bool(body.get("instrumental"))
        if custom:
            if (
                not body.get("lyric")
                and not instrumental
                and action in ("generate", "extend", "upload_extend")
            ):
                raise refused(
                    "lyric is required when generate custom audio"
                    if action == "generate"
                    else "lyric is required when extend audio and instrumental is false"
                )
            sent = {
                "prompt": body.get("lyric") or "",
                "tags": body.get("style") or "",
                "title": body.get("title") or "",
            }
            sent["negative_tags"] = body.get("style_negative") or ""
        else:
            if not body.get("prompt") and action == "generate":
                raise refused("prompt is required when generate audio")
            sent = {"gpt_description_prompt": body.get("prompt") or ""}
        sent |= {"mv": mv, "make_instrumental": instrumental}
        if body.get("vocal_gender"):
            sent["vocal_gender"] = body["vocal_gender"]
        if action in ("extend", "upload_extend"):
            if not audio_id:
                raise refused("audio_id is required when extend audio")
            if body.get("continue_at") is None:
                raise refused("continue_at is required when extend audio")
            if not isinstance(body["continue_at"], int | float) or body["continue_at"] <= 0:
                raise refused("continue_at must be a number greater than 0")
            sent |= {"continue_clip_id": audio_id, "continue_at": body["continue_at"]}
            if action == "upload_extend":
                sent |= {"task": "upload_extend", "mv": _model("upload_extend", mv)}
        elif action in ("cover", "upload_cover"):
            sent |= {"task": "cover", "cover_clip_id": audio_id, "mv": _model("cover", mv)}
        elif action == "replace_section":
            start, end = body.get("replace_section_start"), body.get("replace_section_end")
            sent |= {"task": "infill", "continue_clip_id": audio_id, "mv": _model("infill", mv)}
            sent |= {"infill_start_s": start, "infill_end_s": end, "continue_at": start}
        elif action == "artist_consistency":
            sent |= {
                "task": "artist_consistency",
                "persona_id": body.get("persona_id"),
                "mv": _model("artist_consistency", mv),
            }
            sent["artist_clip_id"] = audio_id
        return self.engine("POST", "/suno/generate", sent)

    # --- /suno/tasks ---

    def item(self, task_id: str) -> dict | None:
        with self._lock:
            task = self.tasks.get(task_id)
        if task is None:
            return None
        item = {"_id": uuid.uuid4().hex[:24], "id": task_id, "created_at": task["created_at"]}
        item["request"] = task["request"]
        if "response" in task:  # lyrics: made before it answered
            return item | {"response": task["response"]}
        clips = self.feed(task["clip_ids"])
        if not clips or all(clip.get("status") in ("submitted", "queued") for clip in clips):
            return item  # nothing made yet: no response
        songs = [_song(clip, task["request"]) for clip in clips]
        if all(song["state"] == "error" for song in songs):
            reason = (
                next((c.get("metadata", {}).get("error_message") for c in clips), "")
                or "job failed with unknown error"
            )
            response = {
                "success": False,
                "task_id": task_id,
                "error": {"code": "api_error", "message": reason},
            }
        else:
            response = {"success": True, "task_id": task_id, "data": songs}
        return item | {"response": response}

    def tasks_call(self, body: dict) -> dict:
        if body.get("action") == "retrieve":
            item = self.item(str(body.get("id") or ""))
            if item is None:
                raise Failure(404, "not_found", "The task does not exist.")
            return item
        if body.get("action") == "retrieve_batch":
            ids = body.get("ids") if isinstance(body.get("ids"), list) else []
            items = [item for item in (self.item(str(i)) for i in ids) if item is not None]
            return {"items": items, "count": len(items)}
        raise refused("action must be retrieve or retrieve_batch")

    def settled(self, task_id: str) -> dict:
        """The item once every song is succeeded or error (as long as the real service holds a request)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            item = self.item(task_id)
            response = item.get("response") or {}
            songs = response.get("data") or []
            if response.get("success") is False or (
                songs and all(s["state"] in ("succeeded", "error") for s in songs)
            ):
                return item
            if time.monotonic() > deadline:
                raise Failure(504, "timeout", "timeout while waiting for audio generation")
            time.sleep(0.1)

    def tick(self) -> None:
        """Call back every task whose songs have settled since (its callback_url given, not yet called)."""
        with self._lock:
            waiting = dict(self.to_call)
        for task_id, url in waiting.items():
            response = (self.item(task_id) or {}).get("response") or {}
            songs = response.get("data") or []
            if response.get("success") is False or (
                songs and all(song["state"] in ("succeeded", "error") for song in songs)
            ):
                with self._lock:
                    self.to_call.pop(task_id, None)
                self.call_back(url, response)

    def call_back(self, url: str, body: dict) -> None:
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:  # 15 s, as the sunoapi family says
                status: int | str = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            status = type(exc).__name__
        self.callbacks.append((url, body, status))

    # --- The calls of their own ---

    def upload(self, body: dict) -> dict:
        answer = self.engine("POST", "/sunoapi/uploads/audio-url", {"url": body.get("audio_url") or ""})
        audio_id = answer["data"]
        return {
            "success": True,
            "task_id": str(uuid.uuid4()),
            "data": {"audio_id": audio_id, "title": f"up-{audio_id}"},
        }

    def persona(self, body: dict) -> dict:
        audio_id, name = body.get("audio_id") or "", body.get("name") or ""
        sent = {
            "root_clip_id": audio_id,
            "name": name,
            "description": name,
            "clips": [audio_id],
            "is_public": False,
        }
        persona = self.engine("POST", "/suno/persona/create/", sent)
        return {"success": True, "task_id": str(uuid.uuid4()), "data": {"persona_id": persona["id"]}}

    def lyrics(self, body: dict) -> dict:
        upstream = self.engine("POST", "/suno/submit/lyrics", {"prompt": body.get("prompt") or ""})["data"]
        deadline = time.monotonic() + SETTLE_SECONDS
        while (task := self.engine("GET", f"/suno/fetch/{upstream}")["data"])["status"] not in (
            "SUCCESS",
            "FAILURE",
        ):
            if time.monotonic() > deadline:
                raise Failure(504, "timeout", "timeout while waiting for lyrics")
            time.sleep(0.1)
        if task["status"] == "FAILURE":
            raise Failure(500, "api_error", task.get("fail_reason") or "Unable to generate lyrics")
        lyric = task["data"]
        data = [{"text": lyric["text"], "title": lyric["title"], "status": "complete", "tags": []}]
        task_id = str(uuid.uuid4())
        response = {"success": True, "task_id": task_id, "data": data}
        with self._lock:
            self.tasks[task_id] = {
                "request": body,
                "clip_ids": [],
                "created_at": time.time(),
                "response": response,
            }
        return response

    def style(self, body: dict) -> dict:
        answer = self.engine("POST", "/suno/act/tags", {"original_tags": body.get("prompt") or ""})
        return {
            "success": True,
            "task_id": str(uuid.uuid4()),
            "data": {"upsampled_tags": answer["upsampled_tags"]},
        }

    def timing(self, body: dict) -> dict:
        answer = self.engine("GET", f"/suno/act/timing/{quote(body.get('audio_id') or '', safe='')}")
        return {"success": True, "task_id": str(uuid.uuid4()), "data": answer}


def _model(task: str, mv: str) -> str:
    """The engine's model for a task: the one asked for when the task takes it, else the task's first."""
    return mv if mv in TASK_MODELS[task] else TASK_MODELS[task][0]


def _song(clip: dict, request: dict) -> dict:
    """An engine clip as an AceDataCloud song."""
    meta = clip.get("metadata") or {}
    song = {
        "id": clip["id"],
        "title": clip.get("title") or "",
        "image_url": clip.get("image_url") or "",
        "image_large_url": clip.get("image_large_url") or "",
        "lyric": meta.get("prompt") or "",
        "audio_url": clip.get("audio_url") or "",
        "video_url": clip.get("video_url") or "",
        "created_at": clip.get("created_at") or "",
        "model": clip.get("model_name") or "",
        "state": STATES.get(clip.get("status"), "pending"),
        "style": meta.get("tags") or "",
        "duration": meta.get("duration"),
    }
    if not request.get("custom") and request.get("prompt"):
        song["prompt"] = request["prompt"]
    if meta.get("concat_history"):
        song["concat_history"] = meta["concat_history"]
    return song


def _read(environ: dict) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""
