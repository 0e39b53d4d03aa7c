"""What every page may need to know: which features the configured gateway offers."""

from __future__ import annotations

from songs import selectors


def gateway(request) -> dict:
    return {"gateway_caps": selectors.gateway_capabilities()}
