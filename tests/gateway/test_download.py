"""Downloading a clip's media from the gateway or its CDN."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from songs.gateway import GatewayError, download
from tests.gateway.helpers import BASE, KEY, Recorder, facts

# --- Downloads ------------------------------------------------------------------------------


class BrokenStream(httpx.SyncByteStream):
    """A body that breaks off after its first chunk, like a dropped connection."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"partial"
        raise httpx.ReadError("connection reset")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_it_downloads_atomically_with_size_and_checksum(make_gateway, tmp_path):
    audio = b"ID3" + bytes(range(256)) * 1000
    recorder = Recorder(httpx.Response(200, content=audio))
    dest = tmp_path / "media" / "clip.mp3"

    size, sha = download.download_media(
        make_gateway(recorder), f"{BASE}/media/clip.mp3", dest=dest, max_bytes=10**6
    )

    assert (size, sha) == (len(audio), hashlib.sha256(audio).hexdigest())
    assert dest.read_bytes() == audio
    assert leftovers(dest.parent) == ["clip.mp3"]
    # Media on the gateway's own address may need the key.
    assert recorder.requests[0].headers["Authorization"] == f"Bearer {KEY}"


def test_it_does_not_send_the_key_to_a_foreign_host(make_gateway, tmp_path):
    recorder = Recorder(httpx.Response(200, content=b"mp3"))

    download.download_media(
        make_gateway(recorder), "https://cdn1.suno.ai/x.mp3", dest=tmp_path / "x.mp3", max_bytes=100
    )

    [request] = recorder.requests
    # Sent to the address DNS gave for the name (tests/conftest.py's media_dns), named in the Host header.
    assert request.url.host == "93.184.216.34" and request.headers["Host"] == "cdn1.suno.ai"
    assert request.extensions["sni_hostname"] == "cdn1.suno.ai"
    assert "authorization" not in request.headers


@pytest.mark.parametrize("url", ["http://gateway.test:8080/x.mp3", "https://gateway.test/x.mp3"])
def test_it_treats_another_port_or_scheme_as_foreign(make_gateway, tmp_path, url):
    recorder = Recorder(httpx.Response(200, content=b"mp3"))

    download.download_media(make_gateway(recorder), url, dest=tmp_path / "x.mp3", max_bytes=100)

    assert "authorization" not in recorder.requests[0].headers


def test_it_follows_a_redirect_to_a_cdn_without_the_key(make_gateway, tmp_path):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "gateway.test":
            return httpx.Response(302, headers={"Location": "https://cdn.example/a.mp3?sig=abc"})
        return httpx.Response(200, content=b"the audio")

    recorder = Recorder(answer)

    size, _ = download.download_media(
        make_gateway(recorder), f"{BASE}/media/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
    )

    assert size == len(b"the audio")
    gateway_hop, cdn_hop = recorder.requests
    assert "authorization" in gateway_hop.headers
    assert "authorization" not in cdn_hop.headers


@pytest.mark.parametrize("declare_length", [True, False])
def test_it_refuses_an_oversize_download_and_leaves_nothing_behind(make_gateway, tmp_path, declare_length):
    body = b"x" * 5000
    if declare_length:
        answer = httpx.Response(200, content=body)
    else:
        answer = httpx.Response(200, content=iter([body[:2500], body[2500:]]))
    recorder = Recorder(answer)
    dest = tmp_path / "big.mp3"
    dest.write_bytes(b"the old copy")

    with pytest.raises(GatewayError) as caught:
        download.download_media(
            make_gateway(recorder), "https://cdn.example/big.mp3", dest=dest, max_bytes=4096
        )

    assert (caught.value.code, caught.value.retryable) == ("too_large", False)
    assert len(recorder.requests) == 1
    assert dest.read_bytes() == b"the old copy"
    assert leftovers(tmp_path) == ["big.mp3"]


@pytest.mark.parametrize(("status", "code"), [(404, "not_found"), (403, "forbidden")])
def test_it_does_not_retry_a_missing_or_forbidden_download(make_gateway, tmp_path, status, code):
    recorder = Recorder(httpx.Response(status, text="nope"))

    with pytest.raises(GatewayError) as caught:
        download.download_media(
            make_gateway(recorder), "https://cdn.example/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
        )

    assert facts(caught.value) == (code, status, False)
    assert len(recorder.requests) == 1
    assert leftovers(tmp_path) == []


def test_it_retries_a_download_after_5xx_and_a_broken_stream(make_gateway, tmp_path, sleeps):
    recorder = Recorder(
        httpx.Response(503, text="busy"),
        httpx.Response(200, stream=BrokenStream()),
        httpx.Response(200, content=b"whole file"),
    )
    dest = tmp_path / "a.mp3"

    size, sha = download.download_media(
        make_gateway(recorder), "https://cdn.example/a.mp3", dest=dest, max_bytes=100
    )

    assert (size, sha) == (10, hashlib.sha256(b"whole file").hexdigest())
    assert len(recorder.requests) == 3
    assert sleeps == [0.5, 1.0]
    assert leftovers(tmp_path) == ["a.mp3"]


def test_it_gives_up_on_a_download_after_max_retries(make_gateway, tmp_path):
    recorder = Recorder(lambda request: httpx.Response(200, stream=BrokenStream()))

    with pytest.raises(GatewayError) as caught:
        download.download_media(
            make_gateway(recorder, max_retries=2),
            "https://cdn.example/a.mp3",
            dest=tmp_path / "a.mp3",
            max_bytes=100,
        )

    assert (caught.value.code, caught.value.retryable) == ("network", True)
    assert len(recorder.requests) == 3
    assert leftovers(tmp_path) == []


# --- The TLS context ------------------------------------------------------------------------


def test_clients_share_one_tls_context_that_verifies(monkeypatch):
    """Building a TLS context reads the whole CA bundle (~0.1 s): a copy made three (the gateway's
    client, one per file downloaded) before its clip was playable. One per process now."""
    import ssl

    from songs.gateway import Gateway, client

    made = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: made.append(1) or real(*a, **k))
    client.tls_context.cache_clear()
    for _ in range(3):
        Gateway(base_url="https://gateway.test", api_key=KEY).close()
        download._public_client(None, httpx.Timeout(5.0)).close()

    assert len(made) == 1
    context = client.tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
