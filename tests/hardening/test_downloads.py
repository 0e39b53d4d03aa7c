"""Issue 9, items 9 and 10: every fetch has a total deadline; media downloads vet every hop off the
gateway's own origin with netguard, as a user's link is vetted."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from songs.gateway import download
from tests.gateway.helpers import BASE, Recorder
from tests.gateway.links import PUBLIC_IP, Resolver, Server, fails, leftovers

pytestmark = pytest.mark.usefixtures("no_real_network")


class Drip(httpx.SyncByteStream):
    """A body that trickles in: a few bytes every 50 ms, each read well inside any read timeout."""

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(200):
            time.sleep(0.05)
            yield b"ID3"


def test_a_slow_public_link_is_cut_at_its_total_deadline(make_gateway, tmp_path):
    server = Server(
        {
            ("slow.example", "/a.mp3"): httpx.Response(
                200, headers={"Content-Type": "audio/mpeg"}, stream=Drip()
            )
        }
    )
    started = time.monotonic()
    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://slow.example/a.mp3",
            dest=tmp_path / "a.mp3",
            max_bytes=10**6,
            resolve=Resolver(slow_example=[PUBLIC_IP]),
            deadline_seconds=0.5,
        )
    )
    assert error.code == "too_slow" and not error.retryable
    assert time.monotonic() - started < 3
    assert leftovers(tmp_path) == []


def test_a_slow_media_download_is_cut_at_its_total_deadline(make_gateway, tmp_path):
    recorder = Recorder(httpx.Response(200, stream=Drip()))
    started = time.monotonic()
    error = fails(
        lambda: download.download_media(
            make_gateway(recorder),
            f"{BASE}/media/a.mp3",
            dest=tmp_path / "a.mp3",
            max_bytes=10**6,
            deadline_seconds=0.5,
        )
    )
    assert error.code == "too_slow" and time.monotonic() - started < 3
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "internal",
    ["http://127.0.0.1:8000/admin/", "http://169.254.169.254/latest/meta-data/", "http://localhost/x"],
)
def test_a_gateway_cannot_redirect_a_media_download_to_an_internal_address(make_gateway, tmp_path, internal):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "gateway.test":
            return httpx.Response(302, headers={"Location": internal})
        return httpx.Response(200, content=b"internal secrets")

    recorder = Recorder(answer)
    error = fails(
        lambda: download.download_media(
            make_gateway(recorder), f"{BASE}/media/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
        )
    )
    assert error.code == "unsafe_url" and not error.retryable
    assert [r.url.host for r in recorder.requests] == ["gateway.test"]
    assert leftovers(tmp_path) == []


def test_a_media_link_to_an_internal_address_is_refused(make_gateway, tmp_path):
    recorder = Recorder(httpx.Response(200, content=b"internal secrets"))
    error = fails(
        lambda: download.download_media(
            make_gateway(recorder), "http://10.0.0.5/media/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
        )
    )
    assert error.code == "unsafe_url" and recorder.requests == []


def test_a_cdn_whose_name_resolves_to_a_private_address_is_refused(make_gateway, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "media_resolve", Resolver(cdn_example=["192.168.1.10"]))
    recorder = Recorder(httpx.Response(200, content=b"internal secrets"))
    error = fails(
        lambda: download.download_media(
            make_gateway(recorder), "https://cdn.example/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
        )
    )
    assert error.code == "unsafe_url" and recorder.requests == []


def test_the_gateways_own_origin_is_not_vetted(make_gateway, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "media_resolve", Resolver())  # knows no name at all
    recorder = Recorder(httpx.Response(200, content=b"audio"))
    size, _ = download.download_media(
        make_gateway(recorder), f"{BASE}/media/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
    )
    assert size == 5


# --- Issue 19 item 4: a media link's name is resolved once; the connection goes to the vetted address ---


def test_a_rebinding_cdn_name_is_fetched_from_the_address_that_was_vetted(
    make_gateway, tmp_path, monkeypatch
):
    # Public on the first answer, the cloud's metadata address on any later one.
    resolver = Resolver(cdn_example=[[PUBLIC_IP], ["169.254.169.254"]])
    monkeypatch.setattr(download, "media_resolve", resolver)
    server = Server({("cdn.example", "/a.mp3"): httpx.Response(200, content=b"the audio")})

    size, _ = download.download_media(
        make_gateway(server), "https://cdn.example/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
    )

    assert size == len(b"the audio")
    assert server.hosts == [PUBLIC_IP] and resolver.calls == [("cdn.example", 443)]
    assert server.requests[0].extensions["sni_hostname"] == "cdn.example"  # the certificate is the name's


def test_a_cdn_redirect_is_followed_by_name_and_vetted_again(make_gateway, tmp_path, monkeypatch):
    resolver = Resolver(cdn_example=[[PUBLIC_IP], ["10.0.0.9"]])
    monkeypatch.setattr(download, "media_resolve", resolver)
    server = Server(
        {
            ("gateway.test", "/media/a.mp3"): httpx.Response(
                302, headers={"Location": "https://cdn.example/a"}
            ),
            ("cdn.example", "/a"): httpx.Response(302, headers={"Location": "/b.mp3"}),
            ("cdn.example", "/b.mp3"): httpx.Response(200, content=b"inside"),
        }
    )

    error = fails(
        lambda: download.download_media(
            make_gateway(server), f"{BASE}/media/a.mp3", dest=tmp_path / "a.mp3", max_bytes=100
        )
    )

    assert error.code == "unsafe_url"  # the second answer for the name was private
    assert server.hosts == ["gateway.test", PUBLIC_IP] and leftovers(tmp_path) == []
