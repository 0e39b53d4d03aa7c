"""Give clips stored before waveforms and karaoke existed their waveform, and queue their karaoke words."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from songs.services import timing


class Command(BaseCommand):
    help = "Work out the waveform of stored clips that have none (newest first) and queue their timed lyrics."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="At most this many clips per run.")

    def handle(self, *args, limit: int, **options):
        done = timing.clips_backfill(limit=limit)
        self.stdout.write(f"{done} clip(s) given a waveform; sung ones have their lyrics timing queued.")
