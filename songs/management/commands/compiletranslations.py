"""Compile locale/*/LC_MESSAGES/*.po into the .mo files Django reads, with Babel (pure Python).

Django's own compilemessages needs GNU msgfmt, which a fresh machine may lack; `make run` and `make test`
call this instead, so translations work with nothing installed beyond requirements.txt. A catalog whose
.mo is newer than its .po is left alone. Fuzzy entries are left out, as msgfmt does.
"""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the .po catalogs in LOCALE_PATHS into .mo files (Babel; no GNU gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even when the .mo is up to date.")

    def handle(self, *args, force: bool = False, **options):
        compiled = 0
        for folder in settings.LOCALE_PATHS:
            for po_path in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                locale = po_path.parent.parent.name
                try:
                    with po_path.open("rb") as f:
                        catalog = read_po(f, locale=locale)
                except Exception as exc:  # a broken .po must stop make, not start an untranslated site
                    raise CommandError(f"{po_path}: {exc}") from exc
                partial = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")  # several test workers at once
                with partial.open("wb") as f:
                    write_mo(f, catalog, use_fuzzy=False)
                partial.replace(mo_path)
                compiled += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"compiled {mo_path}")
        if options["verbosity"] > 0:
            self.stdout.write(f"{compiled} catalog(s) compiled")
