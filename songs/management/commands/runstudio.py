"""Start the whole studio in the foreground: web server (with the built-in engine), worker and poller.

A small supervisor of our own (studio/supervisor.py) restarts a process that dies, with a backoff;
Ctrl-C (or SIGTERM) stops every child and waits for the worker to finish what it is doing.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from songs import metrics
from studio.supervisor import Child, Supervisor

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
        # Pages are answered first when the machine is busy: the studio's worker runs a little nicer than
        # the web server, and the built-in engine's renders (a stand-in for a remote gateway) nicer still.
        nice = {"worker": 2}
        children = [Child(name, command, nice=nice.get(name, 0)) for name, command in commands.items()]
        if not settings.SUNO_BASE_URL:  # the built-in engine's renders, on its own queue
            env = {**os.environ, "Q_CLUSTER_NAME": settings.ENGINE_QUEUE}
            children.append(Child("engine worker", [python, "manage.py", "qcluster"], env=env, nice=10))
        metrics.files_clear()  # the last run's per-process numbers would add up with this run's
        supervisor = Supervisor(children, log=self.stderr.write)
        supervisor.start()
        self._announce(host, port)
        stopping = False

        def stop(signum, _frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping:
            supervisor.tend()  # a child that dies is started again, with a backoff
            time.sleep(0.5)
        self.stdout.write("Stopping…")
        supervisor.stop(grace=STOP_GRACE_SECONDS)
        self.stdout.write("Stopped.")

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
