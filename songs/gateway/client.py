"""The gateway client: the studio's only door to a Suno-compatible gateway.

Services see typed dataclasses and one exception family, ``GatewayError``, whose ``retryable`` flag
says whether trying again later can help. Submits are never retried here (a re-send may bill twice);
fetches are safe to repeat and are retried with backoff. The format adapters
(``songs.gateway.formats``) shape the requests; this module sends them. See docs/protocol.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from django.conf import settings

from songs import metrics
from songs.gateway import verdicts
from songs.gateway.errors import (
    HTTPX_ERRORS,
    GatewayError,
    SubmitOutcomeUnknown,
    answer_error,
    network_error,
    not_supported,
    status_retryable,
)
from songs.gateway.families import make_format
from songs.gateway.formats import ApiRequest, Capabilities, FetchPlan
from songs.gateway.parse import AlignedWord, Task

# One name for every gateway call, whatever module inside the package made it.
logger = logging.getLogger("songs.gateway")

T = TypeVar("T")

# Tests (and the dev server talking to the built-in engine) swap the network for this transport.
transport_override: httpx.BaseTransport | None = None

# Honour a 429's Retry-After only when it is short: a worker should not block for minutes.
# A longer wait is handed to the caller through GatewayError.retry_after instead.
MAX_RETRY_AFTER = 10.0
MAX_BACKOFF = 30.0
# The longest a quick call (one attempt, e.g. timing beside a media copy) waits for its answer.
QUICK_TIMEOUT = 8.0
# (gateway base URL, path) pairs a gateway answered as missing (404 or a web page): a request with a
# fallback goes straight to its fallback there from then on (the reseller's /suno/generate beside the
# engine's /suno/v2/generate, docs/protocol.md 2). Per process; a restart asks again, once.
_ROUTES_MISSING: set[tuple[str, str]] = set()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context (certificates verified, as httpx's default) every client of this package uses.

    Building one reads the whole CA bundle: 0.07-0.1 s, more on a busy machine. Each gateway client and
    each media download made its own, so a clip's copy paid for three before it was stored. The context
    is read-only once made and safe to share between clients and threads."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff for calls that are safe to repeat."""

    max_retries: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep)

    def run(self, attempt: Callable[[], T]) -> T:
        for number in range(max(0, self.max_retries) + 1):
            try:
                return attempt()
            except GatewayError as exc:
                delay = self.delay(exc, number)
                if delay is None:
                    raise
                self.sleep(delay)
        raise AssertionError("unreachable: the last attempt either returns or raises")

    def delay(self, exc: GatewayError, number: int) -> float | None:
        if not exc.retryable or number >= self.max_retries:
            return None
        if exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= MAX_RETRY_AFTER else None
        return min(self.backoff * 2**number, MAX_BACKOFF)


