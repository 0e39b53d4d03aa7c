"""Helpers the benchmarks share: Django set-up from the environment, percentiles, load, a tiny browser.

Standard library only (plus Django once set up), so the benchmarks drive the studio as a browser would.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import statistics
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LYRICS = "[Verse]\nWalking down the streets\nBeneath the city lights\n\n[Chorus]\nCity lights, carry me home"
SONG_FORM = {
    "mode": "custom",
    "lyrics": LYRICS,
    "tags": "emotional punk",
    "title": "City Lights",
    "mv": "chirp-v3-5",
}


def django_setup() -> None:
    """Django from the environment the orchestrator gave (DATABASE_URL, REDIS_URL, VAR_DIR...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def load1() -> float:
    return os.getloadavg()[0]


def emit(result: dict) -> None:
    """The one line the orchestrator reads from a benchmark's output."""
    print("BENCH-RESULT " + json.dumps(result), flush=True)


class Browser:
    """A logged-in browser: cookies, CSRF token, htmx header when asked. Talks only to 127.0.0.1."""

    def __init__(self, base: str, timeout: float = 30.0):
        assert base.startswith("http://127.0.0.1:"), "benchmarks talk to this machine only"
        self.base, self.timeout = base, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path, headers=headers or {}))

    def post(self, path: str, data: dict, headers: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        headers = {"Referer": self.base + "/", **(headers or {})}
        return self._open(urllib.request.Request(self.base + path, data=body, headers=headers))

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": password})
