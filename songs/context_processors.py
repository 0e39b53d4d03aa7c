from __future__ import annotations

from django.conf import settings

from songs import suno


def gateway_capabilities() -> suno.Capabilities:
    """What the configured gateway format can do; the UI offers only that."""
    return suno.capabilities_for(settings.SUNO_API_FORMAT)


def gateway(request) -> dict:
    return {"gateway_caps": gateway_capabilities()}
