"""Callbacks: when a task ends, the engine POSTs its record to the URL the request gave, as gateways do.

The request names it as `notify_hook` (task format), `callBackUrl` (sunoapi.org / kie.ai) or
`callback_url`. The record is what reading the task answers in the format it was submitted in: the
fetch envelope for the task format, the feed's list of the task's clips for v2 and the SunoAPI-style
format. A worker sends it (never the request or the render job): one try and two more after 2 and 6 s;
failures are logged with the host only (a URL's query may hold a token) and otherwise ignored, as
polling is the safety net. Addresses are judged as audio links are (engine.jobs.outbound): public
ones, the studio's own, and what ENGINE_FETCH_ALLOW lists.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from urllib.parse import urlsplit

from django.http import HttpRequest

from engine.api import protocol
from engine.api.fields import RequestInvalid
from engine.jobs import leases, outbound
from engine.models import EngineClip, EngineTask

log = logging.getLogger(__name__)
FIELDS = ("notify_hook", "callBackUrl", "callback_url")
MAX_URL = 2000
TIMEOUT_S = 10.0
RETRY_AFTER_S = (2.0, 6.0)
DELIVER_JOB = "engine.api.callbacks.deliver"


def callback_field(body: dict) -> dict:
    """{"callback_url": url} from the first of FIELDS the body sets, checked for shape; {} for none.
    A literal private address is refused now; a name is judged when the callback is sent (DNS may
    change, and a submit never waits on a resolver)."""
    name = next((f for f in FIELDS if body.get(f) not in (None, "")), None)
    if name is None:
        return {}
    url = body[name]
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise RequestInvalid(f"{name} must be an http(s) URL of at most {MAX_URL} characters.")
    url = url.strip()
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise RequestInvalid(f"{name} must be an http(s) URL.") from None
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        raise RequestInvalid(f"{name} must be an http(s) URL.")
    if _literal_private(host) and not _allowed_literal(url):
        raise RequestInvalid(f"{name} points to a private or local network address.")
    return {"callback_url": url}


def _literal_private(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not outbound.is_public(host)


def _allowed_literal(url: str) -> bool:
    try:
        outbound.vet(url, studio_paths=("/",))
    except outbound.Refused:
        return False
    return True


def on_finished(sender, task: EngineTask, **kwargs) -> None:
    """engine.jobs.endings.task_finished: queue the callback of a task that asked for one."""
    if not task.payload.get("callback_url"):
        return
    try:
        leases.enqueue(DELIVER_JOB, task.id, name=f"engine-callback-{task.id}")
    except Exception as exc:  # a broker that cannot take it costs the callback only: the studio polls
        log.warning("engine task %s: its callback could not be queued (%s)", task.id, type(exc).__name__)


class _WorkerRequest(HttpRequest):
    """What the answer's links are built from outside a request: the address the task was submitted to."""

    def __init__(self, base: str) -> None:
        super().__init__()
        parts = urlsplit(base)
        self._scheme = parts.scheme or "http"
        self.META = {"HTTP_HOST": parts.netloc, "SERVER_NAME": parts.hostname or "", "SERVER_PORT": "80"}

    def _get_scheme(self) -> str:
        return self._scheme


def record(task: EngineTask) -> object:
    """The task as reading it answers, in the format it was submitted in."""
    request = _WorkerRequest(task.payload.get("answer_base") or "http://127.0.0.1")
    if task.payload.get("format") in ("v2", "sunoapi"):
        clips = EngineClip.objects.filter(task=task).order_by("index")
        return [protocol.clip_object(request, clip) for clip in clips]
    return {"code": "success", "message": "", "data": protocol.task_object(request, task)}


def deliver(task_id: str) -> bool:
    """The callback job: POST the record; True when the receiver answered 2xx."""
    task = EngineTask.objects.filter(id=task_id).first()
    url = task.payload.get("callback_url") if task else None
    if not url:
        return False
    host = urlsplit(url).hostname
    for wait in (*RETRY_AFTER_S, None):
        try:
            status = outbound.post_json(url, record(task), timeout=TIMEOUT_S, studio_paths=("/",))
        except outbound.Refused as exc:
            status, why = None, exc.message
            if why.startswith("it points to a private"):
                log.warning("engine task %s: callback to %s refused: %s", task_id, host, why)
                return False
        else:
            why = f"it answered HTTP {status}"
            if 200 <= status < 300:
                return True
        if wait is None:
            log.warning("engine task %s: callback to %s failed, given up: %s", task_id, host, why)
            return False
        log.info("engine task %s: callback to %s failed (%s); trying again in %g s", task_id, host, why, wait)
        _sleep(wait)
    return False


def _sleep(seconds: float) -> None:
    time.sleep(seconds)
