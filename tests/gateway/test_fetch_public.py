"""fetch_public: a user's own link, fetched SSRF-safely: happy path, unsafe links, DNS rebinding.

MockTransport and fake DNS only."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from songs.gateway import client as gateway_client
from songs.gateway import download
from tests.conftest import GATEWAY_KEY
from tests.gateway.links import (
    AUDIO,
    MAX,
    OTHER_PUBLIC_IP,
    PUBLIC_IP,
    PUBLIC_V6,
    Resolver,
    Server,
    audio,
    fails,
    leftovers,
    redirect,
)

# --- The happy path -----------------------------------------------------------------------------


def test_it_downloads_a_public_link_with_checksum_and_type_and_without_the_key(make_gateway, dest):
    server = Server({("music.example", "/songs/mine.mp3"): audio(content_type="Audio/MPEG; charset=binary")})
    resolver = Resolver(music_example=[PUBLIC_IP])

    size, sha, content_type = download.fetch_public_for(
        make_gateway(server),
        "https://music.example/songs/mine.mp3?sig=abc",
        dest=dest,
        max_bytes=MAX,
        resolve=resolver,
    )

    assert (size, sha, content_type) == (len(AUDIO), hashlib.sha256(AUDIO).hexdigest(), "audio/mpeg")
    assert dest.read_bytes() == AUDIO
    assert leftovers(dest.parent) == ["mine.mp3"]
    [request] = server.requests
    assert "Authorization" not in request.headers
    assert "Cookie" not in request.headers
    assert request.method == "GET"
    assert resolver.calls == [("music.example", 443)]


def test_it_connects_to_the_vetted_address_with_the_real_host_in_host_and_sni(make_gateway, dest):
    server = Server({("music.example", "/a.mp3"): audio()})

    download.fetch_public_for(
        make_gateway(server),
        "https://music.example/a.mp3?x=1&y=%2F",
        dest=dest,
        max_bytes=MAX,
        resolve=Resolver(music_example=[PUBLIC_IP]),
    )

    [request] = server.requests
    assert request.url.host == PUBLIC_IP
    assert request.url.scheme == "https"
    assert request.url.port is None  # 443
    assert request.headers["host"] == "music.example"
    assert request.url.raw_path == b"/a.mp3?x=1&y=%2F"
    assert request.extensions["sni_hostname"] == "music.example"
    # Explicit timeouts, the gateway's own.
    assert request.extensions["timeout"] == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 5.0}


def test_it_keeps_a_non_default_port_in_the_url_and_the_host_header(make_gateway, dest):
    server = Server({("music.example:8443", "/a.mp3"): audio()})

    download.fetch_public_for(
        make_gateway(server),
        "https://music.example:8443/a.mp3",
        dest=dest,
        max_bytes=MAX,
        resolve=Resolver(music_example=[PUBLIC_IP]),
    )

    [request] = server.requests
    assert (request.url.host, request.url.port) == (PUBLIC_IP, 8443)
    assert request.headers["host"] == "music.example:8443"


def test_it_brackets_a_vetted_ipv6_address(make_gateway, dest):
    server = Server({("music.example", "/a.mp3"): audio()})

    download.fetch_public_for(
        make_gateway(server),
        "http://music.example/a.mp3",
        dest=dest,
        max_bytes=MAX,
        resolve=Resolver(music_example=[PUBLIC_V6]),
    )

    [request] = server.requests
    assert request.url.host == PUBLIC_V6
    assert str(request.url) == f"http://[{PUBLIC_V6}]/a.mp3"
    assert request.headers["host"] == "music.example"
    assert "sni_hostname" not in request.extensions  # plain http has no TLS


def test_it_fetches_a_literal_public_address_without_dns(make_gateway, dest):
    server = Server({(PUBLIC_IP, "/a.mp3"): audio()})
    resolver = Resolver()

    download.fetch_public_for(
        make_gateway(server), "http://1572395042/a.mp3", dest=dest, max_bytes=MAX, resolve=resolver
    )  # 93.184.216.34 as one number

    assert server.hosts == [PUBLIC_IP]
    assert server.requests[0].headers["host"] == PUBLIC_IP
    assert resolver.calls == []


def test_it_tries_the_next_vetted_address_when_one_cannot_be_reached(make_gateway, dest, sleeps):
    def unreachable(request: httpx.Request) -> httpx.Response:
        if request.url.host == PUBLIC_V6:
            raise httpx.ConnectError("Network is unreachable")
        return audio()

    server = Server({("music.example", "/a.mp3"): unreachable})

    download.fetch_public_for(
        make_gateway(server),
        "https://music.example/a.mp3",
        dest=dest,
        max_bytes=MAX,
        resolve=Resolver(music_example=[PUBLIC_V6, PUBLIC_IP]),
    )

    assert server.hosts == [PUBLIC_V6, PUBLIC_IP]
    assert sleeps == []  # no retry needed
    assert dest.read_bytes() == AUDIO


def test_it_replaces_an_existing_file_atomically(make_gateway, dest):
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"old")
    server = Server({("music.example", "/a.mp3"): audio()})

    download.fetch_public_for(
        make_gateway(server),
        "https://music.example/a.mp3",
        dest=dest,
        max_bytes=MAX,
        resolve=Resolver(music_example=[PUBLIC_IP]),
    )

    assert dest.read_bytes() == AUDIO
    assert leftovers(dest.parent) == ["mine.mp3"]
    assert oct(dest.stat().st_mode & 0o777) == "0o644"


def test_it_goes_through_the_transport_override_via_get_gateway(settings, monkeypatch, dest):
    settings.SUNO_GATEWAY_URL = "http://engine.test:9000"
    settings.SUNO_GATEWAY_KEY = GATEWAY_KEY
    settings.SUNO_API_FORMAT = "task"
    server = Server({("music.example", "/a.mp3"): audio()})
    monkeypatch.setattr(gateway_client, "transport_override", httpx.MockTransport(server))

    with gateway_client.get_gateway() as gateway:
        download.fetch_public_for(
            gateway,
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
        # The borrowed transport is still usable by the gateway afterwards.
        download.fetch_public_for(
            gateway,
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )

    assert server.hosts == [PUBLIC_IP, PUBLIC_IP]
    assert all("Authorization" not in request.headers for request in server.requests)


# --- Refusing unsafe links and redirects --------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://music.example/a.mp3", "Only http and https links can be used."),
        ("file:///etc/passwd", "Only http and https links can be used."),
        ("http://169.254.169.254/latest/meta-data/", "private or local network"),
        ("http://0x7f.1:8000/admin", "private or local network"),
        ("http://[::ffff:127.0.0.1]/", "private or local network"),
        ("http://localhost:8000/", "private or local network"),
        ("http://internal.example/a.mp3", "private or local network"),
        ("http://gone.example/a.mp3", "could not be found"),
    ],
)
def test_it_refuses_an_unsafe_link_before_sending_anything(make_gateway, dest, sleeps, url, message):
    server = Server({})
    resolver = Resolver(internal_example=["10.0.0.7"])

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server), url, dest=dest, max_bytes=MAX, resolve=resolver
        )
    )

    assert error.code == "unsafe_url"
    assert message in error.message
    assert not error.retryable
    assert server.requests == []
    assert sleeps == []
    assert leftovers(dest.parent) == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:6379/",
        "http://[::1]/",
        "http://2130706433/",
        "http://localhost/",
        "http://internal.example/a.mp3",  # a name that resolves inside
        "gopher://music.example/_x",
    ],
)
def test_it_refuses_a_redirect_to_an_unsafe_place_and_writes_nothing(make_gateway, dest, location):
    server = Server({("music.example", "/a.mp3"): redirect(location)})
    resolver = Resolver(music_example=[PUBLIC_IP], internal_example=["10.0.0.7"])

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server), "https://music.example/a.mp3", dest=dest, max_bytes=MAX, resolve=resolver
        )
    )

    assert error.code == "unsafe_url"
    assert not error.retryable
    assert server.hosts == [PUBLIC_IP]  # only the first hop was ever sent
    assert leftovers(dest.parent) == []


def test_it_follows_a_chain_of_public_redirects_checking_each_hop(make_gateway, dest):
    server = Server(
        {
            ("music.example", "/a.mp3"): redirect("https://cdn.example:8443/x/b.mp3", 301),
            ("cdn.example:8443", "/x/b.mp3"): redirect("../final.mp3?token=1", 307),  # relative
            ("cdn.example:8443", "/final.mp3"): redirect("//files.example/c.mp3", 308),  # scheme-relative
            ("files.example", "/c.mp3"): audio(content_type="audio/wav"),
        }
    )
    resolver = Resolver(music_example=[PUBLIC_IP], cdn_example=[OTHER_PUBLIC_IP], files_example=[PUBLIC_V6])

    size, sha, content_type = download.fetch_public_for(
        make_gateway(server), "https://music.example/a.mp3", dest=dest, max_bytes=MAX, resolve=resolver
    )

    assert (size, content_type) == (len(AUDIO), "audio/wav")
    assert [(r.url.host, r.url.port, r.headers["host"], r.url.raw_path) for r in server.requests] == [
        (PUBLIC_IP, None, "music.example", b"/a.mp3"),
        (OTHER_PUBLIC_IP, 8443, "cdn.example:8443", b"/x/b.mp3"),
        (OTHER_PUBLIC_IP, 8443, "cdn.example:8443", b"/final.mp3?token=1"),
        (PUBLIC_V6, None, "files.example", b"/c.mp3"),
    ]
    assert [r.extensions["sni_hostname"] for r in server.requests] == [
        "music.example",
        "cdn.example",
        "cdn.example",
        "files.example",
    ]
    # Every hop was resolved (and vetted) on its own.
    assert resolver.calls == [
        ("music.example", 443),
        ("cdn.example", 8443),
        ("cdn.example", 8443),
        ("files.example", 443),
    ]
    assert all("Authorization" not in r.headers for r in server.requests)


def test_it_does_not_carry_cookies_from_one_hop_to_the_next(make_gateway, dest):
    server = Server(
        {
            ("music.example", "/a.mp3"): redirect(
                "https://cdn.example/b.mp3", **{"Set-Cookie": "s=1; Path=/"}
            ),
            ("cdn.example", "/b.mp3"): audio(),
        }
    )
    resolver = Resolver(music_example=[PUBLIC_IP], cdn_example=[PUBLIC_IP])  # one address, two sites

    download.fetch_public_for(
        make_gateway(server), "https://music.example/a.mp3", dest=dest, max_bytes=MAX, resolve=resolver
    )

    assert "Cookie" not in server.requests[1].headers


def test_it_stops_after_too_many_redirects(make_gateway, dest):
    server = Server({("music.example", "/loop.mp3"): redirect("/loop.mp3")})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/loop.mp3",
            dest=dest,
            max_bytes=MAX,
            max_redirects=3,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "too_many_redirects"
    assert not error.retryable
    assert len(server.requests) == 4  # the link and three redirects
    assert leftovers(dest.parent) == []


def test_it_follows_no_redirect_when_none_are_allowed(make_gateway, dest):
    server = Server({("music.example", "/a.mp3"): redirect("/b.mp3"), ("music.example", "/b.mp3"): audio()})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            max_redirects=0,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "too_many_redirects"
    assert len(server.requests) == 1


def test_it_refuses_a_redirect_without_a_location(make_gateway, dest):
    server = Server({("music.example", "/a.mp3"): httpx.Response(302)})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert (error.code, error.http_status, error.retryable) == ("bad_response", 302, False)
    assert leftovers(dest.parent) == []


# --- DNS rebinding ------------------------------------------------------------------------------


def test_a_rebinding_name_is_never_looked_up_again_for_the_connection(make_gateway, dest):
    # Public on the first answer, the metadata address on any later one.
    resolver = Resolver(music_example=[[PUBLIC_IP], ["169.254.169.254"]])
    server = Server({("music.example", "/a.mp3"): audio()})

    download.fetch_public_for(
        make_gateway(server), "https://music.example/a.mp3", dest=dest, max_bytes=MAX, resolve=resolver
    )

    assert server.hosts == [PUBLIC_IP]
    assert resolver.calls == [("music.example", 443)]  # the transport got an address, not the name


def test_a_rebinding_name_is_refused_when_a_redirect_makes_it_resolve_again(make_gateway, dest):
    resolver = Resolver(music_example=[[PUBLIC_IP], ["169.254.169.254"]])
    server = Server({("music.example", "/a.mp3"): redirect("/b.mp3"), ("music.example", "/b.mp3"): audio()})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server), "https://music.example/a.mp3", dest=dest, max_bytes=MAX, resolve=resolver
        )
    )

    assert error.code == "unsafe_url"
    assert server.hosts == [PUBLIC_IP]  # never the private address
    assert "169.254.169.254" not in server.hosts
    assert leftovers(dest.parent) == []


def test_a_retry_vets_the_link_afresh(make_gateway, dest, sleeps):
    # The first attempt fails with a 503; by the retry the name has been rebound inside.
    resolver = Resolver(music_example=[[PUBLIC_IP], ["10.0.0.7"]])
    server = Server({("music.example", "/a.mp3"): httpx.Response(503)})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server), "https://music.example/a.mp3", dest=dest, max_bytes=MAX, resolve=resolver
        )
    )

    assert error.code == "unsafe_url"
    assert server.hosts == [PUBLIC_IP]
    assert len(sleeps) == 1
