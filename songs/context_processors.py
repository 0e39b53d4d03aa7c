"""What every page may need to know: which features the configured gateway offers."""

from __future__ import annotations

from songs import selectors


def gateway(request) -> dict:
    return {"gateway_caps": selectors.gateway_capabilities()}


def csp_nonce(request) -> dict:
    """The page's Content-Security-Policy nonce, named as django-htmx's {% htmx_script %} looks for it."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
