"""A stand-in for sunoapi.org / kie.ai's Suno API, written from its public documentation, for the test suite.

Point the studio at it (SUNO_API_FORMAT=sunoapi) and it at an upstream that makes real music (the
built-in engine, through its v2 generate and feed). It imitates what the family documents:

- Bearer key; a wrong one is HTTP 401 {"code": 401, "msg": "..."}.
- Every answer {"code", "msg", "data"}; a submit answers data.taskId. Refusals keep HTTP 200 with a
  numeric code: 400 missing or too long fields (callBackUrl is required; customMode rules: with lyrics,
  style, prompt and title; inspiration, a prompt of at most 500 characters), 429 insufficient credits
  (``refuse_next``), 430 rate limit.
- POST /api/v1/generate (custom, inspiration, instrumental), /generate/extend, /generate/upload-cover
  and /generate/upload-extend (uploadUrl: audio it made, or any link, fetched), /generate/replace-section,
  /vocal-removal/generate (separate_vocal), /generate/add-vocals and /generate/add-instrumental (uploadUrl
  fetched; relayed as an upload-cover-like render with the lyrics, and an instrumental cover), /lyrics,
  /generate/generate-persona, /style/generate, /generate/get-timestamped-lyrics.
- GET /api/v1/generate/record-info, /lyrics/record-info, /vocal-removal/record-info ?taskId=: camelCase
  records, ``param`` a JSON string, status PENDING, TEXT_SUCCESS, FIRST_SUCCESS, SUCCESS or a failure
  (CREATE_TASK_FAILED, GENERATE_AUDIO_FAILED, CALLBACK_EXCEPTION, SENSITIVE_WORD_ERROR; ``fail_next`` makes
  the next music request end that way). An unknown taskId is {"code": 404}.
- POST /api/v1/wav/generate, /api/v1/mp4/generate and their record-info: tests/standins/sunoapi_renders.py.
- Callbacks: POST {code, msg, data: {callbackType: text|first|complete|error, task_id, data: [snake_case
  items]}} to callBackUrl as a record moves (``tick``, run by ``calling_back``), signed with
  X-Webhook-Timestamp / X-Webhook-Signature when it has an HMAC key; never to a .invalid host.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

from tests.standins.sunoapi_renders import RENDER_PATHS, RendersMixin

MODELS = {
    "V3_5": "chirp-v3-5",
    "V4": "chirp-v4",
    "V4_5": "chirp-auk",
    "V4_5PLUS": "chirp-bluejay",
    "V4_5ALL": "chirp-auk",
    "V5": "chirp-crow",
    "V5_5": "chirp-fenix",
    "V6": "chirp-v6",
    "V6_MINI": "chirp-v6",
    "V6_WILD": "chirp-v6",
}
TAU = {"chirp-v3-5": "chirp-v3-5-tau", "chirp-v4": "chirp-v4-tau"}
FAILURES = ("CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR")


class Refusal(Exception):
    def __init__(self, code: int, msg: str, http: int = 200):
        super().__init__(msg)
        self.code, self.msg, self.http = code, msg, http


class SunoApiStandIn(RendersMixin):
    def __init__(self, *, upstream_url: str, upstream_key: str, key: str, hmac_key: str = ""):
        self.upstream_url, self.upstream_key, self.key = upstream_url.rstrip("/"), upstream_key, key
        self.hmac_key = hmac_key
        self.records: dict[str, dict] = {}
        self.audio_links: dict[str, str] = {}  # an audio link it handed out -> the upstream clip id
        self.fail_next: str = ""  # one of FAILURES: the next music request ends that way
        self.refuse_next: tuple[int, str] | None = None  # the next submit is refused with this code
        self.sent: list[tuple[str, dict]] = []  # (path, body) of every submit it received
        self.callbacks: list[dict] = []  # {url, body, headers, status} of every callback made
        self.audio_seen: dict[str, float] = {}  # clip id -> when its record first offered its audio
        self.files: dict[str, bytes] = {}  # the renders' files it serves, by name (no key: a CDN's links)
        self.url = ""
        self._lock = threading.Lock()

    # --- WSGI ---

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "GET" and (found := self.serve_file(environ["PATH_INFO"])):
            media_type, raw = found
            start_response("200 OK", [("Content-Type", media_type), ("Content-Length", str(len(raw)))])
            return [raw]
        try:
            data = self.route(environ)
            status, body = 200, {"code": 200, "msg": "success", "data": data}
        except Refusal as refusal:
            status, body = refusal.http, {"code": refusal.code, "msg": refusal.msg, "data": None}
        raw = json.dumps(body).encode()
        start_response(
            f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))]
        )
        return [raw]

    def route(self, environ: dict) -> object:
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.key}":
            raise Refusal(401, "You do not have access permissions", http=401)
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if method == "GET" and path.endswith("/record-info"):
            task_id = parse_qs(environ.get("QUERY_STRING", "")).get("taskId", [""])[0]
            return self.record(task_id, path)
        if method != "POST":
            raise Refusal(404, "Not found", http=404)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            raise Refusal(400, "Invalid JSON") from None
        handlers = {
            "/api/v1/generate": self.generate,
            "/api/v1/generate/extend": self.extend,
            "/api/v1/generate/upload-cover": self.cover,
            "/api/v1/generate/upload-extend": self.upload_extend,
            "/api/v1/generate/add-vocals": self.add_vocals,
            "/api/v1/generate/add-instrumental": self.add_instrumental,
            "/api/v1/generate/replace-section": self.replace_section,
            "/api/v1/vocal-removal/generate": self.separate,
            "/api/v1/lyrics": self.lyrics,
            "/api/v1/generate/generate-persona": self.persona,
            "/api/v1/style/generate": self.boost,
            "/api/v1/generate/get-timestamped-lyrics": self.timing,
            **self.render_handlers(),
        }
        if path not in handlers:
            raise Refusal(404, "Not found", http=404)
        return handlers[path](body)

    # --- The upstream (the engine) ---

    def upstream(self, method: str, path: str, body: dict | None = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.upstream_key}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.upstream_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise Refusal(500, f"Internal server error: {exc.read().decode(errors='replace')}") from None

    # --- Submits ---

    def accept(self, path: str, body: dict, *, needs: tuple[str, ...] = ()) -> None:
        self.sent.append((path, body))
        if not body.get("callBackUrl"):
            raise Refusal(400, "callBackUrl is required")
        missing = [name for name in needs if body.get(name) in (None, "")]
        if missing:
            raise Refusal(400, f"{', '.join(missing)} is required")
        if self.refuse_next:
            (code, msg), self.refuse_next = self.refuse_next, None
            raise Refusal(code, msg)

    def music(self, body: dict, upstream_body: dict, *, kind: str = "GENERATE") -> dict:
        """Send it to the engine (unless it is to fail at creation) and keep the record."""
        failure, self.fail_next = self.fail_next, ""
        clip_ids: list[str] = []
        if failure != "CREATE_TASK_FAILED":
            generation = self.upstream("POST", "/suno/v2/generate", upstream_body)
            clip_ids = [clip["id"] for clip in generation["clips"]]
        task_id = secrets.token_hex(16)
        self.records[task_id] = {
            "kind": kind,
            "param": json.dumps({k: v for k, v in body.items() if k != "callBackUrl"}),
            "callback": body["callBackUrl"],
            "clip_ids": clip_ids,
            "failure": failure,
            "told": set(),
            "source": body.get("audioId", ""),
        }
        return {"taskId": task_id}

    @staticmethod
    def mv(body: dict) -> str:
        return MODELS.get(body.get("model") or "V4_5", "chirp-auk")

    def generate(self, body: dict) -> dict:
        custom = bool(body.get("customMode"))
        if custom:
            needs = ("style", "title") if body.get("instrumental") else ("style", "prompt", "title")
            self.accept("/api/v1/generate", body, needs=needs)
            upstream = {
                "prompt": "" if body.get("instrumental") else body["prompt"],
                "tags": body["style"],
                "title": body["title"],
                "mv": self.mv(body),
                "make_instrumental": bool(body.get("instrumental")),
                "negative_tags": body.get("negativeTags", ""),
            }
            if body.get("vocalGender"):
                upstream["vocal_gender"] = body["vocalGender"]
        else:
            self.accept("/api/v1/generate", body, needs=("prompt",))
            if len(body["prompt"]) > 500:
                raise Refusal(413, "Theme or prompt too long")
            upstream = {
                "gpt_description_prompt": body["prompt"],
                "make_instrumental": bool(body.get("instrumental")),
                "mv": self.mv(body),
            }
        return self.music(body, upstream)

    def extend(self, body: dict) -> dict:
        self.accept("/api/v1/generate/extend", body, needs=("audioId", "continueAt", "model"))
        upstream = {
            "prompt": body.get("prompt", ""),
            "tags": body.get("style", ""),
            "title": body.get("title", ""),
            "mv": self.mv(body),
            "continue_clip_id": body["audioId"],
            "continue_at": body["continueAt"],
        }
        return self.music(body, upstream, kind="EXTEND")

    def cover(self, body: dict) -> dict:
        self.accept("/api/v1/generate/upload-cover", body, needs=("uploadUrl", "style", "title"))
        source = self.source_of(body["uploadUrl"])
        mv = self.mv(body)
        upstream = {
            "prompt": "" if body.get("instrumental") else body.get("prompt", ""),
            "tags": body["style"],
            "title": body["title"],
            "mv": TAU.get(mv, mv),
            "task": "cover",
            "cover_clip_id": source,
            "make_instrumental": bool(body.get("instrumental")),
        }
        return self.music(body, upstream, kind="UPLOAD_COVER")

    def source_of(self, url: str) -> str:
        """The upstream clip behind an uploadUrl: audio it handed out, or audio fetched from the link."""
        if url in self.audio_links:
            return self.audio_links[url]
        answer = self.upstream("POST", "/sunoapi/uploads/audio-url", {"url": url})
        if not isinstance(answer, dict) or not answer.get("clip_id"):
            raise Refusal(400, "The uploadUrl could not be read as audio")
        self.audio_links[url] = answer["clip_id"]
        return answer["clip_id"]

    def upload_extend(self, body: dict) -> dict:
        needs = ("uploadUrl", "continueAt", "model")
        self.accept("/api/v1/generate/upload-extend", body, needs=needs)
        upstream = {
            "prompt": "" if body.get("instrumental") else body.get("prompt", ""),
            "tags": body.get("style", ""),
            "title": body.get("title", ""),
            "mv": "chirp-auk" if self.mv(body) in ("chirp-v3-5", "chirp-v4") else self.mv(body),
            "task": "upload_extend",
            "continue_clip_id": self.source_of(body["uploadUrl"]),
            "continue_at": body["continueAt"],
        }
        return self.music(body, upstream, kind="UPLOAD_EXTEND")

    # Add vocals / Add instrumental: both documented with uploadUrl, title, negativeTags and callBackUrl
    # required (add-vocals also prompt and style, add-instrumental tags); models V4_5PLUS (default), V5,
    # V5_5. The engine has no such render, so each is relayed as the nearest it has: a cover of the fetched
    # audio, sung with the given lyrics, or made instrumental.
    ADD_PART_MODELS = ("V4_5PLUS", "V5", "V5_5")

    def add_part(self, path: str, body: dict, *, needs: tuple[str, ...], vocals: bool) -> dict:
        self.accept(path, body, needs=("uploadUrl", "title", *needs))
        if "negativeTags" not in body:
            raise Refusal(400, "negativeTags is required")
        if body.get("model", "V4_5PLUS") not in self.ADD_PART_MODELS:
            raise Refusal(400, f"model must be one of {', '.join(self.ADD_PART_MODELS)}")
        upstream = {
            "prompt": body["prompt"] if vocals else "",
            "tags": body["style"] if vocals else body["tags"],
            "title": body["title"],
            "mv": self.mv({"model": body.get("model", "V4_5PLUS")}),
            "task": "cover",
            "cover_clip_id": self.source_of(body["uploadUrl"]),
            "make_instrumental": not vocals,
            "negative_tags": body["negativeTags"],
        }
        return self.music(body, upstream, kind="ADD_VOCALS" if vocals else "ADD_INSTRUMENTAL")

    def add_vocals(self, body: dict) -> dict:
        return self.add_part("/api/v1/generate/add-vocals", body, needs=("prompt", "style"), vocals=True)

    def add_instrumental(self, body: dict) -> dict:
        return self.add_part("/api/v1/generate/add-instrumental", body, needs=("tags",), vocals=False)

    def replace_section(self, body: dict) -> dict:
        needs = ("taskId", "audioId", "prompt", "tags", "title", "infillStartS", "infillEndS")
        self.accept("/api/v1/generate/replace-section", body, needs=needs)
        upstream = {
            "prompt": body["prompt"],
            "tags": body["tags"],
            "title": body["title"],
            "mv": "chirp-auk",
            "task": "infill",
            "continue_clip_id": body["audioId"],
            "infill_start_s": body["infillStartS"],
            "infill_end_s": body["infillEndS"],
        }
        return self.music(body, upstream, kind="REPLACE_SECTION")

    def separate(self, body: dict) -> dict:
        self.accept("/api/v1/vocal-removal/generate", body, needs=("taskId", "audioId"))
        if body.get("type", "separate_vocal") != "separate_vocal":
            raise Refusal(400, "Only separate_vocal is offered here")
        upstream = {
            "task": "gen_stem",
            "generation_type": "TEXT",
            "mv": "chirp-auk",
            "prompt": "",
            "make_instrumental": True,
            "continue_clip_id": body["audioId"],
            "stem_task": "two",
        }
        return self.music(body, upstream, kind="VOCAL_REMOVAL")

    def lyrics(self, body: dict) -> dict:
        self.accept("/api/v1/lyrics", body, needs=("prompt",))
        answer = self.upstream("POST", "/suno/submit/lyrics", {"prompt": body["prompt"]})
        task_id = secrets.token_hex(16)
        self.records[task_id] = {
            "kind": "LYRICS",
            "param": json.dumps({"prompt": body["prompt"]}),
            "callback": body["callBackUrl"],
            "lyrics_task": answer["data"],
            "failure": "",
            "told": set(),
        }
        return {"taskId": task_id}

    def persona(self, body: dict) -> dict:
        self.sent.append(("/api/v1/generate/generate-persona", body))
        made = self.upstream(
            "POST",
            "/suno/persona/create/",
            {
                "root_clip_id": body["audioId"],
                "name": body["name"],
                "description": body.get("description", ""),
                "clips": [body["audioId"]],
                "is_public": False,
            },
        )
        return {"personaId": made["id"], "name": body["name"], "description": body.get("description", "")}

    def boost(self, body: dict) -> dict:
        made = self.upstream("POST", "/suno/act/tags", {"original_tags": body.get("content", "")})
        return {
            "taskId": secrets.token_hex(8),
            "param": body.get("content", ""),
            "result": made["upsampled_tags"],
        }

    def timing(self, body: dict) -> dict:
        made = self.upstream("GET", f"/suno/act/timing/{body['audioId']}")
        words = [
            {
                "word": w["word"],
                "success": w["success"],
                "startS": w["start_s"],
                "endS": w["end_s"],
                "palign": 0,
            }
            for w in made["aligned_words"]
        ]
        return {"alignedWords": words, "waveformData": made.get("waveform_data", []), "hootCer": 0.0}

    # --- Records ---

    def clips(self, clip_ids: list[str]) -> list[dict]:
        if not clip_ids:
            return []
        found = self.upstream("GET", "/suno/v2/feed?ids=" + ",".join(clip_ids))
        by_id = {clip["id"]: clip for clip in found}
        return [by_id[clip_id] for clip_id in clip_ids if clip_id in by_id]

    def record(self, task_id: str, path: str) -> dict:
        row = self.records.get(task_id)
        expected = {
            "LYRICS": "/api/v1/lyrics/record-info",
            "VOCAL_REMOVAL": "/api/v1/vocal-removal/record-info",
            **RENDER_PATHS,
        }
        if row is None or path != expected.get(row["kind"], "/api/v1/generate/record-info"):
            raise Refusal(404, "The task does not exist")
        if row["kind"] == "LYRICS":
            return self.lyrics_record(task_id, row)
        if row["kind"] in RENDER_PATHS:
            return self.render_record(task_id, row)
        clips = self.clips(row["clip_ids"])
        if row["kind"] == "VOCAL_REMOVAL":
            return self.separation_record(task_id, row, clips)
        status = self.music_status(row, clips)
        items = [self.item(clip) for clip in clips] if status not in ("PENDING", "CREATE_TASK_FAILED") else []
        failed = status in FAILURES and status != "CALLBACK_EXCEPTION"
        return {
            "taskId": task_id,
            "parentMusicId": row["source"],
            "param": row["param"],
            "response": {"taskId": task_id, "sunoData": [] if failed else items},
            "status": status,
            "type": row["kind"],
            "errorCode": 400 if failed else None,
            "errorMessage": self.failure_words(status) if failed else None,
        }

    @staticmethod
    def failure_words(status: str) -> str:
        return {
            "CREATE_TASK_FAILED": "Failed to create the task: the service is at capacity",
            "GENERATE_AUDIO_FAILED": "Audio generation failed upstream",
            "SENSITIVE_WORD_ERROR": "The lyrics contain sensitive words",
        }.get(status, status)

    def music_status(self, row: dict, clips: list[dict]) -> str:
        states = [clip["status"] for clip in clips]
        if row["failure"] == "CREATE_TASK_FAILED":
            return "CREATE_TASK_FAILED"
        if row["failure"] in ("GENERATE_AUDIO_FAILED", "SENSITIVE_WORD_ERROR"):
            return row["failure"] if states and all(s in ("complete", "error") for s in states) else "PENDING"
        if states and all(s == "error" for s in states):
            return "GENERATE_AUDIO_FAILED"
        if states and all(s == "complete" for s in states):
            return "CALLBACK_EXCEPTION" if row["failure"] == "CALLBACK_EXCEPTION" else "SUCCESS"
        if "complete" in states:
            return "FIRST_SUCCESS"
        if "streaming" in states:
            return "TEXT_SUCCESS"
        return "PENDING"

    def item(self, clip: dict) -> dict:
        """A clip in the record's camelCase (the callback's is snake_case: see ``snake``)."""
        meta = clip.get("metadata") or {}
        complete = clip["status"] == "complete"
        audio = clip.get("audio_url") or ""
        if complete and audio:
            self.audio_links[audio] = clip["id"]
            self.audio_seen.setdefault(clip["id"], time.time())
        return {
            "id": clip["id"],
            "audioUrl": audio if complete else "",
            "streamAudioUrl": audio if clip["status"] == "streaming" else "",
            "imageUrl": clip.get("image_large_url") or clip.get("image_url") or "",
            "prompt": meta.get("prompt") or "",
            "modelName": clip.get("model_name") or "",
            "title": clip.get("title") or "",
            "tags": meta.get("tags") or "",
            "createTime": (clip.get("created_at") or "").replace("T", " ")[:19],
            "duration": meta.get("duration"),
        }

    def separation_record(self, task_id: str, row: dict, clips: list[dict]) -> dict:
        done = bool(clips) and all(clip["status"] == "complete" for clip in clips)
        origin = [
            {
                "duration": (clip.get("metadata") or {}).get("duration"),
                "audio_url": clip.get("audio_url"),
                "stem_type_group_name": "Vocals" if clip["title"].endswith("Vocals") else "Instrumental",
                "id": clip["id"],
            }
            for clip in clips
        ]
        urls = {item["stem_type_group_name"]: item["audio_url"] for item in origin} if done else {}
        return {
            "taskId": task_id,
            "musicId": row["source"],
            "callbackUrl": row["callback"],
            "musicIndex": 0,
            "response": {
                "originData": origin if done else [],
                "vocalUrl": urls.get("Vocals"),
                "instrumentalUrl": urls.get("Instrumental"),
            },
            "successFlag": "SUCCESS" if done else "PENDING",
            "errorCode": None,
            "errorMessage": None,
        }

    def lyrics_record(self, task_id: str, row: dict) -> dict:
        task = self.upstream("GET", f"/suno/fetch/{row['lyrics_task']}")["data"]
        done = task["status"] == "SUCCESS"
        data = task.get("data") or {}
        items = (
            [{"text": data.get("text", ""), "title": data.get("title", ""), "status": "complete"}]
            if done
            else []
        )
        return {
            "taskId": task_id,
            "param": row["param"],
            "response": {"taskId": task_id, "data": items},
            "status": "SUCCESS" if done else "PENDING",
            "errorCode": None,
            "errorMessage": None,
        }

    # --- Callbacks ---

    def tick(self) -> None:
        """Call back every record whose news has not been told yet (text, first, complete, error)."""
        with self._lock:
            for task_id, row in list(self.records.items()):
                if row["kind"] == "LYRICS" or "complete" in row["told"] or "error" in row["told"]:
                    continue
                if row["kind"] in RENDER_PATHS:
                    body = self.render_callback(task_id, row, self.record(task_id, RENDER_PATHS[row["kind"]]))
                    if body is not None:
                        row["told"].add("complete" if body["code"] == 200 else "error")
                        self.call_back(row["callback"], task_id, body)
                    continue
                path = "/api/v1/vocal-removal/record-info" if row["kind"] == "VOCAL_REMOVAL" else ""
                record = self.record(task_id, path or "/api/v1/generate/record-info")
                status = record.get("status") or record.get("successFlag")
                kind = {"TEXT_SUCCESS": "text", "FIRST_SUCCESS": "first", "SUCCESS": "complete"}.get(status)
                if status in FAILURES:
                    kind = "error"
                if kind is None or kind in row["told"]:
                    continue
                row["told"].add(kind)
                items = (record.get("response") or {}).get("sunoData") or []
                data = [] if kind in ("text", "error") else [self.snake(item) for item in items]
                body = {
                    "code": 200 if kind != "error" else 501,
                    "msg": status,
                    "data": {"callbackType": kind, "task_id": task_id, "data": data},
                }
                self.call_back(row["callback"], task_id, body)

    @staticmethod
    def snake(item: dict) -> dict:
        return {
            "id": item["id"],
            "audio_url": item["audioUrl"],
            "source_audio_url": item["audioUrl"],
            "stream_audio_url": item["streamAudioUrl"],
            "source_stream_audio_url": item["streamAudioUrl"],
            "image_url": item["imageUrl"],
            "source_image_url": item["imageUrl"],
            "prompt": item["prompt"],
            "model_name": item["modelName"],
            "title": item["title"],
            "tags": item["tags"],
            "createTime": item["createTime"],
            "duration": item["duration"],
        }

    def call_back(self, url: str, task_id: str, body: dict) -> None:
        if (urlsplit(url).hostname or "").endswith(".invalid"):
            return  # the studio said it takes no callbacks
        headers = {"Content-Type": "application/json"}
        if self.hmac_key:
            stamp = str(int(time.time()))
            digest = hmac.new(self.hmac_key.encode(), f"{task_id}.{stamp}".encode(), hashlib.sha256).digest()
            headers |= {
                "X-Webhook-Timestamp": stamp,
                "X-Webhook-Signature": base64.b64encode(digest).decode(),
            }
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # the family's 15 s
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        self.callbacks.append({"url": url, "body": body, "headers": headers, "status": status})


@contextmanager
def calling_back(stand_in: SunoApiStandIn, every: float = 0.2) -> Iterator[None]:
    """The stand-in's callbacks, made as records move, in a thread until the block ends."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):  # the engine may be mid-render: the next tick tries again
                stand_in.tick()
            stop.wait(every)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
