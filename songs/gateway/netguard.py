"""Checks that a user-given link points at the public internet before anything fetches it (SSRF guard).

Pure standard library: no HTTP here. ``check_url`` parses a link, refuses what the studio must never
fetch, resolves the host with an injectable resolver and returns the parsed link with the list of
addresses it vetted. The fetcher (``songs.gateway.download.fetch_public``) then connects to one of those
addresses, never to the host name again, so a second DNS answer cannot point it somewhere else.

What counts as public is decided here, explicitly, rather than by ``ipaddress``'s ``is_global``
alone: on Python 3.11 that flag calls multicast, NAT64 and 6to4 forms of loopback "global".
"""

from __future__ import annotations

import ipaddress
import re
import socket
import urllib.parse
from collections.abc import Callable
from typing import Any

MAX_URL_LENGTH = 2000
ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Names that never leave this machine or its private network, refused whatever a resolver says
# (RFC 6761 localhost, mDNS .local, ICANN's private-use .internal, RFC 8375 home.arpa).
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")

# A host made only of digits, hex and dots is an IPv4 address in one of the legacy forms
# (2130706433, 0x7f.1, 0177.0.0.1, 127.1) that resolvers, inet_aton and browsers all accept.
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")

# IANA special-purpose registries: none of these is a place on the public internet.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", incl. the unspecified 0.0.0.0
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, incl. cloud metadata 169.254.169.254
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast 255.255.255.255
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible form
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # NAT64 local-use prefix
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID...
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local (private)
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
# IPv4-mapped addresses reach the IPv4 address inside them, and so does NAT64 (which DNS64 answers
# for every IPv4-only site on an IPv6-only network): the inner address is judged instead. Other
# transition forms (IPv4-compatible, 6to4, Teredo) are refused outright: they are obsolete, and
# relays may carry them to the IPv4 address they embed.
_CARRIES_V4 = (ipaddress.IPv6Network("::ffff:0:0/96"), ipaddress.IPv6Network("64:ff9b::/96"))

Resolver = Callable[..., Any]


class UnsafeURL(ValueError):
    """A link the studio refuses to fetch. ``message`` is a sentence fit to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_MSG_EMPTY = "Please give a link to fetch."
_MSG_TOO_LONG = f"That link is too long (at most {MAX_URL_LENGTH} characters)."
_MSG_MALFORMED = "That link is not a valid web address."
_MSG_SCHEME = "Only http and https links can be used."
_MSG_NO_HOST = "That link has no host name."
_MSG_USERINFO = "Links with a user name or password in them can't be used."
_MSG_PORT = "That link's port number is not valid."
_MSG_NOT_FOUND = "That link's host could not be found."
_MSG_PRIVATE = "That link points to a private or local network address, which can't be used."


def _public_v4(addr: ipaddress.IPv4Address) -> bool:
    return addr.is_global and not any(addr in net for net in _BLOCKED_V4)


def is_public_ip(ip: str) -> bool:
    """Whether ``ip`` (an IPv4 or IPv6 address in text form) is a public internet address."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv4Address):
        return _public_v4(addr)
    if addr.scope_id:  # a zone only means something on a local link
        return False
    if any(addr in net for net in _CARRIES_V4):
        # These lead to the IPv4 address in their last 32 bits; that address decides.
        return _public_v4(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return addr.is_global and not any(addr in net for net in _BLOCKED_V6)


def _numeric_v4(host: str) -> str | None:
    """The dotted form of a host written as an IPv4 number in any legacy notation, else None."""
    if not _NUMERIC_HOST.fullmatch(host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def _host_and_ip(raw_host: str) -> tuple[str, str | None]:
    """The host in ASCII form and, when it is written as an IP address, that address."""
    if ":" in raw_host:  # only an IPv6 literal can hold a colon (urlsplit removed the brackets)
        try:
            ip = str(ipaddress.IPv6Address(raw_host))
        except ValueError:
            raise UnsafeURL(_MSG_MALFORMED) from None
        return f"[{ip}]", ip
    try:
        # The IDNA codec socket.getaddrinfo applies to a str host; it also folds full-width digits
        # and ideographic dots, so "１２７。0。0。1" is recognised below as the literal it is.
        host = raw_host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeURL(_MSG_MALFORMED) from None
    if host.endswith("."):
        host = host[:-1]  # the root: "localhost." is "localhost"
    numeric = _numeric_v4(host)
    if numeric is not None:
        return numeric, numeric
    if not _HOST_NAME.fullmatch(host) or _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        # Percent signs, empty labels, or a name ending like a number that is no address inet_aton
        # accepts (999.1.1.1, 1.2.3.4.5, 08): browsers refuse these, and resolvers disagree.
        raise UnsafeURL(_MSG_MALFORMED)
    return host, None


def _resolve(host: str, port: int, resolve: Resolver) -> list[str]:
    try:
        answers = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):  # socket.gaierror is an OSError
        raise UnsafeURL(_MSG_NOT_FOUND) from None
    ips: list[str] = []
    for family, _type, _proto, _canonname, sockaddr in answers or ():
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise UnsafeURL(_MSG_PRIVATE)
        ip = str(sockaddr[0])
        if ip not in ips:
            ips.append(ip)
    if not ips:
        raise UnsafeURL(_MSG_NOT_FOUND)
    return ips


def check_url(
    url: str, *, resolve: Resolver = socket.getaddrinfo
) -> tuple[urllib.parse.SplitResult, list[str]]:
    """Vet a user-given link; return its parsed form and the public addresses its host resolves to.

    Raises ``UnsafeURL`` unless the link is http(s), has a host and no user name or password, and
    every address its host resolves to (or the literal address it names) is public. The returned
    link is normalised: lower-case scheme, the host in ASCII (IDNA) form, a numeric IPv4 host in
    dotted form, no user info and no fragment. Fetch only that form, and connect only to one of the
    returned addresses. ``resolve`` has ``socket.getaddrinfo``'s signature; tests pass a fake.
    """
    if not isinstance(url, str) or not url.strip():
        raise UnsafeURL(_MSG_EMPTY)
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(_MSG_TOO_LONG)
    # urlsplit silently drops tabs and newlines, and parsers disagree about backslashes:
    # refuse them rather than guess which host another parser would see.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in url):
        raise UnsafeURL(_MSG_MALFORMED)
    try:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise UnsafeURL(_MSG_SCHEME)
        if "@" in parts.netloc:
            raise UnsafeURL(_MSG_USERINFO)
        raw_host = parts.hostname or ""
    except ValueError as exc:  # urlsplit's own: a broken [IPv6] bracket
        if isinstance(exc, UnsafeURL):
            raise
        raise UnsafeURL(_MSG_MALFORMED) from None
    if not raw_host:
        raise UnsafeURL(_MSG_NO_HOST)
    try:
        port = parts.port  # ValueError when it is not a number in 0-65535
    except ValueError:
        port = 0
    if port == 0:
        raise UnsafeURL(_MSG_PORT)

    host, literal = _host_and_ip(raw_host)
    if literal is not None:
        ips = [literal]
    elif host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        raise UnsafeURL(_MSG_PRIVATE)
    else:
        ips = _resolve(host, port or _DEFAULT_PORTS[scheme], resolve)
    if not all(is_public_ip(ip) for ip in ips):
        raise UnsafeURL(_MSG_PRIVATE)

    netloc = host if port is None else f"{host}:{port}"
    return parts._replace(scheme=scheme, netloc=netloc, fragment=""), ips
