"""The studio's caches: Redis when REDIS_URL is set, and files beside the database when Redis is not there.

Redis is an accelerator, never a single point of failure (issue 20): a page must not answer 500 because
Redis is restarting. ``FallbackRedisCache`` is Django's Redis cache that, when Redis does not answer, uses
a file cache in VAR_DIR instead (shared by every process of one machine, as without REDIS_URL) and stops
trying Redis for ``RETRY_SECONDS``, so an outage costs one failed connection now and then, not one per
call. Sessions are not kept in any cache: they live in the database (settings.SESSION_ENGINE), so a
log-out ends a session in every process at once.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

# How long Redis is left alone after it failed to answer: every call meanwhile goes to the files.
RETRY_SECONDS = 5.0
# A Redis that is down must cost a page little: connecting gives up after this, and so does a command.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def caches_for(redis_url: str, var_dir: Path) -> dict:
    """settings.CACHES: "default" is each process's own; "ops" (the poller's heartbeat, WAV job keys, the
    gateway probe's verdict, Boost counts) is shared by every process: Redis, falling back to files."""
    files = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": var_dir / "cache"}
    ops = files
    if redis_url:
        ops = {
            "BACKEND": "studio.cache.FallbackRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {**REDIS_TIMEOUTS, "fallback": str(var_dir / "cache")},
        }
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "ops": ops}


def _falls_back(name: str):
    def method(self, *args, **kwargs):
        if time.monotonic() >= self._redis_down_until:
            try:
                return getattr(super(FallbackRedisCache, self), name)(*args, **kwargs)
            except self._redis_errors as exc:
                self._redis_failed(exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


class FallbackRedisCache(RedisCache):
    """RedisCache that answers from a file cache (OPTIONS["fallback"], a folder) while Redis is down."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        folder = options.pop("fallback")
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._fallback = FileBasedCache(folder, {"TIMEOUT": params.get("TIMEOUT", DEFAULT_TIMEOUT)})
        self._redis_down_until = 0.0
        self._lock = threading.Lock()
        import redis

        self._redis_errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

    def _redis_failed(self, exc: Exception) -> None:
        with self._lock:
            if time.monotonic() >= self._redis_down_until:
                log.warning("Redis does not answer (%s): the ops cache uses files", type(exc).__name__)
            self._redis_down_until = time.monotonic() + RETRY_SECONDS


# Every call of the cache API that reaches Redis (the rest of BaseCache is built on these).
for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(FallbackRedisCache, _name, _falls_back(_name))
