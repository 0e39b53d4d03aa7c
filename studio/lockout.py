"""Log-in lockout (django-axes) that counts three ways, each with its own limit (issue 19 item 9).

- one user name from one client network: LOGIN_FAILURE_LIMIT (5) wrong passwords;
- one user name from anywhere: LOGIN_USERNAME_FAILURE_LIMIT (20), so spreading guesses over addresses
  does not help (the name is then refused for everyone until the cool-off ends);
- one client network, whatever the names: LOGIN_NETWORK_FAILURE_LIMIT (20), so spraying one password
  over many names does not help either.

A client network is an IPv4 address or an IPv6 /64 (``axes_client_network``): one subscriber gets a whole
/64, so counting single IPv6 addresses would count nothing. django-axes compares one number with one
limit; this handler scales each count to the pair's limit, so whichever count reaches its own limit first
locks. A successful log-in forgets only that name's failures from that network: one working account
must not wipe a network's count of guesses at other names.
"""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from studio.clientip import client_ip

IPV6_NETWORK_PREFIX = 64


def axes_client_network(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: the client's IPv4 address, or its IPv6 /64 written as an address."""
    return client_network(client_ip(request))


def client_network(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.7 is the IPv4 client 192.0.2.7
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network(f"{ip}/{IPV6_NETWORK_PREFIX}", strict=False).network_address)


def _limits() -> list[int]:
    """The limit of each of AXES_LOCKOUT_PARAMETERS, in its order."""
    return [
        settings.AXES_FAILURE_LIMIT,
        settings.LOGIN_USERNAME_FAILURE_LIMIT,
        settings.LOGIN_NETWORK_FAILURE_LIMIT,
    ]


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        pair_limit = settings.AXES_FAILURE_LIMIT
        scaled = [0]
        for attempts, limit in zip(self.get_user_attempts(request, credentials), _limits(), strict=False):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            # floor(failures * pair / limit) reaches pair exactly when failures reaches limit.
            scaled.append(failures * pair_limit // max(limit, 1))
        return max(scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]  # [username, ip_address] comes first
        count, _ = pair.delete()
        return count
