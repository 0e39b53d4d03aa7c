"""The gateway client: the studio's only door to a Suno-compatible gateway.

This is the only module that imports httpx. Everything above it (services, tasks) sees typed
dataclasses and one exception family, ``GatewayError``, whose ``retryable`` flag says whether
trying again later can help. See /work/shared/PROTOCOL.md for the wire format.

Format differences ("task" and "v2") live in small adapter objects behind ``Gateway``: an adapter
builds requests, says how to read their answers and combines fetches; ``Gateway`` owns the HTTP
client, error mapping, retries, logging and downloads. Pure parsing lives in ``songs.suno_parse``;
its names are re-exported here, so callers only ever import ``songs.suno``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pathlib
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeVar
from urllib.parse import SplitResult, quote, urljoin, urlsplit

import httpx
from django.conf import settings

from songs import netguard

# Re-exported: callers read suno.Clip, suno.Task, suno.Lyrics, suno.parse_task and friends.
from songs.suno_parse import (
    Clip,
    Task,
    as_float,
    as_int,
    as_text,
    decode_v2_task_id,
    encode_v2_task_id,
    is_v2_task_id,
    parse_clip,
    parse_task,
    v2_task,
)
from songs.suno_parse import Lyrics as Lyrics

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


@dataclass(frozen=True)
class Capabilities:
    """What a format can do beyond plain songs; the UI offers only what the gateway supports."""

    concat: bool
    upload: bool
    infill: bool
    negative_tags: bool


# --- Format adapters ------------------------------------------------------------------


class ApiRequest(NamedTuple):
    """One HTTP call an adapter wants made, and how to read its answer."""

    method: str
    path: str  # without the query: failures are logged under it, and queries carry ids
    # Turns the answer body (failure shapes already raised as GatewayError) into the result.
    read: Callable[[Any], Any]
    json: Any = None
    query: str = ""  # already encoded; "ids=a,b" keeps its commas as the feed expects


# Sends one fetch request with the Gateway's retries and error mapping, returning request.read(body).
Send = Callable[[ApiRequest], Any]


class GatewayFormat(Protocol):
    """What an API format must provide. ``Gateway`` does the HTTP; adapters only shape data."""

    capabilities: Capabilities

    def submit_music(self, payload: dict) -> ApiRequest: ...
    def submit_lyrics(self, prompt: str) -> ApiRequest: ...
    def submit_concat(self, clip_id: str, is_infill: bool) -> ApiRequest: ...
    def upload_audio_url(self, url: str) -> ApiRequest: ...
    def fetch_task(self, task_id: str, send: Send) -> Task: ...
    def fetch_tasks(self, task_ids: list[str], send: Send) -> list[Task]: ...


def _bad_response(message: str) -> GatewayError:
    return GatewayError("bad_response", message, retryable=False)


# --- Reading answers (each ApiRequest names one of these) ---


def _envelope_data(body: Any) -> Any:
    # Failure envelopes were already turned into errors; only success is left.
    if not isinstance(body, dict) or body.get("code") != "success":
        raise _bad_response("The gateway's answer has no success envelope")
    return body.get("data")


def _read_task_id(body: Any) -> str:
    data = _envelope_data(body)
    if not isinstance(data, str) or not data:
        raise _bad_response("The gateway's answer carries no task id")
    return data


def _read_clip_id(body: Any) -> str:
    # The upload answers the clip id in data (New API style) and again in clip_id; either will do.
    data = _envelope_data(body)
    for value in (data, body.get("clip_id")):
        if isinstance(value, str) and value:
            return value
    raise _bad_response("The gateway's answer carries no clip id")


def _read_task(body: Any) -> Task:
    data = _envelope_data(body)
    if data is None:
        # Some gateways answer an unknown id with a success envelope and no data.
        raise GatewayError("task_not_exist", "The gateway knows no such task", retryable=False)
    if not isinstance(data, dict):
        raise _bad_response("The gateway's task is not an object")
    return parse_task(data)


def _read_tasks(body: Any) -> list[Task]:
    data = _envelope_data(body)
    if data is None:
        return []
    if not isinstance(data, list):
        raise _bad_response("The gateway's task list is not a list")
    return [parse_task(item) for item in data if isinstance(item, dict) and item.get("task_id")]


def _read_generation(body: Any) -> str:
    """v2 generate answers the generation itself; its id and clip ids become the task id."""
    if isinstance(body, dict) and body.get("code") == "success":
        body = body.get("data")  # lenient: a gateway that wraps it in the task envelope
    clips = body.get("clips") if isinstance(body, dict) else None
    if not isinstance(clips, list):
        raise _bad_response("The gateway's generation lists no clips")
    clip_ids = [as_text(clip.get("id")) if isinstance(clip, dict) else "" for clip in clips]
    try:
        return encode_v2_task_id(as_text(body.get("id")), clip_ids)
    except ValueError as exc:
        raise _bad_response(f"The gateway's generation cannot be tracked ({exc})") from None


def _read_feed(body: Any) -> list[Clip]:
    # The engine answers a bare list; gateways may wrap it in {"clips": [...]} or the task envelope.
    if isinstance(body, dict) and body.get("code") == "success":
        body = body.get("data")
    if isinstance(body, dict):
        body = body.get("clips")
    if body is None:
        return []
    if not isinstance(body, list):
        raise _bad_response("The gateway's feed is not a list of clips")
    return [parse_clip(item) for item in body if isinstance(item, dict) and item.get("id")]


# --- The formats ---


class TaskFormat:
    """The "task" (New API) format: submit returns a task id, fetch returns task objects."""

    capabilities = Capabilities(concat=True, upload=True, infill=False, negative_tags=False)

    def submit_music(self, payload: dict) -> ApiRequest:
        return ApiRequest("POST", "/suno/submit/music", _read_task_id, payload)

    def submit_lyrics(self, prompt: str) -> ApiRequest:
        return ApiRequest("POST", "/suno/submit/lyrics", _read_task_id, {"prompt": prompt})

    def submit_concat(self, clip_id: str, is_infill: bool) -> ApiRequest:
        body = {"clip_id": clip_id, "is_infill": is_infill}
        return ApiRequest("POST", "/suno/submit/concat", _read_task_id, body)

    def upload_audio_url(self, url: str) -> ApiRequest:
        return ApiRequest("POST", "/sunoapi/uploads/audio-url", _read_clip_id, {"url": url})

    # A task id says which format made it ("v2:..." ids track a v2 generation), so either format fetches
    # both kinds: switching SUNO_API_FORMAT never strands the tasks already in flight.
    def fetch_task(self, task_id: str, send: Send) -> Task:
        if not is_v2_task_id(task_id):
            # Task ids are opaque: quote them so one can never change the path.
            return send(ApiRequest("GET", f"/suno/fetch/{quote(task_id, safe='')}", _read_task))
        tasks = self._generations([task_id], send)
        if tasks:
            return tasks[0]
        raise GatewayError("task_not_exist", "The gateway's feed knows none of this task's clips")

    def fetch_tasks(self, task_ids: list[str], send: Send) -> list[Task]:
        # Task-format answers first, then generations in the order asked for.
        v2_ids = [task_id for task_id in task_ids if is_v2_task_id(task_id)]
        others = [task_id for task_id in task_ids if not is_v2_task_id(task_id)]
        tasks: list[Task] = []
        for start in range(0, len(others), FETCH_BATCH_SIZE):
            ids = others[start : start + FETCH_BATCH_SIZE]
            tasks.extend(send(ApiRequest("POST", "/suno/fetch", _read_tasks, {"ids": ids})))
        return tasks + self._generations(v2_ids, send)

    def _generations(self, v2_ids: list[str], send: Send) -> list[Task]:
        """One feed query (per FETCH_BATCH_SIZE clips) for all generations, grouped back per id."""
        wanted: dict[str, list[str]] = {}
        for task_id in v2_ids:
            with contextlib.suppress(ValueError):  # a malformed id is unknown, like any other
                wanted[task_id] = decode_v2_task_id(task_id)[1]
        clip_ids = list(dict.fromkeys(clip_id for clips in wanted.values() for clip_id in clips))
        found: dict[str, Clip] = {}
        for start in range(0, len(clip_ids), FETCH_BATCH_SIZE):
            batch = clip_ids[start : start + FETCH_BATCH_SIZE]
            found.update((clip.id, clip) for clip in send(_feed_request(batch)))
        tasks = (v2_task(task_id, clips, found) for task_id, clips in wanted.items())
        return [task for task in tasks if task is not None]


V2_GENERATE_PATH = "/suno/v2/generate"
# The seed does not show the feed's path; this is where the built-in engine serves it
# (PROTOCOL.md section 2). The only place the client names it.
V2_FEED_PATH = "/suno/v2/feed"

# v2 generate always gets these keys, "" or null when unused, as in the seed's example ...
_V2_TEXT_KEYS = ("prompt", "tags", "mv", "title")
_V2_NULLABLE_KEYS = ("continue_clip_id", "continue_at", "infill_start_s", "infill_end_s")
# ... and these only when the request has them (not every gateway takes them).
_V2_OPTIONAL_KEYS = ("gpt_description_prompt", "make_instrumental", "negative_tags")


def _v2_generate_body(payload: dict) -> dict:
    # Every other key is dropped: notably "task_id", which only the task format's continue needs.
    body = {key: payload.get(key) or "" for key in _V2_TEXT_KEYS}
    body.update({key: payload.get(key) for key in _V2_NULLABLE_KEYS})
    body.update({key: payload[key] for key in _V2_OPTIONAL_KEYS if key in payload})
    return body


class V2Format(TaskFormat):
    """The v2 format (seed 000): music goes through generate and the feed.

    Lyrics, concat and upload use the task endpoints on v2 gateways too, so they are inherited, and so
    is fetching (which tells the kinds apart by id: a generation is tracked under an encoded "v2:..." id,
    see ``encode_v2_task_id``).
    """

    capabilities = Capabilities(concat=True, upload=True, infill=True, negative_tags=True)

    def submit_music(self, payload: dict) -> ApiRequest:
        return ApiRequest("POST", V2_GENERATE_PATH, _read_generation, _v2_generate_body(payload))


def _feed_request(clip_ids: list[str]) -> ApiRequest:
    # Each id quoted on its own so the commas between them stay literal, as the feed expects.
    query = "ids=" + ",".join(quote(clip_id, safe="") for clip_id in clip_ids)
    return ApiRequest("GET", V2_FEED_PATH, _read_feed, query=query)


_FORMATS: Mapping[str, Callable[[], GatewayFormat]] = {"task": TaskFormat, "v2": V2Format}


def _make_format(api_format: str) -> GatewayFormat:
    if api_format not in _FORMATS:
        raise ValueError(f"Unknown gateway api_format {api_format!r}: expected 'task' or 'v2'")
    return _FORMATS[api_format]()


# --- Mapping answers and network failures to GatewayError --------------------------------


def _status_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _status_code_name(status: int) -> str:
    return _STATUS_CODES.get(status, f"http_{status}")


def _short(text: Any) -> str:
    return as_text(text).strip()[:_MESSAGE_LIMIT]


def _error_from_body(status: int, body: Any) -> GatewayError | None:
    """Both failure shapes of PROTOCOL.md, at any HTTP status (a 200 can carry a failure too)."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict | str) and error:
        # New API's {"error": {"message", "type", "code"?}}; "type" is always "new_api_error", so
        # the code comes from error.code when present, otherwise from the HTTP status.
        details = error if isinstance(error, dict) else {"message": error}
        code = as_text(details.get("code")) or _status_code_name(status)
        return GatewayError(code, _short(details.get("message")), http_status=status)
    code = body.get("code")
    if isinstance(code, str) and code != "success":
        return GatewayError(
            code or _status_code_name(status), _short(body.get("message")), http_status=status
        )
    return None


