"""Issue 19 item 1 and issue 20 item 1: a log-out ends the session in every process, and Redis is an
accelerator, never a single point of failure (pages, polls, Create and /health/ answer while it is down).

"Another process" is a real one (tests/hardening/studio_process.py): the same database, its own memory,
as a second gunicorn worker. Marked ``backends``: `make test` runs these on PostgreSQL too.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection

from studio import cache as studio_cache

pytestmark = [pytest.mark.backends, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A port nothing listens on: Redis "down", refusing every connection at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StudioProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hardening.studio_process", connection.settings_dict["NAME"]],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, path: str, *, cookies: dict, method: str = "GET", data: dict | None = None, **headers):
        line = json.dumps(
            {"method": method, "path": path, "cookies": cookies, "data": data, "headers": headers}
        )
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, "the other studio process ended"
        return json.loads(answer)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def other_process() -> Iterator:
    made: list[StudioProcess] = []

    def start(**env: str) -> StudioProcess:
        import os

        base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        process = StudioProcess({**base, **env})
        made.append(process)
        return process

    yield start
    for process in made:
        process.close()


def session_cookie(client) -> dict:
    return {django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value}


def test_it_ends_the_session_in_every_process_at_log_out(client, owner, other_process):
    client.force_login(owner)
    cookie = session_cookie(client)
    other = other_process()
    # /teams/ is for members only ("/" shows visitors the front page).
    assert other.ask("/teams/", cookies=cookie)["status"] == 200  # the other process has read the session

    assert client.post("/accounts/logout/").status_code == 302

    again = other.ask("/teams/", cookies=cookie)
    assert again["status"] == 302 and "/accounts/login/" in again["location"]


def test_pages_polls_create_and_health_answer_while_redis_is_down(client, owner, project, other_process):
    client.force_login(owner)
    cookie = session_cookie(client)
    other = other_process(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/6")

    assert other.ask("/", cookies=cookie)["status"] == 200
    assert other.ask(f"/projects/{project.pk}/", cookies=cookie)["status"] == 200
    poll = other.ask(f"/projects/{project.pk}/updates/?since={time.time()}", cookies=cookie)
    assert poll["status"] in (200, 286)
    created = other.ask(
        f"/projects/{project.pk}/songs/",
        cookies=cookie,
        method="POST",
        data={
            "mode": "custom",
            "lyrics": "[Verse]\nstill here",
            "tags": "pop",
            "title": "Through the outage",
            "mv": "chirp-v3-5",
            "request_key": str(uuid.uuid4()),
        },
        HX_Request="true",
    )
    assert created["status"] == 200 and "Through the outage" in created["body"]
    assert project.tasks.filter(request_payload__title="Through the outage").count() == 1

    health = other.ask("/health/?format=json", cookies={}, Accept="application/json")
    assert health["type"].startswith("application/json")  # the checks' verdicts, not an error page
    verdicts = json.loads(health["body"])
    assert verdicts["Database(alias='default')"] == "OK" and verdicts["Broker"] != "OK"


def test_the_shared_cache_falls_back_to_files_while_redis_is_down(settings, tmp_path):
    settings.CACHES = studio_cache.caches_for(f"redis://127.0.0.1:{closed_port()}/6", tmp_path)
    ops = caches["ops"]

    assert ops.add("wav-job-1", 1, timeout=60) is True
    assert ops.add("wav-job-1", 1, timeout=60) is False  # still one job per clip
    ops.set("studio:poller-heartbeat", 123.0)

    # Another process of this machine (a cache object of its own) sees the same values.
    other = studio_cache.FallbackRedisCache(
        settings.CACHES["ops"]["LOCATION"], {"OPTIONS": settings.CACHES["ops"]["OPTIONS"]}
    )
    assert other.get("studio:poller-heartbeat") == 123.0
    assert other.add("wav-job-1", 1, timeout=60) is False
