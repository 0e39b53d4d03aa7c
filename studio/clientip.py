"""The client's IP address, for login lockouts and the sign-up limit.

Behind a reverse proxy (BEHIND_PROXY=true) every request comes from the proxy, so the client is the
last address in X-Forwarded-For: the one the proxy itself saw (our sample configs set the header to
exactly that; entries before it were written by the client and cannot be trusted). Without a proxy,
X-Forwarded-For is ignored: anyone could send one.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# What an address we cannot know is recorded as: a valid address, so a database that stores addresses
# as such (PostgreSQL's inet, used by django-axes) never refuses the row.
UNKNOWN = "0.0.0.0"


def client_ip(request: HttpRequest) -> str:
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = _valid(forwarded.rsplit(",", 1)[-1].strip())
        if last:
            return last
    return _valid(request.META.get("REMOTE_ADDR", "")) or UNKNOWN


def _valid(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""
