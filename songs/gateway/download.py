"""Files over HTTP: a clip's media from the gateway's CDN, and a user's own link through the SSRF guard.

Both write atomically (a temp file beside the destination, then a rename) and return the size and
SHA-256 of what they wrote. Neither is a gateway API call: the CDN download borrows the gateway's
connection (its key goes only to the gateway's own host), and the public fetch uses a client of its
own that connects only to addresses ``netguard`` vetted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import socket
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import httpx

from songs.gateway import netguard
from songs.gateway.client import Gateway, RetryPolicy, failure_logged, tls_context
from songs.gateway.errors import (
    HTTPX_ERRORS,
    GatewayError,
    network_error,
    status_code_name,
    status_retryable,
    too_large,
)
from songs.gateway.parse import as_int

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_OCTET_STREAM_AUDIO_SUFFIXES = (".mp3", ".wav")
# Total time one attempt may take, whatever the per-read timeouts allow: a server that sends a few
# bytes now and then would otherwise hold a worker for as long as it likes.
MEDIA_DEADLINE_SECONDS = 600.0  # up to MEDIA_MAX_BYTES from a CDN
PUBLIC_DEADLINE_SECONDS = 120.0  # a user's link, up to UPLOAD_MAX_BYTES
MAX_MEDIA_REDIRECTS = 5
# Resolves media hosts off the gateway's origin before they are fetched (tests put a fake DNS here).
media_resolve: Callable[..., Any] = socket.getaddrinfo


# --- A clip's media, from the gateway or its CDN ---


def download_media(
    gateway: Gateway,
    url: str,
    *,
    dest: pathlib.Path,
    max_bytes: int,
    deadline_seconds: float = MEDIA_DEADLINE_SECONDS,
    expect: str = "",
) -> tuple[int, str]:
    """Stream ``url`` into ``dest`` atomically; return (size in bytes, sha256 hex).

    A hostile gateway must not make the studio read its own network: every link and redirect off the
    gateway's own origin is vetted by ``netguard`` first (code "unsafe_url"), and each attempt has a
    total deadline (code "too_slow"). With ``expect`` ("audio", "image", "video"; "wav" or "mp4" for
    exactly that) the answer is checked like a user's link: a web page or JSON (Suno's "forbidden" page
    answers 200 since its 2026 download change) or a file whose first bytes are not that kind of media
    is refused (code "not_media", not retried), and nothing is kept.
    """
    dest = pathlib.Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        log_path = httpx.URL(url).path  # no query: signed CDN links carry tokens there
    except httpx.InvalidURL:
        log_path = "<invalid url>"
    return gateway.retry.run(
        lambda: _download_once(gateway, url, log_path, dest, max_bytes, deadline_seconds, expect)
    )


def _download_once(
    gateway: Gateway,
    url: str,
    log_path: str,
    dest: pathlib.Path,
    max_bytes: int,
    deadline_seconds: float,
    expect: str = "",
) -> tuple[int, str]:
    deadline = time.monotonic() + deadline_seconds
    # Links off the gateway's origin go through a client of their own that connects to vetted addresses.
    pinned = _public_client(gateway.transport, gateway.http.timeout)
    try:
        with failure_logged("GET", log_path, secret=gateway.secret):
            response = _open_media(gateway, pinned, url, deadline)
            try:
                _check_download(response, max_bytes)
                head_check = None
                if expect:  # a media file, not whatever page answered for it
                    _check_media_type(response, expect)
                    head_check = partial(_check_magic, expect=expect, status=response.status_code)
                return _stream_to_file(response, dest, max_bytes, deadline, head_check)
            finally:
                response.close()
    finally:
        if gateway.transport is None:
            pinned.close()  # a borrowed transport stays open for its owner


# Media types that are never a media file, whatever the link's name says.
_NOT_MEDIA_TYPES = ("text/html", "application/json", "application/xhtml+xml", "text/plain", "text/xml")
_MAGIC_BYTES = 12


def _not_media(message: str, status: int | None) -> GatewayError:
    return GatewayError("not_media", message, http_status=status, retryable=False)


def _check_media_type(response: httpx.Response, expect: str) -> None:
    media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media_type in _NOT_MEDIA_TYPES or media_type.startswith(("text/", "application/json")):
        raise _not_media(
            f"The {expect} link answered a {media_type} page, not {expect}", response.status_code
        )


def _is_media(head: bytes, expect: str) -> bool:
    """Whether a file's first bytes are the kind of media expected (its magic numbers)."""
    mp4 = head[4:8] == b"ftyp"
    if expect == "audio":
        frame_sync = len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0  # MP3 / AAC frames
        return head.startswith((b"ID3", b"OggS", b"fLaC")) or frame_sync or mp4 or head[8:12] == b"WAVE"
    if expect == "image":
        webp = head.startswith(b"RIFF") and head[8:12] == b"WEBP"
        return head.startswith((b"\xff\xd8", b"\x89PNG", b"GIF8")) or webp
    if expect == "video":
        return mp4 or head.startswith(b"\x1a\x45\xdf\xa3")  # MP4/MOV, or WebM/Matroska
    if expect == "wav":  # a render asked for as WAV (sunoapi's wav/generate): RIFF....WAVE and nothing else
        return head.startswith(b"RIFF") and head[8:12] == b"WAVE"
    if expect == "mp4":  # a render asked for as MP4 (sunoapi's mp4/generate)
        return mp4
    return True


