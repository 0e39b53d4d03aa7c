"""The client's IP address, for login lockouts and the sign-up limit.

Behind a reverse proxy (BEHIND_PROXY=true) every request comes from the proxy, so the client is the
last address in X-Forwarded-For: the one the proxy itself saw (our sample configs set the header to
exactly that; entries before it were written by the client and cannot be trusted). Without a proxy,
X-Forwarded-For is ignored: anyone could send one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "") or "unknown"
