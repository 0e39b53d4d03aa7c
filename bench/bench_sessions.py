"""What database sessions cost a request, beside the cached_db sessions they replaced (issue 19 item 1).

On a throw-away test database (made and dropped here, like the test runner does): a logged-in GET of the
teams page through Django's test client, N times per session engine, reporting the median and p90 in ms
and the queries per request. Run: DATABASE_URL=... [REDIS_URL=...] .venv/bin/python bench/bench_sessions.py
"""

from __future__ import annotations

import argparse
import os
import time

from common import django_setup, load1, median, percentile

django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402

from songs.services import teams  # noqa: E402


def engines() -> list[tuple[str, dict]]:
    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions"}
    found = [
        ("db (now)", {"SESSION_ENGINE": "django.contrib.sessions.backends.db"}),
        (
            "cached_db, per-process memory (before, no REDIS_URL)",
            {
                "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
                "SESSION_CACHE_ALIAS": "sessions",
                "CACHES": {"default": locmem, "sessions": locmem},
            },
        ),  # noqa: E501
    ]
    if os.environ.get("REDIS_URL"):
        redis = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        found.append(
            (
                "cached_db, Redis (before, REDIS_URL)",
                {
                    "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
                    "SESSION_CACHE_ALIAS": "sessions",
                    "CACHES": {"default": locmem, "sessions": redis},
                },
            )
        )
    return found


def measure(user, requests: int) -> tuple[float, float, int]:
    client = Client()
    client.force_login(user)
    client.get("/teams/")  # warm: templates, the session in its cache
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        assert client.get("/teams/").status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get("/teams/")
    return median(times), percentile(times, 0.9), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        user = get_user_model().objects.create_user(username="bench", password="bench-password-123")
        teams.project_create(user=user, name="Bench")
        print(f"{connection.vendor}, {args.requests} GET /teams/ each, load {load1():.1f}")
        for name, overrides in engines():
            with override_settings(**overrides):
                p50, p90, queries = measure(user, args.requests)
            print(f"  {name:58} p50 {p50:6.2f} ms  p90 {p90:6.2f} ms  {queries} queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
