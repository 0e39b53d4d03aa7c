"""Browser tests run under the studio's Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import pytest


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
