"""The poller loop: runs the poll cycle (resume stalled work, poll due tasks) every second or so, sooner when
a task in progress comes due before then.

django-q2 schedules are minute-grained; this loop gives the ~2 s cadence a
live studio needs. Several copies may run: claims keep them from colliding.
"""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from songs import monitor
from songs.gateway import Gateway, GatewayError, get_gateway
from songs.services import copies, polling

log = logging.getLogger("songs.poller")


class Command(BaseCommand):
    help = "Poll the gateway for due tasks every second or so, until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between cycles.")
        parser.add_argument("--once", action="store_true", help="Run one cycle and exit.")

    def handle(self, *args, interval: float, once: bool, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        copies.partials_sweep()  # what downloads killed mid-file (a poller or worker that died) left
        # One client for the poller's life: its connections to the gateway are reused cycle after cycle.
        with get_gateway() as gateway:
            while self.running:
                self.cycle(gateway)
                if once:
                    return
                time.sleep(self.pause(interval))

    def cycle(self, gateway: Gateway | None = None) -> None:
        try:
            polling.poll_cycle(gateway=gateway)
        except GatewayError as exc:  # logged by the client; the next cycle tries again
            log.warning("poll cycle: %s", exc.code)
        except Exception:
            log.exception("poll cycle failed")
        finally:
            monitor.poller_beat()  # /health/ reads it: the loop is alive, even when a cycle failed
            close_old_connections()

    @staticmethod
    def pause(interval: float) -> float:
        try:
            return polling.pause_before_next_cycle(longest=interval)
        except Exception:  # the database is away: rest the whole interval, the next cycle says why
            log.exception("poller pause")
            return interval
        finally:
            close_old_connections()

    def _stop(self, *_args) -> None:
        self.running = False
