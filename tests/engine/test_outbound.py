"""Issue 19, item 12: the engine fetches any public audio link as a real gateway does, and refuses private
and local network addresses (redirects and DNS answers included) with the protocol's error shape.

No traffic leaves this machine: the local audio server listens on 127.0.0.1 and is reached either because
the test lists it in ENGINE_FETCH_ALLOW, or because a public address is routed to it by replacing the
network (the resolver and the socket's connect) and nothing else.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from engine.jobs import lifecycle, media, outbound
from engine.music import composer
from tests.engine.helpers import post

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_IP = "93.184.216.34"  # a public address: the test routes it to the local server, never out


@pytest.fixture(scope="module")
def wav() -> bytes:
    song = composer.compose(tags="pop", title="Up", seed=5, instrumental=True, max_seconds=3.0)
    return media.encode_wav(song.audio, song.sample_rate)


@pytest.fixture(autouse=True)
def no_video(monkeypatch):
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


@pytest.fixture
def audio_server(wav) -> Iterator[dict]:
    """An audio host on loopback; records the Host header of every request it answers."""
    seen: dict = {"hosts": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (stdlib name)
            seen["hosts"].append(self.headers.get("Host"))
            redirects = {"/to-private": "http://10.0.0.7/song.wav", "/to-metadata": "http://169.254.169.254/"}
            redirects["/to-other-port"] = "http://127.0.0.1:9/song.wav"
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(wav)))
            self.end_headers()
            self.wfile.write(wav)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen["port"] = server.server_address[1]
    seen["url"] = f"http://127.0.0.1:{seen['port']}"
    yield seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def network(monkeypatch, audio_server):
    """The network replaced: names resolve as the test says; connecting to PUBLIC_IP reaches the local
    audio server; every connection attempt is recorded (a refused address must never be connected to)."""
    names: dict[str, list[str]] = {}
    connects: list[tuple[str, int]] = []
    real_connect, real_resolve = socket.create_connection, outbound._resolve

    def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return names[host]
        assert host in ("localhost",) or host[0].isdigit() or ":" in host, f"a test tried to resolve {host}"
        return real_resolve(host, port)  # literal addresses and localhost (the hosts file): no traffic

    def connect(address, timeout=None):
        connects.append(address)
        ip, port = address
        if ip == PUBLIC_IP:
            return real_connect(("127.0.0.1", audio_server["port"]), timeout=timeout)
        assert ip in ("127.0.0.1", "::1"), f"a test tried to reach {ip}"
        return real_connect(address, timeout=timeout)

    monkeypatch.setattr(outbound, "_resolve", resolve)
    monkeypatch.setattr(outbound.socket, "create_connection", connect)
    return {"names": names, "connects": connects}


def upload(client, engine_key, url: str) -> dict:
    return post(client, "/sunoapi/uploads/audio-url", {"url": url}, engine_key).json()


def test_it_fetches_a_public_audio_link_connecting_to_the_address_it_checked(
    client, engine_key, network, audio_server
):
    network["names"]["audio.example"] = [PUBLIC_IP]
    answer = upload(client, engine_key, f"http://audio.example:{audio_server['port']}/demo.wav")
    assert answer["code"] == "success", answer
    assert network["connects"] == [(PUBLIC_IP, audio_server["port"])]  # the vetted address, not the name
    assert audio_server["hosts"] == [f"audio.example:{audio_server['port']}"]  # as any web host expects


def test_it_fetches_from_a_private_address_the_operator_allowed(client, engine_key, settings, audio_server):
    settings.ENGINE_FETCH_ALLOW = [f"127.0.0.1:{audio_server['port']}"]
    answer = upload(client, engine_key, f"{audio_server['url']}/demo.wav")
    assert answer["code"] == "success", answer


PRIVATE_REFUSAL = {
    "code": "invalid_request",
    "message": "could not fetch the url: it points to a private or local network address.",
    "data": None,
}


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/song.mp3",
        "http://192.168.1.20/song.mp3",
        "http://172.16.5.4/song.mp3",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/song.mp3",
        "http://[fd00::1]/song.mp3",
        "http://[::ffff:10.0.0.1]/song.mp3",
        "http://localhost:8000/song.mp3",
        "http://2130706433/song.mp3",  # 127.0.0.1 as one number
        "http://0x7f.1/song.mp3",
        "http://0.0.0.0:8000/song.mp3",
    ],
)
def test_it_refuses_private_addresses_without_connecting(client, engine_key, network, url):
    response = post(client, "/sunoapi/uploads/audio-url", {"url": url}, engine_key)
    assert response.status_code == 400 and response.json() == PRIVATE_REFUSAL
    assert network["connects"] == []


def test_it_refuses_a_name_that_resolves_to_a_private_address(client, engine_key, network):
    network["names"]["nas.example"] = ["192.168.1.10"]
    network["names"]["mixed.example"] = [PUBLIC_IP, "10.0.0.3"]  # one private answer is enough
    assert upload(client, engine_key, "http://nas.example/a.mp3") == PRIVATE_REFUSAL
    assert upload(client, engine_key, "http://mixed.example/a.mp3") == PRIVATE_REFUSAL
    assert network["connects"] == []


def test_the_allow_list_opens_only_what_it_names(client, engine_key, settings, network, audio_server):
    settings.ENGINE_FETCH_ALLOW = [f"127.0.0.1:{audio_server['port']}"]
    assert upload(client, engine_key, "http://127.0.0.1:9/song.wav") == PRIVATE_REFUSAL  # another port
    assert upload(client, engine_key, "http://10.0.0.1/song.wav") == PRIVATE_REFUSAL
    for path in ("/to-private", "/to-metadata", "/to-other-port"):  # nor where an allowed host redirects
        assert upload(client, engine_key, f"{audio_server['url']}{path}") == PRIVATE_REFUSAL
    assert all(ip == "127.0.0.1" and port == audio_server["port"] for ip, port in network["connects"])


def test_a_public_host_cannot_redirect_the_engine_into_the_private_network(
    client, engine_key, network, audio_server
):
    network["names"]["cdn.example"] = [PUBLIC_IP]
    answer = upload(client, engine_key, f"http://cdn.example:{audio_server['port']}/to-metadata")
    assert answer == PRIVATE_REFUSAL
    assert network["connects"] == [(PUBLIC_IP, audio_server["port"])]


@pytest.mark.parametrize(
    "entry, allowed",
    [("10.0.0.0/8", True), ("10.1.2.3", True), ("10.1.2.3:8080", True), ("10.1.2.3:80", False), ("x", False)],
)
def test_allow_list_entries_name_an_address_or_network_and_maybe_a_port(settings, entry, allowed):
    settings.ENGINE_FETCH_ALLOW = [entry]
    assert outbound._listed("10.1.2.3", 8080) is allowed


def test_the_default_allow_list_is_empty(settings):
    from studio import settings as studio_settings

    assert studio_settings.ENGINE_FETCH_ALLOW == []  # production opens no private address
