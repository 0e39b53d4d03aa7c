"""What every page may need to know: which features the configured gateway offers."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from songs import selectors


def gateway(request) -> dict:
    # Read only when a template asks and the view did not hand it over already (one query saved per page).
    return {"gateway_caps": SimpleLazyObject(selectors.gateway_capabilities)}


def csp_nonce(request) -> dict:
    """The page's Content-Security-Policy nonce, named as django-htmx's {% htmx_script %} looks for it."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
