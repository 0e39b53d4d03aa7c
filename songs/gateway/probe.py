"""Is the gateway reachable? A cheap GET of its base address for /health/: never a submit, never billed.

Any HTTP answer below 500 counts (a gateway's root may well be a 404 or a redirect to a login page):
what matters is that something answers there. The reason given back names neither the address nor the
key, so /health/ can show it.
"""

from __future__ import annotations

import httpx
from django.conf import settings

from songs.gateway import client


def gateway_unreachable_reason(*, timeout: float | None = None) -> str:
    """Empty when the gateway answered; otherwise a short reason fit for a health page."""
    timeout = settings.HEALTH_GATEWAY_TIMEOUT if timeout is None else timeout
    # No key is sent: the root needs none, and a probe should not spread it to more requests.
    try:
        with httpx.Client(
            transport=client.transport_override, verify=client.tls_context(), timeout=timeout
        ) as http:
            response = http.get(settings.SUNO_GATEWAY_URL, headers={"User-Agent": "song-studio-health"})
    except httpx.TimeoutException:
        return f"no answer within {timeout:g} s"
    except httpx.HTTPError as exc:
        return f"cannot connect ({type(exc).__name__})"
    if response.status_code >= 500:
        return f"it answered HTTP {response.status_code}"
    return ""
