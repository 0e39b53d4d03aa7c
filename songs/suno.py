"""The gateway client: the studio's only door to a Suno-compatible gateway.

This is the only module that imports httpx. Everything above it (services, tasks) sees typed
dataclasses and one exception family, ``GatewayError``, whose ``retryable`` flag says whether
trying again later can help. See /work/shared/PROTOCOL.md for the wire format.

Format differences (the "task" format now, "v2" later) live in small adapter objects behind
``Gateway``: an adapter builds requests and parses answers; ``Gateway`` owns the HTTP client,
error mapping, retries, logging and downloads.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import pathlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar
from urllib.parse import quote

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Tests (and the dev server talking to the built-in engine) swap the network for this transport.
transport_override: httpx.BaseTransport | None = None

# The poll cycle asks for many tasks at once; gateways accept far more, but small batches keep
# one slow or failing request from holding up everything.
FETCH_BATCH_SIZE = 50
# Honour a 429's Retry-After only when it is short: a worker should not block for minutes.
# A longer wait is handed to the caller through GatewayError.retry_after instead.
MAX_RETRY_AFTER = 10.0
MAX_BACKOFF = 30.0
_MESSAGE_LIMIT = 300
_DOWNLOAD_CHUNK = 64 * 1024

# Application codes that will fail the same way however often they are retried,
# even if a gateway sends them with a 5xx status.
_PERMANENT_CODES = frozenset({"invalid_request", "task_not_exist", "quota_not_enough"})
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "rate_limited",
}


# --- Errors -------------------------------------------------------------------


class GatewayError(Exception):
    """Any failure talking to the gateway. ``retryable`` says whether trying again later can help."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable
        # Seconds the gateway asked us to wait (429 Retry-After), when it said so.
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f", HTTP {self.http_status}" if self.http_status is not None else ""
        text = self.message or "The music gateway reported an error"
        return f"{text} ({self.code}{where})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"http_status={self.http_status!r}, retryable={self.retryable!r})"
        )


class SubmitOutcomeUnknown(GatewayError):
    """The submit may have reached the gateway (and may bill). Never re-send it blindly."""

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        # Never retryable: the caller resolves it by fetching, not by sending it again.
        super().__init__(code, message, http_status=http_status, retryable=False)


# --- What the gateway answers ---------------------------------------------------


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

    @property
    def is_terminal(self) -> bool:
        return self.status in ("SUCCESS", "FAILURE")

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def failed(self) -> bool:
        return self.status == "FAILURE"


@dataclass(frozen=True)
class Capabilities:
    concat: bool
    upload: bool
    infill: bool
    negative_tags: bool


# --- Lenient field readers (gateways differ; a missing or odd field must not break polling) ---


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def _float_or_none(value: Any) -> float | None:
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


def parse_clip(raw: dict) -> Clip:
    meta = _dict(raw.get("metadata"))
    history = meta.get("history")
    return Clip(
        id=_text(raw.get("id")),
        status=_text(raw.get("status")).lower(),
        title=_text(raw.get("title")),
        audio_url=_text(raw.get("audio_url")),
        video_url=_text(raw.get("video_url")),
        image_url=_text(raw.get("image_url")),
        image_large_url=_text(raw.get("image_large_url")),
        is_video_pending=_bool(raw.get("is_video_pending")),
        model_name=_text(raw.get("model_name")),
        major_model_version=_text(raw.get("major_model_version")),
        created_at=_text(raw.get("created_at")),
        duration=_float_or_none(meta.get("duration")),
        tags=_text(meta.get("tags")),
        prompt=_text(meta.get("prompt")),
        gpt_description_prompt=_text(meta.get("gpt_description_prompt")),
        negative_tags=_text(meta.get("negative_tags")),
        clip_type=_text(meta.get("type")),
        history=history if isinstance(history, list) else [],
        error_message=_text(meta.get("error_message") or raw.get("error_message")),
        metadata=meta,
        raw=raw,
    )


