"""Test settings: synchronous django-q2, instant engine, tiny renders, throw-away media."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from studio.settings import *  # noqa: F403
from studio.settings import Q_CLUSTER

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="studio-test-media-"))
MEDIA_WORK_DIR = MEDIA_ROOT.parent / f"{MEDIA_ROOT.name}-work"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# django-q2 reads this once at import: tasks run inline in tests.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
ENGINE_PACE = 0.0
ENGINE_MAX_SECONDS = 6.0
SUNO_GATEWAY_URL = "http://testserver"
STATIC_ROOT = MEDIA_ROOT / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# A file, not :memory:: the live server's threads and the test's poller thread each get their own
# connection (in-memory SQLite shares one across threads). pytest-django adds a suffix per xdist worker.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(MEDIA_ROOT / "test-db.sqlite3")}  # noqa: F405
# Each test process keeps its own numbers and heartbeat (xdist workers must not share them).
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
METRICS_DIR = ""
CACHES = {**CACHES, "ops": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ops"}}  # noqa: F405
# /health/ probes the gateway on every call in tests (tests change its answers between calls); the
# verdict's cache has tests of its own (tests/hardening/test_small_leaks.py).
HEALTH_GATEWAY_CACHE_SECONDS = 0
# No supervisor runs in tests: a `make run` beside them (its var/supervisor.json) must not be read.
SUPERVISOR_STATUS_FILE = str(MEDIA_ROOT / "supervisor.json")
