"""The engine's requests to addresses others give it: upload links it fetches, callbacks it posts.

A real gateway fetches any public audio link and calls back any public URL; so does the engine. What it
never reaches is a private or local network address (loopback, 10.x, 192.168.x, 169.254.x cloud metadata,
IPv6 unique-local and link-local...), so its key cannot be used to make it read or poke the network it
runs in. Two kinds of private address are allowed:

- the studio's own links on the studio's own addresses (settings.STUDIO_URL, PUBLIC_BASE_URL, and the
  gateway address when the engine shares the studio's server), only under the paths the caller names
  (the upload links' prefix for audio, any path for a callback to the studio);
- addresses an operator lists in ENGINE_FETCH_ALLOW ("10.1.2.3", "10.0.0.0/8", "127.0.0.1:8123",
  "[::1]:8080"), for private deployments and for tests that serve audio on a loopback port.

The host is resolved once, every address it resolves to is judged, and the connection goes to a judged
address (never to the name again), so a second DNS answer cannot point it elsewhere; every redirect is
judged the same way. Pure standard library (only songs.gateway imports httpx).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 5
USER_AGENT = "SongStudioEngine/1.0"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECTS = (301, 302, 303, 307, 308)
_INET = (socket.AF_INET, socket.AF_INET6)

# IANA special-purpose blocks that ipaddress's is_global lets through on Python 3.11 (or that lead to
# an address inside them): judged as not public.
_NOT_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in ("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15")
)
_NOT_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in ("::/96", "64:ff9b:1::/48", "2001::/23", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8")
)
# IPv4-mapped and NAT64 addresses reach the IPv4 address in their last 32 bits: that address decides.
_CARRIES_V4 = (ipaddress.IPv6Network("::ffff:0:0/96"), ipaddress.IPv6Network("64:ff9b::/96"))


class Refused(Exception):
    """The engine will not (or could not) reach that address; message is plain words with no address."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_PRIVATE = "it points to a private or local network address"


def is_public(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.scope_id:
            return False
        if any(addr in net for net in _CARRIES_V4):
            addr = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        elif any(addr in net for net in _NOT_PUBLIC_V6):
            return False
    if isinstance(addr, ipaddress.IPv4Address) and any(addr in net for net in _NOT_PUBLIC_V4):
        return False
    return addr.is_global and not addr.is_multicast  # 3.11 calls 224.0.0.0/4 global


def _allow_list() -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None]]:
    """ENGINE_FETCH_ALLOW as (network, port or None); an entry that does not parse allows nothing."""
    allowed = []
    for entry in getattr(settings, "ENGINE_FETCH_ALLOW", ()):
        entry, port = entry.strip(), None
        if entry.startswith("[") and "]:" in entry:  # [v6]:port
            entry, port_text = entry[1:].split("]:", 1)
            port = int(port_text) if port_text.isdigit() else -1
        elif entry.count(":") == 1:  # v4:port or name-free host:port
            entry, port_text = entry.split(":")
            port = int(port_text) if port_text.isdigit() else -1
        try:
            allowed.append((ipaddress.ip_network(entry.strip("[]"), strict=False), port))
        except ValueError:
            continue
    return allowed


def _listed(ip: str, port: int) -> bool:
    addr = ipaddress.ip_address(ip)
    return any(addr in net and want in (None, port) for net, want in _allow_list())


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        return None


def _studio_link(parts: SplitResult, paths: tuple[str, ...]) -> bool:
    """A link on one of the studio's own addresses, under one of paths, with nothing that could step out
    of them once decoded (percent signs, dot segments, backslashes)."""
    if not paths:
        return False
    bases = [settings.STUDIO_URL, settings.PUBLIC_BASE_URL]
    if not settings.SUNO_BASE_URL:  # the engine is the gateway: the studio's server may be its address
        bases.append(settings.SUNO_GATEWAY_URL)
    studio = {_origin(base) for base in bases if base}
    path = parts.path or "/"
    if "%" in path or "/." in path or "\\" in path or parts.username or parts.password:
        return False
    return _origin(parts.geturl()) in studio and any(path.startswith(p) for p in paths)


