"""What every stage shares: moving the card clock, retry delays, and the names of queued jobs.

A project page re-renders the cards whose task's ``changed_at`` moved, so every write a person should see
goes through ``task_mark`` or ``card_touch``. django-q2 stores jobs by dotted path: the paths live here.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from datetime import timedelta

from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from songs.models import GenerationTask

log = logging.getLogger(__name__)
# Reading the queue to tell a waiting job from a lost one stops being worth it past this many jobs.
WAITING_READ_LIMIT = 5000

# django-q2 keeps these dotted paths in queued jobs and schedules: renaming one strands work in flight.
JOBS = {
    "submit": "songs.tasks.submit_task",
    "media": "songs.tasks.download_media",
    "media_many": "songs.tasks.download_media_many",
    "video": "songs.tasks.download_video",
    "wav_copy": "songs.tasks.download_wav",
    "wav": "songs.tasks.convert_wav",
    "cycle": "songs.tasks.poll_cycle",
    "boost": "songs.tasks.style_boost",
    "timing": "songs.tasks.fetch_timing",
    "woken": "songs.tasks.poll_woken",
}


def task_mark(task: GenerationTask, **fields) -> None:
    """Save fields the user can see, and move changed_at so live pages pick them up."""
    fields["changed_at"] = timezone.now()
    GenerationTask.objects.filter(pk=task.pk).update(**fields)
    for name, value in fields.items():
        setattr(task, name, value)


# Waits between tries of a write that must not be lost to a database blip (a PostgreSQL restart takes a
# second or two, a planned one longer), until the job's own time-out is near.
DB_RETRY_WAITS = (0.5, 1, 2, 4, 8, 15)
DB_RETRY_MARGIN_S = 3.0


def job_deadline() -> float:
    """A time.monotonic() by which a job started now must be done: django-q2 stops it at Q_TIMEOUT."""
    return time.monotonic() + float(Conf.TIMEOUT or 60) - DB_RETRY_MARGIN_S


def db_retry(write, *, what: str, deadline: float | None = None):
    """Run ``write`` until the database takes it: after an OperationalError (the server restarting, the
    connection dropped) the broken connection is closed and the write tried again after a wait, as long
    as ``deadline`` (a time.monotonic(); by default the job's, see job_deadline) allows.

    For writes whose loss would cost more than the wait: the record of a request the gateway accepted
    (lost, it would end "outcome unknown" and never be sent again). Raises the last error if the database
    stays away."""
    deadline = deadline if deadline is not None else job_deadline()
    waits = iter(DB_RETRY_WAITS)
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            left = deadline - time.monotonic()
            if left <= 0 or transaction.get_connection().in_atomic_block:
                raise  # inside a transaction the caller's whole transaction must be retried, not this
            wait = min(next(waits, DB_RETRY_WAITS[-1]), left)
            log.warning("database unavailable while %s (%s); trying again in %.1f s", what, exc, wait)
            close_old_connections()
            _sleep(wait)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def card_touch(*, task_id: int | None) -> None:
    """Move the card clock of a task whose clips changed, so open project pages pick it up."""
    GenerationTask.objects.filter(pk=task_id).update(changed_at=timezone.now())


def retry_delay(attempt: int) -> timedelta:
    return timedelta(seconds=min(2**attempt, 300))


def job_enqueue(job: str, *args, name: str, broker=None) -> bool:
    """Queue one of the studio's jobs; the random suffix keeps django-q2's task names unique.

    A broker that is down loses nothing: the row that asked for the job is already saved and due, so the
    poll cycle queues it again once the broker is back. Returns whether the job was queued.
    """
    try:
        broker = broker or _shared_broker()
        async_task(JOBS[job], *args, task_name=f"{name}-{uuid.uuid4().hex[:6]}", broker=broker)
    except Exception as exc:  # noqa: BLE001 - whatever the broker raises (redis.ConnectionError, ...)
        log.warning("could not queue %s (%s): %s; the poll cycle will queue it again", name, job, exc)
        return False
    return True


_BROKER = None


def _shared_broker():
    """One broker per process: django-q2 makes a new one (a new Redis connection pool) for every job."""
    global _BROKER
    if _BROKER is None:
        _BROKER = get_broker()
    return _BROKER


def jobs_enqueue_many(job: str, batches: list[list[int]], *, name: str) -> int:
    """Queue one job per batch of primary keys (a few broker calls for many rows, not one per row).

    One broker for all of them; with the database broker, one transaction too: one commit for the batch
    instead of one per job (and django-q2's ORM broker skips its ``close_old_connections`` inside one).
    """
    if not batches:
        return 0
    try:
        broker = _shared_broker()
    except Exception as exc:  # noqa: BLE001 - a broker that cannot even be made: the poll cycle retries
        log.warning("could not reach the broker for %d %s jobs: %s", len(batches), job, exc)
        return 0
    # Not when jobs run inline (django-q2's sync mode, in tests): they must not run inside this transaction.
    together = transaction.atomic() if isinstance(broker, ORM) and not Conf.SYNC else contextlib.nullcontext()
    with together:
        return sum(job_enqueue(job, pks, name=f"{name}-{pks[0]}", broker=broker) for pks in batches)


def broker_reachable() -> bool:
    """The broker answers a ping (Redis, or the database's queue table). Never raises."""
    try:
        _shared_broker().ping()
    except Exception as exc:  # noqa: BLE001 - whatever the broker raises
        log.warning("the broker does not answer: %s", type(exc).__name__)
        return False
    return True


def jobs_waiting() -> set[str] | None:
    """What the studio's jobs waiting (or running) in the broker are for: "submit-12", "media-7", ...

    A job merely waiting behind a backlog must never be mistaken for a lost one and queued again. None
    when the broker cannot be read this way or holds too many jobs to read.
    """
    try:
        broker = get_broker()
        if broker.queue_size() > WAITING_READ_LIMIT:
            return None
        payloads = _payloads(broker)
    except Exception as exc:  # noqa: BLE001 - a broker that is down: nothing can be known
        log.warning("could not read the job queue: %s", exc)
        return None
    if payloads is None:
        return None
    keys: set[str] = set()
    for payload in payloads:
        try:
            job = SignedPackage.loads(payload)
        except Exception:  # noqa: BLE001 - a bad signature (another app's job), or a stale one
            continue
        keys.update(_job_keys(job.get("func"), job.get("args") or ()))
    return keys


_KIND_OF_FUNC = {path: kind for kind, path in JOBS.items()}


def _job_keys(func, args) -> list[str]:
    kind = _KIND_OF_FUNC.get(func if isinstance(func, str) else "", "")
    if kind == "media_many" and args:
        return [f"media-{pk}" for pk in args[0]]
    if kind in ("submit", "media", "video", "wav_copy") and args:
        return [f"{kind}-{args[0]}"]
    return []


def _payloads(broker) -> list | None:
    if isinstance(broker, ORM):  # waiting and running jobs stay in OrmQ until acknowledged
        return list(
            OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key).values_list("payload", flat=True)
        )
    if hasattr(broker.connection, "lrange"):  # Redis: the waiting ones (running ones hold their claim)
        return broker.connection.lrange(broker.list_key, 0, -1)
    return None