def _check_magic(head: bytes, expect: str, status: int) -> None:
    if not _is_media(head, expect):
        shown = "a web page" if head.lstrip().startswith((b"<", b"{")) else "not a known format"
        raise _not_media(f"The {expect} link gave {shown}, not {expect}", status)


def _open_media(gateway: Gateway, pinned: httpx.Client, url: str, deadline: float) -> httpx.Response:
    """The final (non-redirect) response for a media link, every hop vetted by ``_send_media``."""
    for _hop in range(MAX_MEDIA_REDIRECTS + 1):
        _check_deadline(deadline, None)
        response, url = _send_media(gateway, pinned, url)
        location = response.headers.get("Location") if response.status_code in _REDIRECT_STATUSES else None
        if not location:
            return response
        response.close()
        url = urljoin(url, location.strip())  # against the link's name, not the address connected to
    raise GatewayError(
        "too_many_redirects", f"The media link redirects more than {MAX_MEDIA_REDIRECTS} times."
    )


def _send_media(gateway: Gateway, pinned: httpx.Client, url: str) -> tuple[httpx.Response, str]:
    """The response for one hop, and the link it answered for (redirects are resolved against it)."""
    try:
        request = gateway.http.build_request("GET", url, headers={"Accept": "*/*"})
    except HTTPX_ERRORS as exc:
        raise network_error(exc, submit=False) from exc
    if not _is_gateway_url(gateway, request.url):
        del request.headers["Authorization"]  # the key is for the gateway, not a CDN
    if _is_gateway_origin(gateway, request.url):
        # The configured gateway (and SUNO_MEDIA_ORIGINS) is trusted with its own address.
        try:
            return gateway.http.send(request, stream=True, follow_redirects=False), str(request.url)
        except HTTPX_ERRORS as exc:
            raise network_error(exc, submit=False) from exc
    # Anything else it points at must be on the public internet, and is then fetched from the address
    # that was vetted, never by name again: a second DNS answer cannot send it inside (DNS rebinding).
    try:
        parts, ips = netguard.check_url(str(request.url), resolve=media_resolve)
    except netguard.UnsafeURL as exc:
        raise GatewayError("unsafe_url", f"The media link was refused: {exc.message}") from exc
    return _send_pinned(pinned, parts, ips, headers={"Accept": "*/*"}), parts.geturl()


def _is_gateway_origin(gateway: Gateway, url: httpx.URL) -> bool:
    base = gateway.http.base_url
    if (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port):
        return True
    origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
    return origin in gateway.media_origins


def _check_deadline(deadline: float, status: int | None) -> None:
    if time.monotonic() > deadline:
        raise GatewayError(
            "too_slow", "The download did not finish in the time allowed", http_status=status, retryable=False
        )


def _is_gateway_url(gateway: Gateway, url: httpx.URL) -> bool:
    base = gateway.http.base_url
    same_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
    return same_origin and url.path.startswith(base.path)


def _check_download(response: httpx.Response, max_bytes: int) -> None:
    status = response.status_code
    if status >= 400:
        raise GatewayError(
            status_code_name(status),
            f"The media download answered HTTP {status}",
            http_status=status,
            retryable=status_retryable(status),
        )
    declared = as_int(response.headers.get("Content-Length"))
    if declared > max_bytes:
        raise too_large(max_bytes, status)


