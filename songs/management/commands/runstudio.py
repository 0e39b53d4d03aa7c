"""Start the whole studio in the foreground: web server, worker and poller, and the built-in engine as a
gateway of its own: its web server on ENGINE_PORT (default PORT + 1; engine/wsgi.py, the gateway's
endpoints and media only) and its worker. The engine runs whether or not a real gateway is configured
(SUNO_BASE_URL): the studio may use it beside one.

A small supervisor of our own (studio/supervisor.py) restarts a process that dies, with a short backoff, and
ends every process it left behind (each child runs in a process group of its own); Ctrl-C (or SIGTERM) stops
every child and waits for the worker to finish what it is doing. So does the death of whatever started us
(`make run` killed): the studio never runs on headless. /health/ and /metrics read which process is
missing from the supervisor's status file (settings.SUPERVISOR_STATUS_FILE).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

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
        # The engine runs as the gateway (no SUNO_BASE_URL), or beside a real one to make free sketches.
        builtin_engine = not settings.SUNO_BASE_URL or settings.SKETCH_ENABLED
        os.environ["PORT"] = str(port)  # every child's settings agree on the studio's address
        # The engine stands apart as a remote gateway would: its own web server (PORT + 1 unless
        # ENGINE_PORT says otherwise), so serving its feeds and media never queues the studio's pages.
        os.environ["ENGINE_PORT"] = str(settings.ENGINE_PORT or port + 1)
        commands = {
            "web": self._gunicorn(
                "studio.wsgi:application",
                host,
                port,
                os.environ.get("WEB_WORKERS", "2"),
                os.environ.get("WEB_THREADS", "4"),
            ),
            "worker": [python, "manage.py", "qcluster"],
            "poller": [python, "manage.py", "studio_poller"],
        }
        # Pages are answered first when the machine is busy: the studio's worker runs a little nicer than
        # the web server, and the built-in engine (a stand-in for a remote gateway) nicer still.
        nice = {"worker": 2}
        children = [Child(name, command, nice=nice.get(name, 0)) for name, command in commands.items()]
        if builtin_engine:
            # Beside a real gateway the engine is a gateway of its own, for sketches: it must not mount as
            # the real one's stand-in nor take its key (it keeps its own in ENGINE_KEY_FILE).
            alone = {"SUNO_BASE_URL": "", "SUNO_API_KEY": ""} if settings.SUNO_BASE_URL else {}
            engine_port = int(os.environ["ENGINE_PORT"])
            engine_web = self._gunicorn("engine.wsgi:application", host, engine_port, "1", "8")
            children.append(Child("engine web", engine_web, env={**os.environ, **alone}, nice=5))
            env = {**os.environ, **alone, "Q_CLUSTER_NAME": settings.ENGINE_QUEUE}  # its renders, own queue
            children.append(Child("engine worker", [python, "manage.py", "qcluster"], env=env, nice=10))
        metrics.files_clear()  # the last run's per-process numbers would add up with this run's
        supervisor = Supervisor(
            children, log=self.stderr.write, status_path=Path(settings.SUPERVISOR_STATUS_FILE)
        )
        parent = os.getppid()
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
            time.sleep(0.25)
            if os.getppid() != parent:  # `make run` was killed (SIGTERM, SIGKILL): stop with it
                self.stderr.write("The process that started the studio is gone; stopping.")
                stopping = True
        self.stdout.write("Stopping…")
        supervisor.stop(grace=STOP_GRACE_SECONDS)
        self.stdout.write("Stopped.")

    @staticmethod
    def _gunicorn(application: str, host: str, port: int, workers: str, threads: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            application,
            "--bind",
            f"{host}:{port}",
            "--workers",
            workers,
            "--threads",
            threads,
            "--worker-class",
            "gthread",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
            "--logger-class",  # no signed link or token in any line it writes (studio/logredact.py)
            "studio.logredact.RedactingLogger",
        ]

    def _announce(self, host: str, port: int) -> None:
        engine = f"the built-in engine on http://{host}:{os.environ['ENGINE_PORT']}/"
        gateway = settings.SUNO_BASE_URL or f"{engine} (no SUNO_BASE_URL set)"
        self.stdout.write(self.style.SUCCESS(f"Song Studio is running on http://{host}:{port}/"))
        self.stdout.write(f"Gateway: {gateway}, format {settings.SUNO_API_FORMAT}. Press Ctrl-C to stop.")
        if settings.SUNO_BASE_URL and settings.SKETCH_ENABLED:
            self.stdout.write(f"Also running, for free sketches: {engine}")
        if not get_user_model().objects.exists():
            self.stdout.write(
                self.style.WARNING(
                    "No accounts yet. Create one in another terminal with:\n"
                    "    .venv/bin/python manage.py createsuperuser\n"
                    f"then log in at http://{host}:{port}/accounts/login/"
                )
            )