def parse_task(raw: dict) -> Task:
    action = _text(raw.get("action")).upper()
    data = raw.get("data")
    clips = [parse_clip(item) for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    lyrics = None
    if isinstance(data, dict) and (action == "LYRICS" or "text" in data):
        lyrics = Lyrics(
            status=_text(data.get("status")), title=_text(data.get("title")), text=_text(data.get("text"))
        )
    return Task(
        task_id=_text(raw.get("task_id")),
        action=action,
        # Some gateways leave the status out early on: UNKNOWN counts as still pending.
        status=_text(raw.get("status")).upper() or "UNKNOWN",
        fail_reason=_text(raw.get("fail_reason")),
        progress=_text(raw.get("progress")),
        submit_time=_int(raw.get("submit_time")),
        start_time=_int(raw.get("start_time")),
        finish_time=_int(raw.get("finish_time")),
        clips=clips,
        lyrics=lyrics,
        raw=raw,
    )


# --- Format adapters ------------------------------------------------------------------


class ApiRequest(NamedTuple):
    method: str
    path: str
    json: Any = None


class GatewayFormat(Protocol):
    """What an API format must provide. ``Gateway`` does the HTTP; adapters only shape data."""

    capabilities: Capabilities

    def submit_music(self, payload: dict) -> ApiRequest: ...
    def submit_lyrics(self, prompt: str) -> ApiRequest: ...
    def fetch_one(self, task_id: str) -> ApiRequest: ...
    def fetch_many(self, task_ids: list[str]) -> ApiRequest: ...
    def unwrap(self, body: Any) -> Any: ...
    def task_id_from(self, data: Any) -> str: ...
    def task_from(self, data: Any) -> Task: ...
    def tasks_from(self, data: Any) -> list[Task]: ...


def _bad_response(message: str) -> GatewayError:
    return GatewayError("bad_response", message, retryable=False)


class TaskFormat:
    """The "task" (New API) format: submit returns a task id, fetch returns task objects."""

    capabilities = Capabilities(concat=True, upload=True, infill=False, negative_tags=False)

    def submit_music(self, payload: dict) -> ApiRequest:
        return ApiRequest("POST", "/suno/submit/music", payload)

    def submit_lyrics(self, prompt: str) -> ApiRequest:
        return ApiRequest("POST", "/suno/submit/lyrics", {"prompt": prompt})

    def fetch_one(self, task_id: str) -> ApiRequest:
        # Task ids are opaque: quote them so one can never change the path.
        return ApiRequest("GET", f"/suno/fetch/{quote(task_id, safe='')}")

    def fetch_many(self, task_ids: list[str]) -> ApiRequest:
        return ApiRequest("POST", "/suno/fetch", {"ids": list(task_ids)})

    def unwrap(self, body: Any) -> Any:
        # Failure envelopes were already turned into errors; only success is left.
        if not isinstance(body, dict) or body.get("code") != "success":
            raise _bad_response("The gateway's answer has no success envelope")
        return body.get("data")

    def task_id_from(self, data: Any) -> str:
        if not isinstance(data, str) or not data:
            raise _bad_response("The gateway's answer carries no task id")
        return data

    def task_from(self, data: Any) -> Task:
        if data is None:
            # Some gateways answer an unknown id with a success envelope and no data.
            raise GatewayError("task_not_exist", "The gateway knows no such task", retryable=False)
        if not isinstance(data, dict):
            raise _bad_response("The gateway's task is not an object")
        return parse_task(data)

    def tasks_from(self, data: Any) -> list[Task]:
        if data is None:
            return []
        if not isinstance(data, list):
            raise _bad_response("The gateway's task list is not a list")
        return [parse_task(item) for item in data if isinstance(item, dict) and item.get("task_id")]


def _make_format(api_format: str) -> GatewayFormat:
    if api_format == "task":
        return TaskFormat()
    if api_format == "v2":
        # >>> V2 SLOT: the full-length-songs work adds a V2Format adapter here (seed 000:
        # POST /suno/v2/generate + the feed query). Nothing else in Gateway needs to change.
        raise NotImplementedError("v2 format arrives with the full-length-songs work")
    raise ValueError(f"Unknown gateway api_format {api_format!r}: expected 'task' or 'v2'")


# --- Mapping answers and network failures to GatewayError --------------------------------


def _status_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _status_code_name(status: int) -> str:
    return _STATUS_CODES.get(status, f"http_{status}")


def _short(text: Any) -> str:
    return _text(text).strip()[:_MESSAGE_LIMIT]


def _error_from_body(status: int, body: Any) -> GatewayError | None:
    """Both failure shapes of PROTOCOL.md, at any HTTP status (a 200 can carry a failure too)."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict | str) and error:
        # New API's {"error": {"message", "type", "code"?}}; "type" is always "new_api_error", so
        # the code comes from error.code when present, otherwise from the HTTP status.
        details = error if isinstance(error, dict) else {"message": error}
        code = _text(details.get("code")) or _status_code_name(status)
        return GatewayError(code, _short(details.get("message")), http_status=status)
    code = body.get("code")
    if isinstance(code, str) and code != "success":
        return GatewayError(
            code or _status_code_name(status), _short(body.get("message")), http_status=status
        )
    return None


def _retry_after(response: httpx.Response) -> float | None:
    # Only the seconds form; an HTTP-date falls back to our own backoff.
    value = _float_or_none(response.headers.get("Retry-After"))
    return max(value, 0.0) if value is not None else None


def _answer_error(response: httpx.Response, body: Any) -> GatewayError | None:
    status = response.status_code
    error = _error_from_body(status, body)
    if error is None and status >= 400:
        message = (body.get("message") or body.get("detail")) if isinstance(body, dict) else ""
        error = GatewayError(_status_code_name(status), _short(message), http_status=status)
    if error is not None:
        error.retryable = _status_retryable(status) and error.code not in _PERMANENT_CODES
        if status == 429:
            error.retry_after = _retry_after(response)
    return error


# Failures where the request cannot have left this machine.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# Failures that are our own fault (bad URL, bad request): retrying cannot help.
_OUR_FAULT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL, httpx.TooManyRedirects)
# Everything httpx raises while sending a request or reading its answer.
_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL)


def _network_error(exc: Exception, *, submit: bool) -> GatewayError:
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, _OUR_FAULT):
        return GatewayError("bad_request", f"The request could not be completed ({detail})")
    if isinstance(exc, _NOT_SENT):
        return GatewayError("network", f"Could not reach the gateway ({detail})", retryable=True)
    if submit:
        # Anything later (timeouts, dropped connections, unreadable bodies) may follow a created task.
        return SubmitOutcomeUnknown(
            "outcome_unknown", f"The submit may have reached the gateway; its answer was lost ({detail})"
        )
    if isinstance(exc, httpx.DecodingError):
        return GatewayError("bad_response", f"The gateway's answer could not be decoded ({detail})")
    code = "timeout" if isinstance(exc, httpx.TimeoutException) else "network"
    return GatewayError(code, f"The gateway connection failed ({detail})", retryable=True)


# --- The client ------------------------------------------------------------------------


class Gateway:
    """One gateway connection. Use as a context manager, or call close()."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        api_format: str = "task",
        transport: httpx.BaseTransport | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # Choose the format first so an unsupported one leaves no open client behind.
        self._format = _make_format(api_format)
        self.api_format = api_format
        self._secret = api_key  # kept only to scrub it from error messages
        self._max_retries = max(0, max_retries)
        self._backoff = backoff
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url,
            transport=transport,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "song-studio",
            },
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
        )

    def __repr__(self) -> str:
        return f"<Gateway {self._client.base_url} format={self.api_format}>"

    @property
    def capabilities(self) -> Capabilities:
        return self._format.capabilities

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Submits: never retried here, because a re-send may bill twice ---

    def submit_music(self, *, payload: dict) -> str:
        if not payload.get("mv"):
            # Gateways silently default a missing mv to chirp-v3-0.
            raise ValueError("submit_music payload needs an 'mv' (model version)")
        return self._submit(self._format.submit_music(payload))

    def submit_lyrics(self, *, prompt: str) -> str:
        return self._submit(self._format.submit_lyrics(prompt))

    def _submit(self, req: ApiRequest) -> str:
        with self._failure_logged(req):
            try:
                response = self._client.request(req.method, req.path, json=req.json)
            except _HTTPX_ERRORS as exc:
                raise _network_error(exc, submit=True) from exc
            if response.status_code == 504:
                # A proxy's timeout: the gateway behind it may well have created the task.
                raise SubmitOutcomeUnknown("outcome_unknown", "The gateway timed out (HTTP 504) after the "
                                           "request was sent.", http_status=504)
            try:
                return self._format.task_id_from(self._read_answer(response))
            except GatewayError as exc:
                if exc.code != "bad_response" or not response.is_success:
                    raise
                # A 2xx we cannot read may still have created (and billed) a task.
                raise SubmitOutcomeUnknown(
                    "bad_response",
                    f"The gateway accepted the submit but its answer was unreadable: {exc.message}",
                    http_status=response.status_code,
                ) from exc

    # --- Fetches: safe to repeat, so retried with backoff ---

    def fetch_task(self, task_id: str) -> Task:
        if not task_id:
            raise ValueError("fetch_task needs a task id")
        req = self._format.fetch_one(task_id)
        return self._with_retries(lambda: self._fetch(req, self._format.task_from))

    def fetch_tasks(self, task_ids: list[str]) -> list[Task]:
        tasks: list[Task] = []
        for start in range(0, len(task_ids), FETCH_BATCH_SIZE):
            req = self._format.fetch_many(task_ids[start : start + FETCH_BATCH_SIZE])
            tasks.extend(self._with_retries(lambda req=req: self._fetch(req, self._format.tasks_from)))
        return tasks

    def _fetch(self, req: ApiRequest, parse: Callable[[Any], T]) -> T:
        """One fetch attempt: send, check the answer, parse its data."""
        with self._failure_logged(req):
            try:
                response = self._client.request(req.method, req.path, json=req.json)
            except _HTTPX_ERRORS as exc:
                raise _network_error(exc, submit=False) from exc
            return parse(self._read_answer(response))

    def _read_answer(self, response: httpx.Response) -> Any:
        """The answer's data, or a GatewayError for any failure shape."""
        status = response.status_code
        try:
            body = response.json()
        except ValueError:  # JSONDecodeError and UnicodeDecodeError both land here
            raise GatewayError(
                "bad_response",
                f"The gateway answered HTTP {status} with a body that is not JSON",
                http_status=status,
                retryable=_status_retryable(status),
            ) from None
        error = _answer_error(response, body)
        if error is not None:
            raise error
        try:
            return self._format.unwrap(body)
        except GatewayError as exc:
            exc.http_status = status
            raise

    # --- Retries and logging ---

    def _with_retries(self, attempt: Callable[[], T]) -> T:
        for number in range(self._max_retries + 1):
            try:
                return attempt()
            except GatewayError as exc:
                delay = self._retry_delay(exc, number)
                if delay is None:
                    raise
                self._sleep(delay)
        raise AssertionError("unreachable: the last attempt either returns or raises")

    def _retry_delay(self, exc: GatewayError, number: int) -> float | None:
        if not exc.retryable or number >= self._max_retries:
            return None
        if exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= MAX_RETRY_AFTER else None
        return min(self._backoff * 2**number, MAX_BACKOFF)

    @contextlib.contextmanager
    def _failure_logged(self, req: ApiRequest) -> Iterator[None]:
        try:
            yield
        except GatewayError as exc:
            self._scrub(exc)
            # Method, path, status and code only: never headers, bodies or messages.
            logger.warning(
                "gateway call failed: %s %s status=%s code=%s retryable=%s",
                req.method,
                req.path,
                exc.http_status,
                exc.code,
                exc.retryable,
            )
            raise

    def _scrub(self, exc: GatewayError) -> None:
        # A gateway may echo the key back ("invalid token sk-..."): never let it travel further.
        if self._secret and self._secret in exc.message:
            exc.message = exc.message.replace(self._secret, "[redacted]")
            exc.args = (exc.code, exc.message)

    # --- Downloads ---

    def download(self, url: str, *, dest: pathlib.Path, max_bytes: int) -> tuple[int, str]:
        """Stream ``url`` into ``dest`` atomically; return (size in bytes, sha256 hex)."""
        dest = pathlib.Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            log_path = httpx.URL(url).path  # no query: signed CDN links carry tokens there
        except httpx.InvalidURL:
            log_path = "<invalid url>"
        req = ApiRequest("GET", log_path)
        return self._with_retries(lambda: self._download_once(url, req, dest, max_bytes))

    def _download_once(
        self, url: str, req: ApiRequest, dest: pathlib.Path, max_bytes: int
    ) -> tuple[int, str]:
        with self._failure_logged(req):
            try:
                request = self._client.build_request("GET", url, headers={"Accept": "*/*"})
                if not self._is_own_url(request.url):
                    del request.headers["Authorization"]  # the key is for the gateway, not a CDN
                response = self._client.send(request, stream=True, follow_redirects=True)
            except _HTTPX_ERRORS as exc:
                raise _network_error(exc, submit=False) from exc
            try:
                self._check_download(response, max_bytes)
                return _stream_to_file(response, dest, max_bytes)
            finally:
                response.close()

    def _is_own_url(self, url: httpx.URL) -> bool:
        base = self._client.base_url
        same_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
        return same_origin and url.path.startswith(base.path)

    def _check_download(self, response: httpx.Response, max_bytes: int) -> None:
        status = response.status_code
        if status >= 400:
            raise GatewayError(
                _status_code_name(status),
                f"The media download answered HTTP {status}",
                http_status=status,
                retryable=_status_retryable(status),
            )
        declared = _int(response.headers.get("Content-Length"))
        if declared > max_bytes:
            raise _too_large(max_bytes, status)


def _too_large(max_bytes: int, status: int | None) -> GatewayError:
    return GatewayError("too_large", f"The media file is larger than {max_bytes} bytes", http_status=status)


def _stream_to_file(response: httpx.Response, dest: pathlib.Path, max_bytes: int) -> tuple[int, str]:
    """Write to a temp file beside ``dest``, then rename: readers never see half a file."""
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                for chunk in response.iter_bytes(_DOWNLOAD_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_large(max_bytes, response.status_code)
                    digest.update(chunk)
                    out.write(chunk)
            except _HTTPX_ERRORS as exc:
                raise _network_error(exc, submit=False) from exc
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; media must be readable by the web server
        os.replace(tmp_name, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return size, digest.hexdigest()


def get_gateway() -> Gateway:
    """A Gateway configured from settings. Use it as ``with get_gateway() as gateway: ...``."""
    return Gateway(
        base_url=settings.SUNO_GATEWAY_URL,
        api_key=settings.SUNO_GATEWAY_KEY,
        api_format=settings.SUNO_API_FORMAT,
        transport=transport_override,
        connect_timeout=settings.SUNO_CONNECT_TIMEOUT,
        read_timeout=settings.SUNO_READ_TIMEOUT,
    )
