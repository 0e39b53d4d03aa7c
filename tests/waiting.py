"""Tests wait on states, never on the clock: one bounded wait for a condition outside a browser page.

(In a browser test use Playwright's ``expect`` or ``tests.e2e.conftest.wait_until``, which lets the page
run while it waits.) The bound is generous: a busy machine is slow, not wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
WAIT_SECONDS = 90.0


def until(condition: Callable[[], T], *, what: str, seconds: float = WAIT_SECONDS) -> T:
    """Return the first true value ``condition()`` gives; fail, naming ``what``, once ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what} never happened within {seconds:.0f} s"
        time.sleep(0.05)
    return value