def _stream_to_file(
    response: httpx.Response,
    dest: pathlib.Path,
    max_bytes: int,
    deadline: float,
    head_check: Callable[[bytes], None] | None = None,
) -> tuple[int, str]:
    """Write to a temp file beside ``dest``, then rename: readers never see half a file.

    The deadline is checked after every read (each read is bounded by the read timeout); ``head_check``
    sees the file's first bytes (or the whole of a shorter file) before it is kept."""
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                for chunk in response.iter_bytes():  # each read as it arrives, so the clock is seen
                    _check_deadline(deadline, response.status_code)
                    if head_check is not None and len(head) < _MAGIC_BYTES:
                        head += chunk[: _MAGIC_BYTES - len(head)]
                        if len(head) >= _MAGIC_BYTES:
                            head_check(head)
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_large(max_bytes, response.status_code)
                    digest.update(chunk)
                    out.write(chunk)
            except HTTPX_ERRORS as exc:
                raise network_error(exc, submit=False) from exc
            if head_check is not None and len(head) < _MAGIC_BYTES:
                head_check(head)  # a file shorter than the magic numbers
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; media must be readable by the web server
        os.replace(tmp_name, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return size, digest.hexdigest()


# --- A user's own link (someone else's server) ---


def fetch_public(
    url: str,
    *,
    dest: pathlib.Path,
    max_bytes: int,
    max_redirects: int = 5,
    allowed_types: tuple[str, ...] = ("audio/",),
    resolve: Callable[..., Any] = socket.getaddrinfo,
    retry: RetryPolicy | None = None,
    timeout: httpx.Timeout | None = None,
    transport: httpx.BaseTransport | None = None,
    deadline_seconds: float = PUBLIC_DEADLINE_SECONDS,
) -> tuple[int, str, str]:
    """Download a user-given public link into ``dest`` atomically; return (size, sha256 hex, type).

    Guarded against SSRF: the link and every redirect target are vetted by ``netguard.check_url``
    before anything is sent, and each request connects to an address that check vetted, never to the
    host name again, so a second DNS answer (rebinding) cannot send it elsewhere. The real host name
    travels in the Host header and, for https, as TLS SNI through httpcore's ``sni_hostname`` request
    extension, so the certificate is still checked against that name. No gateway key is ever sent,
    and redirects are followed here, at most ``max_redirects`` of them.

    ``allowed_types`` entries ending in "/" match a media type's prefix ("audio/" matches
    audio/mpeg), others match exactly. While audio is allowed, ``application/octet-stream`` is
    accepted too when the final link's path ends in .mp3 or .wav (many servers do not know audio
    types). The returned type is the server's media type, lower-case, without parameters.

    Codes: "unsafe_url" (message from netguard, fit for the user), "too_many_redirects", "too_large"
    (declared or streamed; nothing is left behind), "not_audio", "bad_response" (another 3xx), the HTTP
    status names of ``download_media``, "too_slow" (an attempt past ``deadline_seconds`` in all, not
    retried), and the retryable "network"/"timeout". Retryable failures are retried by ``retry``,
    each attempt vetting the link afresh.
    """
    dest = pathlib.Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        log_path = urlsplit(url).path or "/"  # no host or query: signed links carry tokens there
    except (TypeError, ValueError):
        log_path = "<invalid url>"
    client = _public_client(transport, timeout or httpx.Timeout(30.0, connect=5.0))
    link = _Link(url, log_path, dest, max_bytes, max(0, max_redirects), tuple(allowed_types), resolve)
    link.deadline_seconds = deadline_seconds
    try:
        return (retry or RetryPolicy()).run(lambda: _fetch_public_once(client, link))
    finally:
        if transport is None:
            client.close()  # a borrowed transport stays open for its owner


def _public_client(transport: httpx.BaseTransport | None, timeout: httpx.Timeout) -> httpx.Client:
    # No base_url and no key; no proxies from the environment (an HTTP proxy would see only the
    # address, as httpcore ignores sni_hostname there); no kept-alive connections, so a TLS connection
    # made for one host name never serves another that shares its address; and a given transport only
    # when there is one (tests, dev).
    return httpx.Client(
        transport=transport
        or httpx.HTTPTransport(verify=tls_context(), limits=httpx.Limits(max_keepalive_connections=0)),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={
            "User-Agent": "song-studio",
            "Accept": "audio/*, application/octet-stream;q=0.5",
            "Accept-Encoding": "identity",  # audio does not compress; no decompression bombs
        },
    )


class _Link:
    """What one public fetch was asked for, so each attempt starts from the same place."""

    def __init__(self, url, log_path, dest, max_bytes, max_redirects, allowed_types, resolve) -> None:
        self.url, self.log_path, self.dest, self.max_bytes = url, log_path, dest, max_bytes
        self.max_redirects, self.allowed_types, self.resolve = max_redirects, allowed_types, resolve


def _fetch_public_once(client: httpx.Client, link: _Link) -> tuple[int, str, str]:
    deadline = time.monotonic() + link.deadline_seconds
    with failure_logged("GET", link.log_path):
        response, final = _open_public(client, link.url, link.max_redirects, link.resolve, deadline)
        try:
            _check_download(response, link.max_bytes)
            if not response.is_success:
                raise GatewayError(
                    "bad_response",
                    f"The link answered HTTP {response.status_code} instead of a file",
                    http_status=response.status_code,
                )
            media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            if not _type_allowed(media_type, final.path, link.allowed_types):
                raise GatewayError(
                    "not_audio",
                    f"That link is not an audio file (it is {media_type or 'of no stated type'}).",
                    http_status=response.status_code,
                )
            size, digest = _stream_to_file(response, link.dest, link.max_bytes, deadline)
            return size, digest, media_type
        finally:
            response.close()


def _open_public(
    client: httpx.Client, url: str, max_redirects: int, resolve: Callable[..., Any], deadline: float
) -> tuple[httpx.Response, SplitResult]:
    """The final (non-redirect) response for ``url``, streaming, and the link it came from."""
    redirects = 0
    while True:
        _check_deadline(deadline, None)
        try:
            parts, ips = netguard.check_url(url, resolve=resolve)
        except netguard.UnsafeURL as exc:
            raise GatewayError("unsafe_url", exc.message) from exc
        response = _send_pinned(client, parts, ips)
        location = response.headers.get("Location") if response.status_code in _REDIRECT_STATUSES else None
        if not location:
            return response, parts
        response.close()
        if redirects >= max_redirects:
            raise GatewayError(
                "too_many_redirects",
                f"That link redirects more than {max_redirects} times.",
                http_status=response.status_code,
            )
        redirects += 1
        url = urljoin(parts.geturl(), location.strip())


def _send_pinned(
    client: httpx.Client, parts: SplitResult, ips: list[str], headers: dict[str, str] | None = None
) -> httpx.Response:
    """Send GET for the vetted link to one of its vetted addresses, the next one if it cannot connect."""
    default_port = _DEFAULT_PORTS[parts.scheme]
    port = parts.port or default_port
    host_header = parts.netloc if port != default_port else parts.netloc.removesuffix(f":{port}")
    # TLS SNI and the certificate check use the host name, not the address connected to.
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    tail = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    client.cookies.clear()  # they would be kept per address, not per host name
    failure: httpx.HTTPError | None = None
    for ip in ips:
        target = httpx.URL(f"{parts.scheme}://{f'[{ip}]' if ':' in ip else ip}:{port}{tail}")
        request = client.build_request(
            "GET", target, headers={**(headers or {}), "Host": host_header}, extensions=extensions
        )
        try:
            return client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            failure = exc  # nothing was sent: try the host's next vetted address
        except HTTPX_ERRORS as exc:
            raise network_error(exc, submit=False, peer="the link's server") from exc
    assert failure is not None, "check_url always vets at least one address"
    raise network_error(failure, submit=False, peer="the link's server") from failure


def _type_allowed(media_type: str, path: str, allowed_types: tuple[str, ...]) -> bool:
    for allowed in allowed_types:
        if allowed.endswith("/"):
            if media_type.startswith(allowed) and len(media_type) > len(allowed):
                return True
        elif media_type == allowed:
            return True
    return (
        media_type == "application/octet-stream"
        and any(allowed.startswith("audio/") for allowed in allowed_types)
        and path.lower().endswith(_OCTET_STREAM_AUDIO_SUFFIXES)
    )


def fetch_public_for(gateway: Gateway, url: str, **kwargs: Any) -> tuple[int, str, str]:
    """``fetch_public`` with the gateway's retry policy, timeouts and (test, dev) transport."""
    return fetch_public(
        url, retry=gateway.retry, timeout=gateway.http.timeout, transport=gateway.transport, **kwargs
    )
