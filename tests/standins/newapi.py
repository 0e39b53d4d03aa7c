"""A stand-in for stock new-api's Suno relay, written from its observed behaviour, for the test suite.

Point the studio (or any client) at it as its gateway, and it at an upstream (the engine). It imitates,
from new-api's source (relay/channel/task/suno/adaptor.go, dto/suno.go, relay/relay_task.go,
service/task_polling.go):

- Its own bearer key; a wrong one is 401 {"error": {"message", "type": "new_api_error"}}.
- POST /suno/submit/music and /lyrics: the action is upper-cased and sent on as
  POST {upstream}/suno/submit/MUSIC or /LYRICS with the upstream's key. The body is decoded into its
  request struct (SunoSubmitReq: a wrongly typed field is 400 invalid_request, fields outside it such
  as negative_tags, notify_hook, task, cover_clip_id, persona_id, infill_* are dropped) and re-encoded
  with Go's omitempty rules: empty strings and continue_at 0 are left out; make_instrumental (on lyrics
  too), instrumental, customMode and callBackUrl ({server}/suno/callback by default) are always sent.
  A missing mv becomes chirp-v3-0; an empty lyrics prompt is 400 "prompt_empty"; a continue needs a
  task_id of its own (400 "task id is empty", 400 task_not_exist), forwarded unchanged.
- Upstream failures: a non-200 keeps its status, {"code": "fail_to_fetch_task", "message": <the
  upstream's body as text>}, masked as "请求上游地址失败" when it mentions post, dial or http (as the
  older releases do); a 200 whose code is not "success" becomes 500 with the upstream's code and message;
  an unreachable upstream is 500 do_request_failed "请求上游地址失败".
- It answers its own public id, "task_" + 32 characters, and maps it to the upstream's id.
- Any other action (concat included) has no channel:
  503 "当前分组 default 下对于模型 suno_<action> 无可用渠道 (request id: ...)".
- GET /suno/fetch/<id> and POST /suno/fetch read its own table: NOT_START, progress "0%" and data null
  until a refresh; the table is refreshed from upstream (POST /suno/fetch {"ids": [...]}) at most every
  `refresh_every` seconds (15 in new-api), so a client may never see the streaming state; progress
  becomes "100%" only at SUCCESS or FAILURE. Upstream answers are decoded strictly (times are int64);
  one answered id it did not ask for breaks the round, as new-api's poll loop breaks (recorded in
  `poll_errors`). A batch answers in its table's order, not the order asked.
- Any unknown route (e.g. POST /sunoapi/uploads/audio-url) is 200 with its web front end's HTML page.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

# SunoSubmitReq: JSON name -> (JSON types it decodes from, Go type, omitempty)
SUBMIT_REQ = {
    "gpt_description_prompt": ((str,), "string", True),
    "prompt": ((str,), "string", True),
    "mv": ((str,), "string", True),
    "title": ((str,), "string", True),
    "tags": ((str,), "string", True),
    "continue_at": ((int, float), "float64", True),
    "task_id": ((str,), "string", True),
    "continue_clip_id": ((str,), "string", True),
    "make_instrumental": ((bool,), "bool", False),
    "instrumental": ((bool,), "bool", False),
    "model": ((str,), "string", True),
    "callBackUrl": ((str,), "string", False),
    "customMode": ((bool,), "bool", False),
}
ZERO = {"string": "", "float64": 0, "bool": False}
INT64_FIELDS = ("submit_time", "start_time", "finish_time")
STRING_FIELDS = ("task_id", "action", "status", "fail_reason", "url")
MASKED = "请求上游地址失败"
FRONT_END = b'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>New API</title></head>'
FRONT_END += b'<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>'
FRONT_END += b"</body></html>"


class Failure(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(body)
        self.status, self.body = status, body


def task_error(status: int, code: str, message: str) -> Failure:
    return Failure(status, {"code": code, "message": message, "data": None})


def _json_type(value: object) -> str:
    return {bool: "bool", str: "string", list: "array", dict: "object"}.get(type(value), "number")


def decode_submit(raw: bytes) -> dict:
    """Go's json.Unmarshal into SunoSubmitReq: keys match case-insensitively, null is the zero value."""
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise task_error(400, "invalid_request", f"invalid character in request body: {exc}") from None
    if not isinstance(body, dict):
        raise task_error(400, "invalid_request", "json: cannot unmarshal into Go value of type SunoSubmitReq")
    req = {name: ZERO[go] for name, (_, go, _) in SUBMIT_REQ.items()}
    by_fold = {name.casefold(): name for name in SUBMIT_REQ}
    for key, value in body.items():
        name = by_fold.get(key.casefold())
        if name is None or value is None:
            continue
        accepted, go, _ = SUBMIT_REQ[name]
        if not isinstance(value, accepted) or (go != "bool" and isinstance(value, bool)):
            message = f"json: cannot unmarshal {_json_type(value)} into Go struct field SunoSubmitReq.{name}"
            raise task_error(400, "invalid_request", f"{message} of type {go}")
        req[name] = value
    return req