def _retry_after(response: httpx.Response) -> float | None:
    # Only the seconds form; an HTTP-date falls back to our own backoff.
    value = as_float(response.headers.get("Retry-After"))
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


def _network_error(exc: Exception, *, submit: bool, peer: str = "the gateway") -> GatewayError:
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, _OUR_FAULT):
        return GatewayError("bad_request", f"The request could not be completed ({detail})")
    if isinstance(exc, _NOT_SENT):
        return GatewayError("network", f"Could not reach {peer} ({detail})", retryable=True)
    if submit:
        # Anything later (timeouts, dropped connections, unreadable bodies) may follow a created task.
        return SubmitOutcomeUnknown(
            "outcome_unknown", f"The submit may have reached the gateway; its answer was lost ({detail})"
        )
    if isinstance(exc, httpx.DecodingError):
        return GatewayError("bad_response", f"The gateway's answer could not be decoded ({detail})")
    code = "timeout" if isinstance(exc, httpx.TimeoutException) else "network"
    return GatewayError(code, f"The connection to {peer} failed ({detail})", retryable=True)


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
        self._transport = transport  # fetch_public's own client goes through it too (tests, dev)
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

    def submit_concat(self, *, clip_id: str, is_infill: bool = False) -> str:
        """Stitch a continuation chain (ending at ``clip_id``) into one song; returns a task id.

        ``is_infill`` stitches a replaced section back instead. Costs far more than a song.
        """
        if not clip_id:
            raise ValueError("submit_concat needs a clip id")
        return self._submit(self._format.submit_concat(clip_id, bool(is_infill)))

    def upload_audio_url(self, *, url: str) -> str:
        """Have the gateway import the audio at ``url`` as a clip; returns the new clip's id."""
        if not url:
            raise ValueError("upload_audio_url needs a url")
        return self._submit(self._format.upload_audio_url(url))

    def _submit(self, req: ApiRequest) -> Any:
        with self._failure_logged(req.method, req.path):
            response = self._send(req, submit=True)
            if response.status_code == 504:
                # A proxy's timeout: the gateway behind it may well have created the task.
                raise SubmitOutcomeUnknown(
                    "outcome_unknown",
                    "The gateway timed out (HTTP 504) after the request was sent.",
                    http_status=504,
                )
            try:
                return self._read(req, response)
            except GatewayError as exc:
                if exc.code != "bad_response" or not response.is_success:
                    raise
                # A 2xx we cannot read may still have created (and billed) a task.
                raise SubmitOutcomeUnknown(
                    "bad_response",
                    f"The gateway accepted the submit but its answer was unreadable: {exc.message}",
                    http_status=response.status_code,
                ) from exc

    # --- Fetches: safe to repeat, so every request is retried with backoff ---

    def fetch_task(self, task_id: str) -> Task:
        if not task_id:
            raise ValueError("fetch_task needs a task id")
        return self._format.fetch_task(task_id, self._fetch_with_retries)

    def fetch_tasks(self, task_ids: list[str]) -> list[Task]:
        """The tasks the gateway knows, in batches; unknown ids are left out, not an error."""
        return self._format.fetch_tasks(list(task_ids), self._fetch_with_retries)

    def _fetch_with_retries(self, req: ApiRequest) -> Any:
        return self._with_retries(lambda: self._fetch(req))

    def _fetch(self, req: ApiRequest) -> Any:
        """One fetch attempt: send, check the answer, read it."""
        with self._failure_logged(req.method, req.path):
            return self._read(req, self._send(req, submit=False))

    def _send(self, req: ApiRequest, *, submit: bool) -> httpx.Response:
        target = f"{req.path}?{req.query}" if req.query else req.path
        try:
            return self._client.request(req.method, target, json=req.json)
        except _HTTPX_ERRORS as exc:
            raise _network_error(exc, submit=submit) from exc

    def _read(self, req: ApiRequest, response: httpx.Response) -> Any:
        """The answer read by ``req.read``, or a GatewayError for any failure shape."""
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
            return req.read(body)
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
    def _failure_logged(self, method: str, path: str) -> Iterator[None]:
        try:
            yield
        except GatewayError as exc:
            self._scrub(exc)
            # Method, path, status and code only: never headers, bodies or messages.
            logger.warning(
                "gateway call failed: %s %s status=%s code=%s retryable=%s",
                method,
                path,
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
        return self._with_retries(lambda: self._download_once(url, log_path, dest, max_bytes))

    def _download_once(self, url: str, log_path: str, dest: pathlib.Path, max_bytes: int) -> tuple[int, str]:
        with self._failure_logged("GET", log_path):
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
        declared = as_int(response.headers.get("Content-Length"))
        if declared > max_bytes:
            raise _too_large(max_bytes, status)

    # --- Fetching a user's own link (someone else's server) ---

    def fetch_public(
        self,
        url: str,
        *,
        dest: pathlib.Path,
        max_bytes: int,
        max_redirects: int = 5,
        allowed_types: tuple[str, ...] = ("audio/",),
        resolve: Callable[..., Any] = socket.getaddrinfo,
    ) -> tuple[int, str, str]:
        """Download a user-given public link into ``dest`` atomically; return (size, sha256 hex, type).

        Guarded against SSRF: the link and every redirect target are vetted by
        ``netguard.check_url`` before anything is sent, and each request connects to an address that
        check vetted, never to the host name again, so a second DNS answer (rebinding) cannot send
        it elsewhere. The real host name travels in the Host header and, for https, as TLS SNI
        through httpcore's ``sni_hostname`` request extension, so the certificate is still checked
        against that name. The gateway key is never sent, and redirects are followed here, at most
        ``max_redirects`` of them.

        ``allowed_types`` entries ending in "/" match a media type's prefix ("audio/" matches
        audio/mpeg), others match exactly. While audio is allowed, ``application/octet-stream`` is
        accepted too when the final link's path ends in .mp3 or .wav (many servers do not know
        audio types). The returned type is the server's media type, lower-case, without parameters.

        Codes: "unsafe_url" (message from netguard, fit for the user), "too_many_redirects",
        "too_large" (declared or streamed; nothing is left behind), "not_audio", "bad_response"
        (another 3xx), the HTTP status names of ``download``, and the retryable "network"/"timeout".
        Retryable failures are retried like any fetch, each attempt vetting the link afresh.
        """
        dest = pathlib.Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            log_path = urlsplit(url).path or "/"  # no host or query: signed links carry tokens there
        except (TypeError, ValueError):
            log_path = "<invalid url>"
        # Not self._client: no base_url and no key; no proxies from the environment (an HTTP proxy
        # would see only the address, as httpcore ignores sni_hostname there); no kept-alive
        # connections, so a TLS connection made for one host name never serves another that shares
        # its address; and the gateway's transport only when one was given (tests, dev).
        transport = self._transport or httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        client = httpx.Client(
            transport=transport,
            timeout=self._client.timeout,
            follow_redirects=False,
            trust_env=False,
            headers={
                "User-Agent": "song-studio",
                "Accept": "audio/*, application/octet-stream;q=0.5",
                "Accept-Encoding": "identity",  # audio does not compress; no decompression bombs
            },
        )
        types = tuple(allowed_types)
        try:
            return self._with_retries(
                lambda: self._fetch_public_once(
                    client, url, log_path, dest, max_bytes, max(0, max_redirects), types, resolve
                )
            )
        finally:
            if self._transport is None:
                client.close()  # a borrowed transport stays open for the gateway

    def _fetch_public_once(
        self,
        client: httpx.Client,
        url: str,
        log_path: str,
        dest: pathlib.Path,
        max_bytes: int,
        max_redirects: int,
        allowed_types: tuple[str, ...],
        resolve: Callable[..., Any],
    ) -> tuple[int, str, str]:
        with self._failure_logged("GET", log_path):
            response, final = _open_public(client, url, max_redirects, resolve)
            try:
                self._check_download(response, max_bytes)
                if not response.is_success:
                    raise GatewayError(
                        "bad_response",
                        f"The link answered HTTP {response.status_code} instead of a file",
                        http_status=response.status_code,
                    )
                media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
                if not _type_allowed(media_type, final.path, allowed_types):
                    raise GatewayError(
                        "not_audio",
                        f"That link is not an audio file (it is {media_type or 'of no stated type'}).",
                        http_status=response.status_code,
                    )
                size, digest = _stream_to_file(response, dest, max_bytes)
                return size, digest, media_type
            finally:
                response.close()


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


# --- fetch_public's hops ---

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_OCTET_STREAM_AUDIO_SUFFIXES = (".mp3", ".wav")


def _open_public(
    client: httpx.Client, url: str, max_redirects: int, resolve: Callable[..., Any]
) -> tuple[httpx.Response, SplitResult]:
    """The final (non-redirect) response for ``url``, streaming, and the link it came from."""
    redirects = 0
    while True:
        try:
            parts, ips = netguard.check_url(url, resolve=resolve)
        except netguard.UnsafeURL as exc:
            raise GatewayError("unsafe_url", exc.message) from exc
        response = _send_pinned(client, parts, ips)
        location = response.headers.get("Location") if response.status_code in _REDIRECT_STATUSES else None
        if not location:
            return response, parts
        response.close()
        if redirects >= max_redirects:
            raise GatewayError(
                "too_many_redirects",
                f"That link redirects more than {max_redirects} times.",
                http_status=response.status_code,
            )
        redirects += 1
        url = urljoin(parts.geturl(), location.strip())


def _send_pinned(client: httpx.Client, parts: SplitResult, ips: list[str]) -> httpx.Response:
    """Send GET for the vetted link to one of its vetted addresses, the next one if it cannot connect."""
    default_port = _DEFAULT_PORTS[parts.scheme]
    port = parts.port or default_port
    host_header = parts.netloc if port != default_port else parts.netloc.removesuffix(f":{port}")
    # TLS SNI and the certificate check use the host name, not the address connected to.
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    tail = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    client.cookies.clear()  # they would be kept per address, not per host name
    failure: httpx.HTTPError | None = None
    for ip in ips:
        target = httpx.URL(f"{parts.scheme}://{f'[{ip}]' if ':' in ip else ip}:{port}{tail}")
        request = client.build_request("GET", target, headers={"Host": host_header}, extensions=extensions)
        try:
            return client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            failure = exc  # nothing was sent: try the host's next vetted address
        except _HTTPX_ERRORS as exc:
            raise _network_error(exc, submit=False, peer="the link's server") from exc
    assert failure is not None, "check_url always vets at least one address"
    raise _network_error(failure, submit=False, peer="the link's server") from failure


def _type_allowed(media_type: str, path: str, allowed_types: tuple[str, ...]) -> bool:
    for allowed in allowed_types:
        if allowed.endswith("/"):
            if media_type.startswith(allowed) and len(media_type) > len(allowed):
                return True
        elif media_type == allowed:
            return True
    return (
        media_type == "application/octet-stream"
        and any(allowed.startswith("audio/") for allowed in allowed_types)
        and path.lower().endswith(_OCTET_STREAM_AUDIO_SUFFIXES)
    )


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


@contextlib.contextmanager
def gateway_for(gateway: Gateway | None = None) -> Iterator[Gateway]:
    """The caller's gateway, or a fresh one from settings that is closed when the block ends."""
    if gateway is not None:
        yield gateway
        return
    with get_gateway() as fresh:
        yield fresh


def capabilities_for(api_format: str) -> Capabilities:
    """What a format can do, without building a client: the UI offers only that."""
    return _make_format(api_format).capabilities
