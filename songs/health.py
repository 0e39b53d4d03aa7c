"""The studio's own checks for /health/ (django-health-check): broker, gateway, poller loop, queue.

The database check is the library's. Messages name no address and no key: anonymous callers see only
each check's verdict anyway (songs/views/ops.py), staff see these messages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from songs import monitor
from songs.gateway import gateway_unreachable_reason


@dataclasses.dataclass(repr=False)
class Broker(HealthCheck):
    """django-q2's broker answers (Redis ping, or the ORM's queue table) and its queue can be read."""

    def __repr__(self) -> str:
        return "Broker"

    async def run(self) -> None:
        # On the request's own thread, so the ORM broker uses (and Django closes) its usual connection.
        await sync_to_async(self._ping)()

    def _ping(self) -> None:
        try:
            monitor.broker().ping()
            monitor.queue_depth()
        except Exception as exc:  # Redis and database errors share no base class
            raise ServiceUnavailable(f"the broker does not answer ({type(exc).__name__})") from exc


@dataclasses.dataclass(repr=False)
class Gateway(HealthCheck):
    """The gateway (or the built-in engine) answers a GET of its base address."""

    def __repr__(self) -> str:
        return "Gateway"

    def run(self) -> None:
        reason = _gateway_verdict()
        if reason:
            raise ServiceUnavailable(f"the gateway is not reachable: {reason}")


GATEWAY_VERDICT_KEY = "studio:health-gateway"


def _gateway_verdict() -> str:
    """The gateway probe's reason ("" when up), shared by every process for HEALTH_GATEWAY_CACHE_SECONDS:
    anyone may ask /health/, and each asking must not make the studio knock on the gateway's door."""
    seconds = settings.HEALTH_GATEWAY_CACHE_SECONDS
    if seconds <= 0:
        return gateway_unreachable_reason()
    ops = caches["ops"]
    try:
        cached = ops.get(GATEWAY_VERDICT_KEY)
    except Exception:  # noqa: BLE001 - a cache that cannot be read: probe, as without one
        cached = None
    if cached is not None:
        return cached
    reason = gateway_unreachable_reason()
    with contextlib.suppress(Exception):  # not kept: the next call probes again
        ops.set(GATEWAY_VERDICT_KEY, reason, timeout=seconds)
    return reason


@dataclasses.dataclass(repr=False)
class Poller(HealthCheck):
    """The poller loop (manage.py studio_poller) finished a cycle recently."""

    def __repr__(self) -> str:
        return "Poller"

    def run(self) -> None:
        max_age = settings.HEALTH_POLLER_MAX_AGE
        if max_age <= 0:
            return
        try:
            beat = monitor.poller_last_beat()
        except Exception as exc:
            raise ServiceUnavailable(f"the heartbeat cannot be read ({type(exc).__name__})") from exc
        if beat is None:
            raise ServiceUnavailable("the poller loop has not run")
        age = time.time() - beat
        if age > max_age:
            raise ServiceUnavailable(f"the poller loop's last cycle was {age:.0f} s ago")


@dataclasses.dataclass(repr=False)
class Queue(HealthCheck):
    """django-q2's queue is not longer than HEALTH_QUEUE_MAX (when set)."""

    def __repr__(self) -> str:
        return "Queue"

    async def run(self) -> None:
        await sync_to_async(self._depth)()

    def _depth(self) -> None:
        try:
            depth = monitor.queue_depth()
        except Exception as exc:
            raise ServiceUnavailable(f"the queue cannot be read ({type(exc).__name__})") from exc
        if settings.HEALTH_QUEUE_MAX and depth > settings.HEALTH_QUEUE_MAX:
            raise ServiceWarning(f"{depth} jobs are waiting (more than {settings.HEALTH_QUEUE_MAX})")


@dataclasses.dataclass(repr=False)
class Processes(HealthCheck):
    """Every process `make run`'s supervisor starts is running (web, worker, poller, the engine's two).

    Without a supervisor (systemd runs each unit, which reports its own) there is nothing to check."""

    def __repr__(self) -> str:
        return "Processes"

    def run(self) -> None:
        status = monitor.processes_status()
        if status is None:
            return
        if status["age"] > settings.SUPERVISOR_STATUS_MAX_AGE:
            raise ServiceUnavailable(f"the process supervisor stopped reporting {status['age']:.0f} s ago")
        missing = monitor.processes_missing(status)
        if missing:
            raise ServiceUnavailable(f"not running, being restarted: {', '.join(missing)}")