def encode_submit(req: dict) -> bytes:
    return json.dumps({k: v for k, v in req.items() if not (SUBMIT_REQ[k][2] and not v)}).encode()


def public_id() -> str:
    return "task_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


class NewApiStandIn:
    def __init__(
        self,
        *,
        upstream_url: str,
        upstream_key: str,
        key: str,
        refresh_every: float = 15.0,
        server_address: str = "http://newapi.test",
        clock: Callable[[], float] = time.monotonic,
    ):
        self.upstream_url, self.upstream_key, self.key = upstream_url.rstrip("/"), upstream_key, key
        self.refresh_every, self.server_address, self.clock = refresh_every, server_address, clock
        self.tasks: dict[str, dict] = {}  # public id -> its row, in insertion (primary key) order
        self.upstream_ids: dict[str, str] = {}  # upstream id -> public id
        self.poll_errors: list[str] = []
        self.sent: list[tuple[str, dict]] = []  # (upstream path, body) of every submit sent on
        self._lock, self._refreshing = threading.Lock(), threading.Lock()
        self._next_refresh = clock() + refresh_every

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        try:
            status, content_type, body = self.route(environ)
        except Failure as failure:
            status, content_type, body = failure.status, "application/json", json.dumps(failure.body).encode()
        start_response(f"{status} X", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def route(self, environ: dict) -> tuple[int, str, bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "POST" and path.startswith("/suno/submit/") and path.count("/") == 3:
            return self.answer(self.submit(environ, path.rsplit("/", 1)[1]))
        if method == "GET" and path.startswith("/suno/fetch/") and path.count("/") == 3:
            self.authenticate(environ)
            return self.answer(self.fetch_one(path.rsplit("/", 1)[1]))
        if method == "POST" and path == "/suno/fetch":
            self.authenticate(environ)
            return self.answer(self.fetch_many(_read(environ)))
        return 200, "text/html; charset=utf-8", FRONT_END

    @staticmethod
    def answer(data: object) -> tuple[int, str, bytes]:
        body = {"code": "success", "message": "", "data": data}
        return 200, "application/json", json.dumps(body, ensure_ascii=False).encode()

    def authenticate(self, environ: dict) -> None:
        scheme, _, key = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.key:
            raise Failure(
                401, {"error": {"message": "无效的令牌 (request id: standin)", "type": "new_api_error"}}
            )

    def submit(self, environ: dict, action: str) -> str:
        self.authenticate(environ)
        action = action.upper()
        if action not in ("MUSIC", "LYRICS"):  # no channel serves suno_<action> on a stock install
            model, request_id = f"suno_{action.lower()}", secrets.token_hex(8)
            message = f"当前分组 default 下对于模型 {model} 无可用渠道 (request id: {request_id})"
            raise Failure(503, {"error": {"message": message, "type": "new_api_error"}})
        req = decode_submit(_read(environ))
        if action == "MUSIC" and not req["mv"]:
            req["mv"] = "chirp-v3-0"
        if action == "LYRICS" and not req["prompt"]:
            raise task_error(400, "invalid_request", "prompt_empty")
        if req["continue_clip_id"]:
            if not req["task_id"]:
                raise task_error(400, "invalid_request", "task id is empty")
            if req["task_id"] not in self.tasks:
                raise task_error(400, "task_not_exist", "task_origin_not_exist")
        req["callBackUrl"] = req["callBackUrl"] or f"{self.server_address}/suno/callback"
        upstream_id = self.send_on(f"/suno/submit/{action}", req)
        return self.remember(action, upstream_id)

    def send_on(self, path: str, req: dict) -> str:
        self.sent.append((path, json.loads(encode_submit(req))))
        try:
            status, text = self.call_upstream(path, encode_submit(req))
        except OSError:  # Go's error reads 'Post "http://...": dial tcp ...': always masked
            raise task_error(500, "do_request_failed", MASKED) from None
        if status != 200:
            masked = any(word in text.lower() for word in ("post", "dial", "http"))
            raise task_error(status, "fail_to_fetch_task", MASKED if masked else text)
        try:
            answer = json.loads(text)
            code, message, data = answer["code"], answer.get("message") or "", answer.get("data")
        except (ValueError, KeyError, TypeError):
            raise task_error(500, "unmarshal_response_body_failed", f"response body: {text}") from None
        if code != "success" or not isinstance(data, str):
            raise task_error(500, str(code), message)
        return data

    def call_upstream(self, path: str, body: bytes) -> tuple[int, str]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.upstream_key}"}
        request = urllib.request.Request(self.upstream_url + path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def remember(self, action: str, upstream_id: str) -> str:
        now = int(time.time())
        task_id = public_id()
        with self._lock:
            row = {"id": len(self.tasks) + 1, "created_at": now, "updated_at": now, "task_id": task_id}
            row |= {"platform": "suno", "user_id": 1, "group": "default", "channel_id": 1, "quota": 0}
            row |= {"action": action, "status": "NOT_START", "fail_reason": "", "result_url": ""}
            row |= {"submit_time": now, "start_time": 0, "finish_time": 0, "progress": "0%"}
            row |= {"properties": {}, "username": "studio", "data": None}
            self.tasks[task_id], self.upstream_ids[upstream_id] = row, task_id
        return task_id

    def fetch_one(self, task_id: str) -> dict:
        self.refresh_if_due()
        with self._lock:
            if task_id not in self.tasks:
                raise task_error(400, "task_not_exist", "task_not_exist")
            return dict(self.tasks[task_id])

    def fetch_many(self, raw: bytes) -> list[dict]:
        try:
            ids = json.loads(raw or b"null")["ids"] or []
            wanted = {i for i in ids if isinstance(i, str)}
        except (ValueError, KeyError, TypeError):
            raise task_error(400, "invalid_request", "invalid request body") from None
        self.refresh_if_due()
        with self._lock:
            return [dict(row) for task_id, row in self.tasks.items() if task_id in wanted]

    def refresh_if_due(self) -> None:
        if self.clock() < self._next_refresh or not self._refreshing.acquire(blocking=False):
            return
        try:
            self._next_refresh = self.clock() + self.refresh_every
            self.refresh()
        except Exception as exc:  # the round breaks, the relay keeps serving its table
            self.poll_errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self._refreshing.release()

    def refresh(self) -> None:
        """One round of new-api's poll loop: every unfinished task, in one batch fetch upstream."""
        with self._lock:
            asked = [up for up, mine in self.upstream_ids.items() if self.tasks[mine]["status"] not in _DONE]
        if not asked:
            return
        status, text = self.call_upstream("/suno/fetch", json.dumps({"ids": asked}).encode())
        if status != 200:
            raise RuntimeError(f"Get Task status code: {status}")
        answer = json.loads(text)
        if answer.get("code") != "success":
            return
        for item in answer["data"]:
            _check_types(item)
            if item.get("task_id") not in asked:
                raise LookupError(f"upstream answered task {item.get('task_id')!r}, which was not asked for")
            with self._lock:
                _update(self.tasks[self.upstream_ids[item["task_id"]]], item)


_DONE = ("SUCCESS", "FAILURE")


def _check_types(item: object) -> None:
    """Decoding into SunoDataResponse: a wrong type anywhere fails the whole answer."""
    if not isinstance(item, dict):
        raise TypeError("json: cannot unmarshal into Go value of type dto.SunoDataResponse")
    for name in STRING_FIELDS:
        if item.get(name) is not None and not isinstance(item[name], str):
            raise TypeError(
                f"json: cannot unmarshal into Go struct field SunoDataResponse.{name} of type string"
            )
    for name in INT64_FIELDS:
        value = item.get(name)
        if value is not None and (type(value) is not int or not -(2**63) <= value < 2**63):
            raise TypeError(f"json: cannot unmarshal {value!r} into Go struct field SunoDataResponse.{name}")


def _update(row: dict, item: dict) -> None:
    """What new-api copies from upstream: non-empty status and reason, non-zero times, the data as is."""
    row["status"] = item.get("status") or row["status"]
    row["fail_reason"] = item.get("fail_reason") or row["fail_reason"]
    for name in INT64_FIELDS:
        row[name] = item.get(name) or row[name]
    if row["status"] in _DONE:
        row["progress"] = "100%"
    row["data"], row["updated_at"] = item.get("data"), int(time.time())


def _read(environ: dict) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""
