"""Browser tests run under the studio's Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page

from songs.management.commands.studio_poller import Command as Poller
from tests.standins.sunoapi_fixtures import behind_sunoapi, callbacks_on  # noqa: F401 - fixtures


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
def poller_running() -> Iterator[None]:
    """The real poller loop in a thread, as `make run` starts it, until the block ends."""
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