@contextlib.contextmanager
def failure_logged(method: str, path: str, *, secret: str = "") -> Iterator[None]:
    """Log a failed call by method, path, status and code only: never headers, bodies or messages."""
    try:
        yield
    except GatewayError as exc:
        metrics.gateway_error_counted(exc.code)
        # A gateway may echo the key back ("invalid token sk-..."): never let it travel further.
        if secret and secret in exc.message:
            exc.message = exc.message.replace(secret, "[redacted]")
            exc.args = (exc.code, exc.message)
        logger.warning(
            "gateway call failed: %s %s status=%s code=%s retryable=%s",
            method,
            path,
            exc.http_status,
            exc.code,
            exc.retryable,
        )
        raise


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
        media_origins: tuple[str, ...] = (),
        sketch: bool = False,
    ) -> None:
        # Choose the format first so an unsupported one leaves no open client behind.
        self._format = make_format(api_format)
        self.api_format = api_format
        self.sketch = sketch  # the built-in engine beside a real gateway: sketches only (get_gateway)
        self.secret = api_key  # kept only to scrub it from error messages
        self.retry = RetryPolicy(max_retries=max_retries, backoff=backoff, sleep=sleep)
        self.transport = transport  # a user's link is fetched through it too (tests, dev)
        # Origins (scheme://host:port) the gateway's media may come from even on a private network, as the
        # gateway itself may: e.g. a relay's upstream CDN inside the same data centre.
        self.media_origins = tuple(origin.rstrip("/") for origin in media_origins)
        self.http = httpx.Client(
            base_url=base_url,
            transport=transport,
            verify=tls_context(),
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
        return f"<Gateway {self.http.base_url} format={self.api_format}>"

    @property
    def capabilities(self) -> Capabilities:
        return self._format.capabilities

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Submits: never retried here, because a re-send may bill twice ---

    @property
    def uploads_by_link(self) -> bool:
        """The family takes a user's audio as a link with each request made from it (no registration)."""
        return bool(getattr(self._format, "uploads_by_link", False))

    @property
    def callback_param(self) -> str | None:
        """The body key that carries a callback address in this format, or None (it never calls back)."""
        return self._format.callback_param

    def submit_music(self, *, payload: dict, callback_url: str = "") -> str:
        """Submit a song; ``callback_url`` (where the format takes one) is where the gateway calls back."""
        if not payload.get("mv"):
            # Gateways silently default a missing mv to chirp-v3-0.
            raise ValueError("submit_music payload needs an 'mv' (model version)")
        return self._submit(self._format.submit_music(payload), callback_url)

    def submit_lyrics(self, *, prompt: str, callback_url: str = "") -> str:
        return self._submit(self._format.submit_lyrics(prompt), callback_url)

    def submit_concat(self, *, clip_id: str, is_infill: bool = False, callback_url: str = "") -> str:
        """Stitch a continuation chain (ending at ``clip_id``) into one song; returns a task id.

        ``is_infill`` stitches a replaced section back instead. Costs far more than a song.
        """
        if not clip_id:
            raise ValueError("submit_concat needs a clip id")
        return self._submit(self._format.submit_concat(clip_id, bool(is_infill)), callback_url)

    def upload_audio_url(self, *, url: str) -> str:
        """Have the gateway import the audio at ``url`` as a clip; returns the new clip's id."""
        if not url:
            raise ValueError("upload_audio_url needs a url")
        return self._submit(self._format.upload_audio_url(url))

    def persona_create(self, *, clip_id: str, name: str, description: str, task_id: str = "") -> str:
        """Keep a clip's singer as a persona; returns its persona_id. Charged upstream: never retried."""
        if not clip_id:
            raise ValueError("persona_create needs a clip id")
        body = {
            "root_clip_id": clip_id,
            "name": name,
            "description": description,
            "clips": [clip_id],
            "is_public": False,
        }
        if task_id:  # the task that made the clip: families that name a clip by (taskId, audioId) need it
            body["task_id"] = task_id
        return self._submit(self._format.persona_create(body))

    def style_boost(self, *, tags: str) -> str:
        """A few words of style, expanded into a full style description (upsampled_tags)."""
        return self._submit(self._format.style_boost(tags))

    def call(self, req: ApiRequest) -> Any:
        """One step of a flow of several calls (the multi-step upload), safe to repeat: retried like a
        fetch; a missing route is a ``not_supported`` error."""
        return self.retry.run(lambda: self._fetch(req, route_checked=True))

    def submit_call(self, req: ApiRequest) -> Any:
        """The step of such a flow that may bill: sent once, like every submit."""
        return self._submit(req)

    def _submit(self, req: ApiRequest, callback_url: str = "") -> Any:
        param = self._format.callback_param
        if callback_url and param:
            req = _with_body_key(req, param, callback_url)
        req = self._known_route(req)
        with failure_logged(req.method, req.path, secret=self.secret):
            response = self._send(req, submit=True)
            if req.fallback is not None and _route_missing(response) is not None:
                # Nothing was accepted at a missing route: the same call at the family's other path.
                self._learn_missing(req)
                req = req.fallback
                response = self._send(req, submit=True)
            if response.status_code == 504:
                # A proxy's timeout: the gateway behind it may well have created the task.
                raise SubmitOutcomeUnknown(
                    "outcome_unknown",
                    "The gateway timed out (HTTP 504) after the request was sent.",
                    http_status=504,
                )
            if (missing := _route_missing(response)) is not None:
                raise missing
            try:
                return self._read(req, response)
            except GatewayError as exc:
                raise _submit_verdict(exc, response) from exc

    # --- Fetches: safe to repeat, so every request is retried with backoff ---

    def fetch_task(self, task_id: str, *, api_format: str | None = None) -> Task:
        """One task; ``api_format`` is the format it was made with, when not this gateway's own (a task made
        before SUNO_API_FORMAT changed is still read the way it was made)."""
        if not task_id:
            raise ValueError("fetch_task needs a task id")
        tasks = self._run(self._adapter(api_format).fetch_one(task_id))
        if not tasks:
            raise GatewayError("task_not_exist", "The gateway's feed knows none of this task's clips")
        return tasks[0]

    def fetch_tasks(self, task_ids: list[str], *, api_format: str | None = None) -> list[Task]:
        """Tasks for many ids at once (batched as the format accepts); unknown ids are left out, not an
        error. ``api_format`` as for ``fetch_task``."""
        return self._run(self._adapter(api_format).fetch_many(list(task_ids)))

    def _adapter(self, api_format: str | None):
        return self._format if api_format in (None, self.api_format) else make_format(api_format)

    def fetch_timing(self, *, clip_id: str, task_id: str = "", quick: bool = False) -> list[AlignedWord]:
        """The clip's lyric words with the times they are sung (``GET act/timing/<clip_id>``), in order.

        Safe to repeat, so retried like a fetch; ``quick`` makes one attempt that waits at most
        QUICK_TIMEOUT seconds (a worker that has other work to finish). A gateway without the call (404, or
        a web page where JSON was expected) raises a ``not_supported`` GatewayError.
        """
        if not clip_id:
            raise ValueError("fetch_timing needs a clip id")
        req = self._format.timing(clip_id, task_id)  # the task that made it: some families need both
        if quick:
            return self._fetch(req, route_checked=True, timeout=QUICK_TIMEOUT)
        return self.retry.run(lambda: self._fetch(req, route_checked=True))

    def _run(self, plan: FetchPlan) -> list[Task]:
        answers = []
        for req in plan.requests:
            try:
                answers.append(self.retry.run(lambda req=req: self._fetch(req)))
            except GatewayError as exc:
                if not req.lenient or exc.retryable:
                    raise
                answers.append(None)  # this one task is unknown or refused: the others still count
        tasks = plan.combine(answers)
        return [_media_on_gateway(task, str(self.http.base_url)) for task in tasks]

    def _known_route(self, req: ApiRequest) -> ApiRequest:
        while req.fallback is not None and (str(self.http.base_url), req.path) in _ROUTES_MISSING:
            req = req.fallback
        return req

    def _learn_missing(self, req: ApiRequest) -> None:
        logger.info("gateway has no %s; using %s from now on", req.path, req.fallback.path)
        _ROUTES_MISSING.add((str(self.http.base_url), req.path))

    def _fetch(self, req: ApiRequest, *, route_checked: bool = False, timeout: float | None = None) -> Any:
        req = self._known_route(req)
        with failure_logged(req.method, req.path, secret=self.secret):
            response = self._send(req, submit=False, timeout=timeout)
            if req.fallback is not None and _route_missing(response) is not None:
                self._learn_missing(req)
                req = req.fallback
                response = self._send(req, submit=False, timeout=timeout)
            if route_checked and (missing := _route_missing(response)) is not None:
                raise missing
            return self._read(req, response)

    def _send(self, req: ApiRequest, *, submit: bool, timeout: float | None = None) -> httpx.Response:
        url = f"{req.path}?{req.query}" if req.query else req.path
        metrics.gateway_request_sent(submit=submit)
        try:
            if timeout is not None:
                return self.http.request(req.method, url, json=req.json, timeout=timeout)
            return self.http.request(req.method, url, json=req.json)
        except HTTPX_ERRORS as exc:
            raise network_error(exc, submit=submit) from exc

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
                retryable=status_retryable(status),
            ) from None
        error = answer_error(response, body)
        if error is not None:
            raise error
        try:
            return req.read(body)
        except GatewayError as exc:
            exc.http_status = status
            raise


