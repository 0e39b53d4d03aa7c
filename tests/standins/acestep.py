"""A stand-in for ACE-Step 1.5's API server, written from its docs/en/API.md and acestep/api_server.py.

ACE-Step runs its model on the user's GPU; this stand-in makes the music with the built-in engine (its
SunoAPI-style calls, docs/engine.md) and then behaves as the server does (docs/protocol.md section 11):

- Auth: ``Authorization: Bearer <key>`` or ``ai_token`` in the body; wrong or missing is 401
  ``{"detail": "Invalid API key"}`` (FastAPI's error shape, which every error here has).
- ``POST /release_task`` (JSON; the studio sends nothing else) answers the wrapper ``{data, code: 200,
  error: null, timestamp, extra: null}`` with ``data: {task_id, status: "queued", queue_position}``, or
  429 ``{"detail": "Server busy: queue is full"}`` while ``full_answers`` says so (nothing is queued).
  ``task_type`` text2music (``sample_query`` for a description), repaint (``src_audio_path``,
  ``repainting_start``/``end``; past the source's end it extends), cover, extract. A job whose source is
  not one of its own files fails later, as the server's worker does.
- ``POST /query_result`` ``{task_id_list}`` answers ``[{task_id, status, result, progress_text}]`` with
  ``result`` a JSON string; status 0 while running (and for ids it never issued: ``result: "[]"``), 1 with
  one entry per file (``file: "/v1/audio?path=<its path>"``, ``metas``, ``dit_model``...), 2 with
  ``stage: "failed"`` and ``error``.
- ``GET /v1/audio?path=`` serves a file under its audio directory to the same key (403 outside it, 404
  missing); ``GET /health`` and ``GET /v1/models``.

One difference: the engine's continuation holds only the new part, where ACE-Step's repaint answers the
whole song from its start; the studio reads both the same way.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, quote

ENGINE_MV = "chirp-crow"
TASK_MV = "chirp-auk"  # the engine's cover and stems take it


class Failure(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def wrapped(data: object) -> dict:
    return {"data": data, "code": 200, "error": None, "timestamp": int(time.time() * 1000), "extra": None}


class AceStepStandIn:
    def __init__(
        self, *, upstream_url: str, upstream_key: str, key: str, audio_dir: Path, queue_maxsize: int = 200
    ):
        self.upstream_url, self.upstream_key, self.key = upstream_url.rstrip("/"), upstream_key, key
        self.audio_dir = Path(audio_dir)
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        self.queue_maxsize = queue_maxsize
        self.full_answers = 0  # how many submits to answer 429 "queue is full" first
        self.jobs: dict[str, dict] = {}
        self.files: dict[str, str] = {}  # a file's path -> the engine clip it holds
        self.received: list[dict] = []  # every /release_task body
        self._lock = threading.Lock()

    # --- WSGI ---

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        try:
            status, content_type, body = self.route(environ)
        except Failure as failure:
            status, content_type = failure.status, "application/json"
            body = json.dumps({"detail": failure.detail}).encode()
        start_response(f"{status} X", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def route(self, environ: dict) -> tuple[int, str, bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "GET" and path == "/health":
            return self.json(wrapped({"status": "ok", "service": "ACE-Step API", "version": "1.0"}))
        if method == "GET" and path == "/v1/models":
            models = [
                {"name": "acestep-v15-turbo", "is_default": True},
                {"name": "acestep-v15-base", "is_default": False},
            ]
            return self.json(wrapped({"models": models, "default_model": "acestep-v15-turbo"}))
        if method == "GET" and path == "/v1/audio":
            self.authenticate(environ, {})
            return self.audio(parse_qs(environ.get("QUERY_STRING", "")).get("path", [""])[0])
        if method == "POST" and path in ("/release_task", "/query_result"):
            if "json" not in (environ.get("CONTENT_TYPE") or "").lower():
                raise Failure(415, "Unsupported Content-Type; use application/json")
            try:
                body = json.loads(_read(environ) or b"{}")
            except ValueError:
                raise Failure(400, "Invalid JSON body") from None
            if not isinstance(body, dict):
                raise Failure(400, "JSON payload must be an object")
            self.authenticate(environ, body)
            if path == "/release_task":
                return self.json(wrapped(self.release(body)))
            return self.json(wrapped(self.query(body)))
        raise Failure(404, "Not Found")

    @staticmethod
    def json(body: dict) -> tuple[int, str, bytes]:
        return 200, "application/json", json.dumps(body, ensure_ascii=False).encode()

    def authenticate(self, environ: dict, body: dict) -> None:
        scheme, _, key = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if body.get("ai_token") == self.key or (scheme.lower() == "bearer" and key.strip() == self.key):
            return
        raise Failure(
            401,
            "Invalid API key" if key or body.get("ai_token") else "Missing ai_token or Authorization header",
        )

    # --- The engine behind it ---

    def engine(self, method: str, path: str, body: dict | None = None) -> object:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.upstream_key}"}
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.upstream_url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    # --- /release_task ---

    def release(self, body: dict) -> dict:
        if self.full_answers > 0 or len(self.pending()) >= self.queue_maxsize:
            self.full_answers = max(self.full_answers - 1, 0)
            raise Failure(429, "Server busy: queue is full")
        self.received.append(body)
        job = {"request": body, "clip_ids": [], "error": "", "created": time.time()}
        try:
            answer = self.engine("POST", "/suno/generate", self.engine_body(body))
            clips = answer.get("clips") or []
            if body.get("task_type") == "extract":  # its one track: the vocals
                clips = [clip for clip in clips if (clip.get("title") or "").lower().endswith("vocals")]
            job["clip_ids"] = [clip["id"] for clip in clips][: int(body.get("batch_size") or 2)]
        except (Failure, urllib.error.HTTPError, KeyError) as exc:  # the server's worker fails the job
            job["error"] = f"Music generation failed: {getattr(exc, 'detail', None) or exc}"
        task_id = str(uuid.uuid4())
        with self._lock:
            self.jobs[task_id] = job
        return {"task_id": task_id, "status": "queued", "queue_position": len(self.pending())}

    def engine_body(self, body: dict) -> dict:
        task_type = body.get("task_type") or "text2music"
        lyrics = body.get("lyrics") or ""
        instrumental = lyrics.strip() == "[Instrumental]"
        song = {
            "prompt": "" if instrumental else lyrics,
            "tags": body.get("prompt") or body.get("caption") or "",
        }
        song |= {"title": "", "mv": ENGINE_MV, "make_instrumental": instrumental}
        if task_type == "text2music" and body.get("sample_query"):
            query = body["sample_query"]
            return {
                "gpt_description_prompt": query,
                "make_instrumental": "instrumental" in query.lower(),
                "mv": ENGINE_MV,
            }
        if task_type == "text2music":
            return song
        source = self.source(body.get("src_audio_path") or "")
        if task_type == "repaint":
            start, end = float(body.get("repainting_start") or 0), body.get("repainting_end")
            duration = self.duration(source)
            if end is None or end < 0 or end > duration:  # outpainting past the end: a continuation
                return song | {"continue_clip_id": source, "continue_at": min(start, duration)}
            return (
                song
                | {"task": "infill", "continue_clip_id": source, "continue_at": start, "mv": TASK_MV}
                | {
                    "infill_start_s": start,
                    "infill_end_s": end,
                }
            )
        if task_type == "cover":
            return song | {"task": "cover", "cover_clip_id": source, "mv": TASK_MV}
        if task_type == "extract":
            return {
                "task": "gen_stem",
                "continue_clip_id": source,
                "stem_task": "two",
                "prompt": "",
                "mv": TASK_MV,
                "title": "",
            }
        raise Failure(400, f"task_type {task_type} is not handled by this stand-in")

    def source(self, path: str) -> str:
        clip_id = self.files.get(os.path.realpath(path)) if path else None
        if clip_id is None:
            raise Failure(400, f"Source audio not found: {path}")
        return clip_id

    def duration(self, clip_id: str) -> float:
        (clip,) = self.engine("GET", f"/suno/feed/{quote(clip_id, safe='')}")
        return float((clip.get("metadata") or {}).get("duration") or 0)

    def pending(self) -> list[str]:
        return [task_id for task_id, job in self.jobs.items() if job.get("status") not in (1, 2)]

    # --- /query_result ---

    def query(self, body: dict) -> list[dict]:
        ids = body.get("task_id_list") or []
        if isinstance(ids, str):
            ids = json.loads(ids or "[]")
        return [self.entry(str(task_id)) for task_id in ids]

    def entry(self, task_id: str) -> dict:
        job = self.jobs.get(task_id)
        if job is None:  # an id it never issued looks queued forever (api_server.py)
            return {"task_id": task_id, "result": "[]", "status": 0}
        created = int(job["created"])
        if job["error"]:
            job["status"] = 2
            failed = [
                {
                    "file": "",
                    "wave": "",
                    "status": 2,
                    "create_time": created,
                    "stage": "failed",
                    "error": job["error"],
                }
            ]
            return {"task_id": task_id, "result": json.dumps(failed), "status": 2, "progress_text": ""}
        clips = self.engine("GET", "/suno/feed/" + ",".join(quote(c, safe="") for c in job["clip_ids"]))
        statuses = [clip.get("status") for clip in clips]
        if not clips or any(status not in ("complete", "error") for status in statuses):
            progress = 0.5 if "streaming" in statuses or "complete" in statuses else 0.0
            running = [
                {
                    "file": "",
                    "wave": "",
                    "status": 0,
                    "create_time": created,
                    "progress": progress,
                    "stage": "running",
                }
            ]
            return {
                "task_id": task_id,
                "result": json.dumps(running),
                "status": 0,
                "progress_text": "running",
            }
        made = [clip for clip in clips if clip.get("status") == "complete"]
        if not made:
            job["status"] = 2
            reason = (
                next((c.get("metadata", {}).get("error_message") for c in clips), "") or "Generation failed"
            )
            failed = [
                {
                    "file": "",
                    "wave": "",
                    "status": 2,
                    "create_time": created,
                    "stage": "failed",
                    "error": reason,
                }
            ]
            return {"task_id": task_id, "result": json.dumps(failed), "status": 2, "progress_text": ""}
        job["status"] = 1
        items = [self.result_item(clip, job) for clip in made]
        return {
            "task_id": task_id,
            "result": json.dumps(items, ensure_ascii=False),
            "status": 1,
            "progress_text": "",
        }

    def result_item(self, clip: dict, job: dict) -> dict:
        path = self.stored(clip)
        meta = clip.get("metadata") or {}
        request = job["request"]
        return {
            "file": f"/v1/audio?path={quote(path, safe='')}",
            "wave": "",
            "status": 1,
            "create_time": int(job["created"]),
            "env": "development",
            "prompt": meta.get("tags") or request.get("prompt") or "",
            "lyrics": meta.get("prompt") or "",
            "metas": {
                "bpm": 120,
                "duration": meta.get("duration"),
                "genres": "",
                "keyscale": "C major",
                "timesignature": "4",
            },
            "generation_info": "stand-in",
            "seed_value": "12345",
            "lm_model": "acestep-5Hz-lm-0.6B" if request.get("thinking") else "",
            "dit_model": request.get("model") or "acestep-v15-turbo",
            "progress": 1.0,
            "stage": "succeeded",
        }

    def stored(self, clip: dict) -> str:
        """Its own copy of the engine's audio, under its audio directory (made once per clip)."""
        with self._lock:
            for path, clip_id in self.files.items():
                if clip_id == clip["id"]:
                    return path
        with urllib.request.urlopen(clip["audio_url"], timeout=60) as response:
            data = response.read()
        path = os.path.realpath(self.audio_dir / f"{uuid.uuid4().hex}.mp3")
        Path(path).write_bytes(data)
        with self._lock:
            self.files[path] = clip["id"]
        return path

    # --- /v1/audio ---

    def audio(self, path: str) -> tuple[int, str, bytes]:
        resolved, allowed = os.path.realpath(path), os.path.realpath(self.audio_dir)
        if not resolved.startswith(allowed + os.sep):
            raise Failure(403, "Access denied: path outside allowed directory")
        if not os.path.exists(resolved):
            raise Failure(404, "Audio file not found")
        return 200, "audio/mpeg", Path(resolved).read_bytes()


def _read(environ: dict) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""
