"""Start the whole studio in the foreground: web server (with the built-in engine), worker and poller.

A small supervisor of our own: Ctrl-C (or SIGTERM) stops every child and waits
for the worker to finish what it is doing, which honcho's 5 s kill does not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

STOP_GRACE_SECONDS = 30


class Command(BaseCommand):
    help = "Run the web server, the django-q2 worker and the poller until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)

    def handle(self, *args, host: str, port: int, **options):
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "studio.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--graceful-timeout",
                "10",
                "--log-level",
                "warning",
            ],
            "worker": [python, "manage.py", "qcluster"],
            "poller": [python, "manage.py", "studio_poller"],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self._announce(host, port)
        stopping = False

        def stop(signum, _frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with {child.returncode}; stopping the studio.")
                    stopping, exit_code = True, 1
            time.sleep(0.5)
        self._stop(children)
        sys.exit(exit_code)

    def _announce(self, host: str, port: int) -> None:
        gateway = settings.SUNO_BASE_URL or "the built-in engine (no SUNO_BASE_URL set)"
        self.stdout.write(self.style.SUCCESS(f"Song Studio is running on http://{host}:{port}/"))
        self.stdout.write(f"Gateway: {gateway}, format {settings.SUNO_API_FORMAT}. Press Ctrl-C to stop.")
        if not get_user_model().objects.exists():
            self.stdout.write(
                self.style.WARNING(
                    "No accounts yet. Create one in another terminal with:\n"
                    "    .venv/bin/python manage.py createsuperuser\n"
                    f"then log in at http://{host}:{port}/accounts/login/"
                )
            )

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        self.stdout.write("Stopping…")
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                child.kill()
        self.stdout.write("Stopped.")
