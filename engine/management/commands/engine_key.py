"""Print the built-in engine's bearer key, for calling its API by hand (curl, the seed's examples)."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the built-in engine's API key (SUNO_API_KEY, or the random one in ENGINE_KEY_FILE)."

    def handle(self, *args, **options):
        self.stdout.write(settings.ENGINE_API_KEY)
