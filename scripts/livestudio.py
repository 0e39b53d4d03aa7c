"""A throw-away studio for benchmarks and screenshots: `runstudio` on a spare port with its own database.

with live_studio(port=8765, username="bench", password="...") as base_url:
    ...
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Debian's Chromium, headless, as root on a machine with no network but the package registries.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


@contextlib.contextmanager
def live_studio(*, port: int, username: str, password: str, superuser: bool = False) -> Iterator[str]:
    """Migrate a fresh database, add one account, run the whole studio, stop it cleanly afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "VAR_DIR": tmp,
            "MEDIA_ROOT": f"{tmp}/media",
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "LOG_LEVEL": "WARNING",
        }
        _manage(env, "migrate", "-v0")
        make = "create_superuser" if superuser else "create_user"
        _manage(
            env,
            "shell",
            "-v0",
            "-c",
            "from django.contrib.auth.models import User; "
            f"User.objects.{make}({username!r}, password={password!r})",
        )
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runstudio", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base, proc)
            yield base
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


# How long the studio may take to start on a busy machine (migrations, collectstatic, gunicorn): a bound.
START_BOUND_S = 300


def _wait_for(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_BOUND_S
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=1)
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the studio exited while starting") from None
            time.sleep(0.2)
    raise SystemExit("the studio did not start")
