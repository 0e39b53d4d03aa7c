"""Prometheus metrics that the studio's processes record; /metrics (songs/views/ops.py) exposes them.

Web, worker and poller are separate processes: in prometheus-client's multiprocess mode (settings.METRICS_DIR,
exported as PROMETHEUS_MULTIPROC_DIR before the library is imported) each writes its numbers to files and
the web process adds them up at scrape time. Only counters and histograms are recorded here; numbers that
describe the database (tasks by status, queue depth) are read when scraped (songs/monitor.py).

This module imports nothing of the studio, so the gateway client and the services can both record here.

Where the calls are:
- ``poll_cycle_timed`` decorates ``songs.services.polling.poll_cycle`` (cycle wall time, gateway requests);
- ``gateway_request_sent``, ``gateway_error_counted``: in ``songs.gateway.client``;
- ``copy_stored_observed``: ``songs.services.copies`` when a clip's audio copy is stored.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.registry import REGISTRY, Collector

F = TypeVar("F", bound=Callable[..., Any])

POLL_CYCLE_SECONDS = Histogram(
    "studio_poll_cycle_seconds",
    "Wall time of one poll cycle (resume lost work, claim, fetch, ingest).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
POLL_CYCLE_REQUESTS = Histogram(
    "studio_poll_cycle_gateway_requests",
    "Gateway requests one poll cycle made.",
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200),
)
GATEWAY_REQUESTS = Counter("studio_gateway_requests", "Requests sent to the gateway, by kind.", ["kind"])
GATEWAY_ERRORS = Counter("studio_gateway_errors", "Failed gateway calls, by the error's code.", ["code"])
COMPLETION_TO_STORED = Histogram(
    "studio_completion_to_stored_seconds",
    "From the gateway finishing a task to a clip's audio stored in the studio's own storage.",
    buckets=(0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600),
)

# Gateway requests made by the poll cycle running on this thread (None: no cycle is running here).
_tally = threading.local()


def gateway_request_sent(*, submit: bool) -> None:
    GATEWAY_REQUESTS.labels("submit" if submit else "fetch").inc()
    if getattr(_tally, "count", None) is not None:
        _tally.count += 1


# Codes come from gateways' answers: bounded, so a chatty gateway cannot make labels without end.
_CODE_CHARS = re.compile(r"[^a-z0-9_]+")
MAX_CODE_LABELS = 50
_codes_seen: set[str] = set()


def gateway_error_counted(code: str) -> None:
    GATEWAY_ERRORS.labels(_code_label(code)).inc()


def _code_label(code: str) -> str:
    label = _CODE_CHARS.sub("_", (code or "").lower()).strip("_")[:40] or "unknown"
    if label not in _codes_seen:
        if len(_codes_seen) >= MAX_CODE_LABELS:
            return "other"
        _codes_seen.add(label)
    return label


def poll_cycle_observed(seconds: float, requests: int) -> None:
    POLL_CYCLE_SECONDS.observe(seconds)
    POLL_CYCLE_REQUESTS.observe(requests)


def poll_cycle_timed(function: F) -> F:
    """Record the wall time of each call and the gateway requests made on this thread meanwhile."""

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        outer = getattr(_tally, "count", None)
        _tally.count = 0
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            requests = _tally.count
            _tally.count = None if outer is None else outer + requests
            poll_cycle_observed(time.perf_counter() - started, requests)

    return timed  # type: ignore[return-value]


def copy_stored_observed(*, task: Any, now: float | None = None) -> None:
    """A clip's copy was stored: observe the time since its task finished at the gateway.

    The gateway's own finish time (``finish_time`` in its answer) when it gave one, otherwise when the
    studio saw the task finish. A clip stored before its task finished is not observed.
    """
    now = time.time() if now is None else now
    finished = _upstream_finish(getattr(task, "last_response", None)) or _timestamp(task.finished_at)
    if finished and 0 <= now - finished < 24 * 3600:
        COMPLETION_TO_STORED.observe(now - finished)


def _upstream_finish(answer: Any) -> float | None:
    value = answer.get("finish_time") if isinstance(answer, dict) else None
    if isinstance(value, int | float) and value > 0:
        return value / 1000 if value > 1e11 else float(value)  # some gateways give milliseconds
    return None


def _timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment else None


def exposition(collectors: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text Prometheus reads: every process's numbers (or this one's) plus ``collectors``."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        prometheus_multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ThisProcess(Collector):
    def collect(self):
        return REGISTRY.collect()


def files_clear(path: str | None = None) -> None:
    """Remove the numbers files of earlier runs; call once when the studio starts, before its children."""
    folder = path or os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if folder and os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))
