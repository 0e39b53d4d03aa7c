"""The new-api stand-in in front of the built-in engine, both over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.standins.newapi import NewApiStandIn
from tests.standins.serving import serving

RELAY_KEY = "sk-newapi-standin-key-0123456789"


class Clock:
    """The relay's clock, moved by hand: its refresh cadence becomes exact in tests."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def relay_clock() -> Clock:
    return Clock()


@pytest.fixture
def newapi(live_server, settings, relay_clock) -> Iterator[NewApiStandIn]:
    """A stock new-api whose one Suno channel is the engine; it refreshes when the clock says 15 s passed."""
    app = NewApiStandIn(
        upstream_url=live_server.url,
        upstream_key=settings.ENGINE_API_KEY,
        key=RELAY_KEY,
        refresh_every=15.0,
        clock=relay_clock,
    )
    with serving(app) as url:
        app.url = url
        yield app


@pytest.fixture
def relay(newapi) -> Iterator[httpx.Client]:
    """A client of the relay, as the studio would be."""
    headers = {"Authorization": f"Bearer {RELAY_KEY}"}
    with httpx.Client(base_url=newapi.url, headers=headers, timeout=60) as client:
        yield client
