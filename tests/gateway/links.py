"""Helpers for fetching a user's own link: a fake web server, fake DNS, and audio bytes."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from songs.gateway import GatewayError

PUBLIC_IP = "93.184.216.34"
OTHER_PUBLIC_IP = "151.101.1.69"
PUBLIC_V6 = "2606:2800:220:1::"
AUDIO = b"ID3" + bytes(range(256)) * 40
MAX = 100_000

Handler = Callable[[httpx.Request], httpx.Response]


pytestmark = pytest.mark.usefixtures("no_real_network")


class Resolver:
    """Fake DNS: each name has a list of answer sets, used in turn (the last one repeats)."""

    def __init__(self, **names: list[list[str]] | list[str]) -> None:
        self.names = {name.replace("_", "."): answers for name, answers in names.items()}
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        self.calls.append((host, port))
        answers = self.names.get(host)
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if answers and isinstance(answers[0], list):
            asked = sum(1 for name, _ in self.calls if name == host)
            answers = answers[min(asked, len(answers)) - 1]
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in answers
        ]


class Server:
    """The MockTransport handler: answers per (Host header, path) and records every request."""

    def __init__(self, routes: dict[tuple[str, str], httpx.Response | Handler]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.routes.get((request.headers["host"], request.url.path))
        if answer is None:
            return httpx.Response(404)
        return answer(request) if callable(answer) else answer

    @property
    def hosts(self) -> list[str]:
        return [request.url.host for request in self.requests]


def audio(body: bytes = AUDIO, content_type: str = "audio/mpeg", **kwargs: object) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": content_type}, **kwargs)


def redirect(location: str, status: int = 302, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location, **headers})


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def fails(call: Callable[[], object]) -> GatewayError:
    with pytest.raises(GatewayError) as info:
        call()
    return info.value