def _resolve(host: str, port: int) -> list[str]:
    """The host's addresses: the one network call besides the connection itself (tests replace it)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for family, *_, sockaddr in answers if family in _INET))


@dataclass(frozen=True)
class Target:
    parts: SplitResult
    port: int
    ips: list[str]


def vet(url: str, *, studio_paths: tuple[str, ...] = ()) -> Target:
    """The judged target of url, or Refused: http(s), no user name or password, and every address the
    host resolves to public, listed in ENGINE_FETCH_ALLOW, or a studio link under studio_paths."""
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        raise Refused("it is not a valid web address") from None
    if scheme not in _DEFAULT_PORTS:
        raise Refused("only http and https addresses can be fetched")
    if not host or "@" in parts.netloc or any(c.isspace() or ord(c) < 0x20 for c in url.strip()):
        raise Refused("it is not a valid web address")
    port = port or _DEFAULT_PORTS[scheme]
    try:
        ips = _resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        raise Refused("its host could not be found") from None
    if not ips:
        raise Refused("its host could not be found")
    trusted = _studio_link(parts, studio_paths)
    if not trusted and not all(is_public(ip) or _listed(ip, port) for ip in ips):
        raise Refused(_PRIVATE)
    return Target(parts._replace(scheme=scheme), port, ips)


def _connect(ips: list[str], port: int, timeout: float) -> socket.socket:
    for ip in ips:
        try:
            return socket.create_connection((ip, port), timeout=timeout)
        except OSError:
            continue
    raise Refused("the address did not answer")


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.parts.hostname, target.port, timeout=timeout)
        self._ips = target.ips

    def connect(self) -> None:
        self.sock = _connect(self._ips, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.parts.hostname, target.port, timeout=timeout)
        self._ips = target.ips

    def connect(self) -> None:
        sock = _connect(self._ips, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _request(
    target: Target, method: str, body: bytes | None, headers: dict, timeout: float
) -> http.client.HTTPResponse:
    kind = _PinnedHTTPS if target.parts.scheme == "https" else _PinnedHTTP
    connection = kind(target, timeout)
    path = target.parts.path or "/"
    if target.parts.query:
        path += "?" + target.parts.query
    try:
        connection.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **headers})
        return connection.getresponse()
    except Refused:
        raise
    except (OSError, http.client.HTTPException):
        connection.close()
        raise Refused("the connection failed") from None


def get(url: str, *, timeout: float, studio_paths: tuple[str, ...] = ()) -> http.client.HTTPResponse:
    """An open answer (status below 300) to GET url, redirects followed and each judged; the caller
    reads and closes it. response.url is the address finally read."""
    for _ in range(MAX_REDIRECTS + 1):
        response = _request(vet(url, studio_paths=studio_paths), "GET", None, {}, timeout)
        location = response.getheader("Location")
        if response.status in _REDIRECTS and location:
            response.close()
            url = urljoin(url, location.strip())
            if urlsplit(url).scheme.lower() not in _DEFAULT_PORTS:
                raise Refused("it redirects to a non-http address")
            continue
        if response.status >= 300:
            response.close()
            raise Refused(f"it answered HTTP {response.status}")
        response.url = url
        return response
    raise Refused(f"it redirects more than {MAX_REDIRECTS} times")


def post_json(url: str, payload: object, *, timeout: float, studio_paths: tuple[str, ...] = ()) -> int:
    """POST payload as JSON to url (redirects are not followed); the answer's status."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json"}
    response = _request(vet(url, studio_paths=studio_paths), "POST", body, headers, timeout)
    try:
        response.read(64 * 1024)  # drain a little, so the server sees its answer taken
    finally:
        response.close()
    return response.status
