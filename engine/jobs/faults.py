"""What goes wrong in a render job, told apart: the infrastructure (database, broker, network) is retried,
a render that cannot be made fails its task with a reason in plain words, never an internal address.

A PostgreSQL restart or a Redis blip is not the song's fault: the job retries with a backoff, and if the
outage outlasts it the task is left as it is, to be taken up again when its lease runs out
(engine.jobs.leases), rather than failed. Only the render's own failures end a task, and the reason
shown to people says what happened without the exception's text (which named hosts and ports:
"render failed: Error 111 connecting to 127.0.0.1:9518").
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import TypeVar

import redis.exceptions
from django.db import InterfaceError, OperationalError, connection

log = logging.getLogger(__name__)
T = TypeVar("T")

# Database gone or locked, broker gone, connection refused or timed out: worth another try.
INFRASTRUCTURE = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)
# Seconds between tries: about 15 s in all, well inside Q_TIMEOUT with the render itself.
BACKOFF = (1.0, 2.0, 4.0, 8.0)

INTERNAL = "The engine could not render this song (an internal error). Please try again."
SOURCE_GONE = "The audio this song builds on is no longer on the engine."
# Anything that looks like a place: URLs, IPv4 and bracketed IPv6 with ports, host:port, file paths.
_ADDRESS = re.compile(
    r"[a-z][a-z0-9+.-]*://\S+"
    r"|\[[0-9a-f:.]+\](:\d+)?"
    r"|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b"
    r"|\b[\w.-]+:\d{2,5}\b"
    r"|(?<![\w.])/[\w.@-]+(/[\w.@-]+)+",
    re.IGNORECASE,
)


class RenderFailed(Exception):
    """A render that cannot be made; its message is already plain words for the people waiting."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def plain(message: str) -> str:
    """message without addresses or paths (a last guard: reasons are written plain to begin with)."""
    return re.sub(r"\s{2,}", " ", _ADDRESS.sub("(an internal address)", message)).strip()


def reason_for(exc: Exception) -> str:
    if isinstance(exc, RenderFailed):
        return plain(exc.message)
    if isinstance(exc, FileNotFoundError):
        return SOURCE_GONE
    return INTERNAL


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def retrying(work: Callable[[], T], *, what: str) -> T | None:
    """work(), tried again after each infrastructure error with a backoff; None if the errors outlast it
    (logged for operators; the task is left to its lease). Any other error is raised at once."""
    for delay in (*BACKOFF, None):
        try:
            return work()
        except INFRASTRUCTURE as exc:
            if delay is None:
                log.error("%s: still failing after %d tries (%s: %s); left to its lease",
                          what, len(BACKOFF) + 1, type(exc).__name__, exc)  # fmt: skip
                return None
            log.warning("%s: %s (%s); trying again in %g s", what, type(exc).__name__, exc, delay)
            if not connection.in_atomic_block:
                connection.close()  # a broken connection is not reused: the next query opens a fresh one
            _sleep(delay)
    return None
