"""What operators read about the running studio: the poller's heartbeat, tasks by status, the queue.

The heartbeat lives in the "ops" cache (settings.CACHES): Redis when REDIS_URL is set, so every machine
sees it, otherwise files beside the database (one machine, as with SQLite). ``StudioCollector`` turns
the rest into gauges when /metrics is scraped, so they are always the database's own numbers.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count
from django_q.brokers import Broker, get_broker
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from songs.models import COPIES_PENDING, Clip, GenerationTask

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "studio:poller-heartbeat"

_broker: Broker | None = None


def poller_beat(*, now: float | None = None) -> None:
    """The poller loop is alive (called once per cycle). Never raises: a heartbeat must not stop the loop."""
    try:
        caches["ops"].set(HEARTBEAT_KEY, time.time() if now is None else now, timeout=None)
    except Exception as exc:  # the cache's own errors differ by backend
        log.warning("could not record the poller's heartbeat: %s", type(exc).__name__)


def poller_last_beat() -> float | None:
    """Unix time of the poller loop's last cycle, or None if none was recorded."""
    return caches["ops"].get(HEARTBEAT_KEY)


def processes_status() -> dict | None:
    """What `make run`'s supervisor last wrote (studio/supervisor.py): every role, running or not, and
    ``age``, the file's age in seconds. None when no supervisor runs (systemd, tests, a stopped studio)."""
    path = Path(settings.SUPERVISOR_STATUS_FILE)
    try:
        status = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("could not read the supervisor's status file: %s", type(exc).__name__)
        return None
    status["age"] = max(0.0, time.time() - float(status.get("updated", 0)))
    return status


def processes_missing(status: dict) -> list[str]:
    """The roles that are not running (being restarted, or crash-looping), by name."""
    return sorted(name for name, role in status.get("roles", {}).items() if not role.get("running"))


def tasks_by_status() -> dict[str, int]:
    """Every status with its number of tasks, in one GROUP BY query."""
    counts = dict.fromkeys(GenerationTask.Status.values, 0)
    # order_by() drops the model's ordering, which would otherwise join the GROUP BY.
    counts.update(GenerationTask.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return counts


def broker() -> Broker:
    """django-q2's broker (the ORM or Redis, as Q_CLUSTER says), made once per process."""
    global _broker
    if _broker is None:
        _broker = get_broker()
    return _broker


def queue_depth() -> int:
    """Jobs waiting in django-q2's queue (not those a worker has taken)."""
    return int(broker().queue_size())


def copies_pending() -> int:
    return Clip.objects.filter(COPIES_PENDING).count()


class StudioCollector(Collector):
    """Gauges read from the database (and the broker) at scrape time."""

    def collect(self):
        tasks = GaugeMetricFamily("studio_tasks", "Generation tasks by status.", labels=["status"])
        for status, count in tasks_by_status().items():
            tasks.add_metric([status], count)
        yield tasks
        yield GaugeMetricFamily(
            "studio_queue_depth", "Jobs waiting in django-q2's queue.", value=queue_depth()
        )
        yield GaugeMetricFamily(
            "studio_clip_copies_pending",
            "Clips whose media a worker still has to copy.",
            value=copies_pending(),
        )
        status = processes_status()
        if status is not None:
            up = GaugeMetricFamily(
                "studio_process_up", "1 when the supervisor's process of this role runs.", labels=["role"]
            )
            restarts = GaugeMetricFamily(
                "studio_process_restarts", "Times the supervisor restarted this role.", labels=["role"]
            )
            fresh = status["age"] <= settings.SUPERVISOR_STATUS_MAX_AGE
            for name, role in sorted(status.get("roles", {}).items()):
                up.add_metric([name], 1.0 if fresh and role.get("running") else 0.0)
                restarts.add_metric([name], float(role.get("restarts", 0)))
            yield up
            yield restarts
            yield GaugeMetricFamily(
                "studio_supervisor_status_age_seconds",
                "Seconds since the process supervisor last wrote its status.",
                value=status["age"],
            )
        beat = poller_last_beat()
        if beat is not None:
            yield GaugeMetricFamily(
                "studio_poller_heartbeat_age_seconds",
                "Seconds since the poller loop's last cycle.",
                value=max(0.0, time.time() - beat),
            )
