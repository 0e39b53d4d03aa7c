"""Browser tests run under the studio's Content-Security-Policy: any violation fails the test.

They wait on states, never on the machine's speed: every wait is for something a person would see, with a
bound (``WAIT``) generous enough for a machine busy with other work; a test that passes only on a quiet
machine is not a passing test. With the poller running, jobs run beside the requests as under `make run`
(``jobs_running``), not inline in them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Page, expect

from songs.management.commands.studio_poller import Command as Poller
from tests.standins.sunoapi_fixtures import behind_sunoapi, callbacks_on  # noqa: F401 - fixtures

# The bound of every browser wait (Playwright's own default is 5 s): how long something may take to show
# on a machine at load 8, not how long it should take.
WAIT = 90_000


@pytest.fixture(autouse=True)
def generous_waits(request):
    expect.set_options(timeout=WAIT)
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(WAIT)
    yield


def wait_until(page: Page, condition: Callable[[], object], what: str) -> None:
    """Let the page run until ``condition()`` holds (a route was hit, a request held), within ``WAIT``."""
    deadline = time.monotonic() + WAIT / 1000
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        page.wait_for_timeout(100)


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{message.text} at {message.location}")

    page.on("console", watch)
    yield
    assert violations == [], violations


@contextmanager
def jobs_running() -> Iterator[None]:
    """The studio's and the engine's job queues worked by a thread, as `make run`'s workers do.

    Elsewhere in the tests django-q2 runs each job inline where it is queued (``sync``), which in a browser
    test put a whole render inside the Create request: the page got its card only once the song was made
    (past Playwright's 5 s on a busy machine). Here a request answers at once, as in production.
    """
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.tasks import _sync  # one package through django-q2's own worker, in this thread

    brokers = [get_broker(), get_broker(settings.ENGINE_QUEUE)]
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            for broker in brokers:
                for ack, pack in broker.dequeue() or []:
                    _sync(pack)
                    broker.acknowledge(ack)
        connection.close()

    inline, Conf.SYNC = Conf.SYNC, False
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=WAIT / 1000)
        Conf.SYNC = inline


@contextmanager
def poller_running() -> Iterator[None]:
    """The real poller loop in a thread, and the job queues worked beside it, as `make run` starts them,
    until the block ends."""
    with _poller_loop(), jobs_running():
        yield


@contextmanager
def _poller_loop() -> Iterator[None]:
    stop, poller = threading.Event(), Poller()

    def loop() -> None:
        while not stop.is_set():
            poller.cycle()
            stop.wait(0.3)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
