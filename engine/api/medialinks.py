"""Signed, expiring media links: /suno/media/<clip>.<kind>?exp=<unix>&sig=<hmac>.

Real gateways hand out CDN links that expire or are signed, and resellers delete files after about two
weeks; the studio must download media as soon as a clip completes. The engine behaves the same way so
that a studio relying on permanent links fails in tests, not in production.

The expiry is rounded up to a step, so every fetch of a task within one step hands out the same URLs
(relays such as new-api compare the task data they store with each refresh).
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

DEFAULT_TTL_S = 24 * 3600  # ENGINE_MEDIA_TTL: long enough for any download, short enough to matter
MAX_STEP_S = 3600


def ttl() -> int:
    return int(getattr(settings, "ENGINE_MEDIA_TTL", DEFAULT_TTL_S))


def _signature(clip_id: str, kind: str, expires: int) -> str:
    # salted_hmac keys off SECRET_KEY with the engine's own salt: no other signer can make these.
    return salted_hmac("engine.media-link", f"{clip_id}.{kind}.{expires}", algorithm="sha256").hexdigest()


def expiry(now: float | None = None) -> int:
    lifetime = max(ttl(), 1)
    step = min(lifetime, MAX_STEP_S)
    latest = int(now if now is not None else time.time()) + lifetime
    return -(-latest // step) * step


def signed_path(clip_id: str, kind: str, *, now: float | None = None) -> str:
    expires = expiry(now)
    path = reverse("engine:media", args=[clip_id, kind])
    return f"{path}?exp={expires}&sig={_signature(clip_id, kind, expires)}"


def is_valid(clip_id: str, kind: str, *, expires: str, signature: str, now: float | None = None) -> bool:
    """True when the link was signed by this engine for this file and has not expired."""
    well_formed = expires.isascii() and expires.isdigit() and len(expires) <= 12
    if not (well_formed and signature):
        return False
    if int(expires) < (now if now is not None else time.time()):
        return False
    expected = _signature(clip_id, kind, int(expires))
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
