"""fetch_public: size and type limits, failures and retries. MockTransport and fake DNS only."""

from __future__ import annotations

import logging

import httpx
import pytest

from songs.gateway import download
from tests.gateway.links import (
    AUDIO,
    MAX,
    OTHER_PUBLIC_IP,
    PUBLIC_IP,
    Resolver,
    Server,
    audio,
    fails,
    leftovers,
    redirect,
)

# --- Size and type ------------------------------------------------------------------------------


def test_it_refuses_a_declared_oversize_body_and_leaves_nothing(make_gateway, dest):
    big = b"x" * 2000
    server = Server({("music.example", "/a.mp3"): audio(big)})  # Content-Length: 2000

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=1000,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "too_large"
    assert not error.retryable
    assert leftovers(dest.parent) == []


def test_it_refuses_a_streamed_oversize_body_and_leaves_nothing(make_gateway, dest):
    def endless(request: httpx.Request) -> httpx.Response:
        chunks = iter([b"x" * 600, b"x" * 600, b"x" * 600])  # no Content-Length: chunked
        return httpx.Response(200, content=chunks, headers={"Content-Type": "audio/mpeg"})

    server = Server({("music.example", "/a.mp3"): endless})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=1000,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "too_large"
    assert "Content-Length" not in server.requests[0].headers
    assert leftovers(dest.parent) == []


def test_it_takes_a_body_of_exactly_max_bytes(make_gateway, dest):
    server = Server({("music.example", "/a.mp3"): audio(b"x" * 1000)})

    size, _, _ = download.fetch_public_for(
        make_gateway(server),
        "https://music.example/a.mp3",
        dest=dest,
        max_bytes=1000,
        resolve=Resolver(music_example=[PUBLIC_IP]),
    )

    assert size == 1000


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "application/json", "image/png", "", "audio/"]
)
def test_it_refuses_what_is_not_audio(make_gateway, dest, content_type):
    server = Server({("music.example", "/a.mp3"): audio(b"<html>", content_type=content_type)})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "not_audio"
    assert not error.retryable
    assert leftovers(dest.parent) == []


@pytest.mark.parametrize("path", ["/a.mp3", "/A.MP3", "/dir/b.wav"])
def test_it_accepts_octet_stream_for_an_mp3_or_wav_path(make_gateway, dest, path):
    server = Server({("music.example", path): audio(content_type="application/octet-stream")})

    _, _, content_type = download.fetch_public_for(
        make_gateway(server),
        f"https://music.example{path}",
        dest=dest,
        max_bytes=MAX,
        resolve=Resolver(music_example=[PUBLIC_IP]),
    )

    assert content_type == "application/octet-stream"


@pytest.mark.parametrize("path", ["/download.php", "/a.mp3.exe", "/a"])
def test_it_refuses_octet_stream_for_other_paths(make_gateway, dest, path):
    server = Server({("music.example", path): audio(content_type="application/octet-stream")})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            f"https://music.example{path}",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "not_audio"


def test_the_octet_stream_path_is_the_final_hops(make_gateway, dest):
    server = Server(
        {
            ("music.example", "/song.mp3"): redirect("https://music.example/download?id=7"),
            ("music.example", "/download"): audio(content_type="application/octet-stream"),
        }
    )

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/song.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "not_audio"


def test_it_honours_narrower_allowed_types(make_gateway, dest):
    server = Server({("music.example", "/a.wav"): audio(content_type="audio/wav")})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/a.wav",
            dest=dest,
            max_bytes=MAX,
            allowed_types=("audio/mpeg",),
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert error.code == "not_audio"


# --- Failures and retries -----------------------------------------------------------------------


@pytest.mark.parametrize("status, code", [(404, "not_found"), (403, "forbidden"), (410, "http_410")])
def test_it_does_not_retry_a_missing_or_forbidden_file(make_gateway, dest, sleeps, status, code):
    server = Server({("music.example", "/a.mp3"): httpx.Response(status)})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert (error.code, error.http_status, error.retryable) == (code, status, False)
    assert sleeps == []


def test_it_retries_a_5xx_and_a_broken_stream_then_succeeds(make_gateway, dest, sleeps):
    answers = iter(["503", "broken", "ok"])

    def flaky(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == "503":
            return httpx.Response(503)
        if answer == "broken":

            def stream():
                yield b"ID3"
                raise httpx.ReadError("connection reset")

            return httpx.Response(200, content=stream(), headers={"Content-Type": "audio/mpeg"})
        return audio()

    server = Server({("music.example", "/a.mp3"): flaky})

    size, _, _ = download.fetch_public_for(
        make_gateway(server),
        "https://music.example/a.mp3",
        dest=dest,
        max_bytes=MAX,
        resolve=Resolver(music_example=[PUBLIC_IP]),
    )

    assert size == len(AUDIO)
    assert len(sleeps) == 2
    assert leftovers(dest.parent) == ["mine.mp3"]


def test_it_reports_an_unreachable_host_as_retryable_after_its_retries(make_gateway, dest, sleeps):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused")

    server = Server({("music.example", "/a.mp3"): down})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server, max_retries=1),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP, OTHER_PUBLIC_IP]),
        )
    )

    assert (error.code, error.retryable) == ("network", True)
    assert server.hosts == [PUBLIC_IP, OTHER_PUBLIC_IP] * 2  # both addresses, two attempts
    assert len(sleeps) == 1
    assert leftovers(dest.parent) == []


def test_it_reports_a_read_timeout_as_retryable(make_gateway, dest):
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    server = Server({("music.example", "/a.mp3"): slow})

    error = fails(
        lambda: download.fetch_public_for(
            make_gateway(server, max_retries=0),
            "https://music.example/a.mp3",
            dest=dest,
            max_bytes=MAX,
            resolve=Resolver(music_example=[PUBLIC_IP]),
        )
    )

    assert (error.code, error.retryable) == ("timeout", True)
    assert len(server.requests) == 1  # a timeout after sending is not a reason to try another address


def test_it_logs_the_path_but_not_the_host_or_query(make_gateway, dest, caplog):
    server = Server({("music.example", "/a.mp3"): httpx.Response(404)})

    with caplog.at_level(logging.WARNING, logger="songs.suno"):
        fails(
            lambda: download.fetch_public_for(
                make_gateway(server),
                "https://music.example/a.mp3?sig=secret-token",
                dest=dest,
                max_bytes=MAX,
                resolve=Resolver(music_example=[PUBLIC_IP]),
            )
        )

    [record] = caplog.records
    assert "GET /a.mp3" in record.getMessage()
    assert "secret-token" not in caplog.text
    assert "code=not_found" in record.getMessage()