def _with_body_key(req: ApiRequest, key: str, value: str) -> ApiRequest:
    """The request (and its fallbacks) with one more key in its JSON body."""
    if not isinstance(req.json, dict):
        return req
    fallback = _with_body_key(req.fallback, key, value) if req.fallback is not None else None
    return req._replace(json={**req.json, key: value}, fallback=fallback)


_MEDIA_FIELDS = ("audio_url", "video_url", "image_url", "image_large_url")


def _media_on_gateway(task: Task, base_url: str) -> Task:
    """Media named by path alone (ACE-Step's ``/v1/audio?path=...``) lives on the gateway's own host."""

    def local(link: str) -> bool:
        return link.startswith("/") and not link.startswith("//")

    if not any(local(getattr(clip, name)) for clip in task.clips for name in _MEDIA_FIELDS):
        return task
    base = base_url.rstrip("/")
    clips = [
        dataclasses.replace(
            clip, **{name: base + getattr(clip, name) for name in _MEDIA_FIELDS if local(getattr(clip, name))}
        )
        for clip in task.clips
    ]
    return dataclasses.replace(task, clips=clips)


def _route_missing(response: httpx.Response) -> GatewayError | None:
    """A 404 or a web page where JSON was expected: the gateway has no such route; nothing was accepted."""
    media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if response.status_code in (404, 405):
        return not_supported(
            f"The gateway has no {response.request.url.path} (HTTP {response.status_code}).",
            http_status=response.status_code,
            body=response.text,
        )
    if response.is_success and media_type == "text/html":
        return not_supported(
            f"The gateway answered {response.request.url.path} with a web page, not the API.",
            http_status=response.status_code,
            body=response.text,
        )
    return None


