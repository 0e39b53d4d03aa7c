"""Tiny typed readers for settings that come from the environment.

They fail loudly: a value that cannot be parsed stops the process at start-up
instead of quietly falling back to a default.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def envfloat(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_file(path: Path) -> str:
    """A random secret kept in ``path`` (mode 0600), made on first use; the same one ever after.

    Several processes may start at once: the file appears whole or not at all (a hard link of a
    finished temporary file), and whoever loses the race reads the winner's.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    value = path.read_text().strip()
    if not value:
        raise ImproperlyConfigured(f"{path} is empty: delete it to have a new secret made.")
    return value


# Keys anyone can read: the development default (.env.example, studio/settings.py) and the placeholder of
# deploy/production.env.example. With one of them anyone can forge sessions, engine media links and
# upload tokens, so a production process refuses to start with them (issue 19 item 5).
PUBLIC_SECRET_KEYS = frozenset(
    {
        "dev-only-insecure-secret-key-change-me-in-production-0123456789",
        "replace-with-the-output-of-python3-c-import-secrets-print-secrets-token-urlsafe-50",
    }
)
_PUBLIC_KEY_MARKS = ("dev-only", "replace-with", "change-me", "django-insecure-")
SECRET_KEY_MIN_LENGTH = 50  # as Django's own check (security.W009): 50 characters, 5 of them different


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not sign anything in production (a sentence for the operator), or None."""
    how = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    if key in PUBLIC_SECRET_KEYS or any(mark in key.lower() for mark in _PUBLIC_KEY_MARKS):
        return f"SECRET_KEY is a published example, not a secret: {how}"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
        return f"SECRET_KEY is too short (at least {SECRET_KEY_MIN_LENGTH} characters, not all alike): {how}"
    return None
