"""Give clips stored before waveforms and karaoke existed their waveform, and queue their karaoke words."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from songs.services import timing


class Command(BaseCommand):
    help = "Work out the waveform of stored clips that have none and queue their timed lyrics."

    def handle(self, *args, **options):
        done = timing.clips_backfill()
        self.stdout.write(f"{done} clip(s) looked at; sung ones have their lyrics timing queued.")