def _submit_verdict(exc: GatewayError, response: httpx.Response) -> GatewayError:
    """What a failed submit means for billing: unknown outcome, a final refusal, or worth another try."""
    if exc.code in verdicts.MAYBE_ACCEPTED_CODES or (exc.code == "bad_response" and response.is_success):
        # The gateway (or its upstream) may have created, and billed, the task: never send it again.
        unknown = SubmitOutcomeUnknown(
            "outcome_unknown" if exc.code != "bad_response" else "bad_response",
            f"The gateway may have accepted the submit but its answer was unreadable: {exc.message}",
            http_status=response.status_code,
        )
        unknown.detail, unknown.raw = exc.detail, exc.raw
        return unknown
    if response.status_code >= 500 and exc.kind == verdicts.UNKNOWN and not _generic(exc.code):
        # A 5xx carrying the upstream's own code is its verdict on this request, not a passing fault.
        exc.retryable = False
    return exc


def _generic(code: str) -> bool:
    return code.startswith("http_") or code in ("bad_response", "bad_request", "forbidden", "not_found")


# The built-in engine speaks both formats; v2 carries everything a sketch card shows (timing included).
SKETCH_FORMAT = "v2"


def sketches_offered() -> bool:
    """Whether the Create form offers sketches: a real gateway is configured, the operator left them on,
    and the engine's address is not the gateway's own (else a "free" sketch would be a billed song)."""
    url = getattr(settings, "SKETCH_GATEWAY_URL", "")
    return bool(settings.SKETCH_ENABLED and url and url.rstrip("/") != settings.SUNO_GATEWAY_URL.rstrip("/"))


def get_gateway(*, sketch: bool = False) -> Gateway:
    """A Gateway configured from settings, one per destination: the configured gateway, or (sketch) the
    built-in engine beside it. Use it as ``with get_gateway() as gateway: ...``."""
    if sketch:
        return Gateway(
            base_url=settings.SKETCH_GATEWAY_URL,
            api_key=settings.SKETCH_GATEWAY_KEY,
            api_format=SKETCH_FORMAT,
            transport=transport_override,
            connect_timeout=settings.SUNO_CONNECT_TIMEOUT,
            read_timeout=settings.SUNO_READ_TIMEOUT,
            sketch=True,
        )
    return Gateway(
        base_url=settings.SUNO_GATEWAY_URL,
        api_key=settings.SUNO_GATEWAY_KEY,
        api_format=settings.SUNO_API_FORMAT,
        transport=transport_override,
        connect_timeout=settings.SUNO_CONNECT_TIMEOUT,
        read_timeout=settings.SUNO_READ_TIMEOUT,
        media_origins=tuple(settings.SUNO_MEDIA_ORIGINS),
    )


@contextlib.contextmanager
def gateway_for(gateway: Gateway | None = None, *, sketch: bool = False) -> Iterator[Gateway]:
    """The caller's gateway when it is the destination asked for (the real gateway, or the sketch
    engine), else a fresh one from settings that is closed when the block ends."""
    if gateway is not None and gateway.sketch == sketch:
        yield gateway
        return
    with get_gateway(sketch=sketch) as fresh:
        yield fresh
