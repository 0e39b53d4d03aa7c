"""Shared fixtures: an owner, a stranger, their projects, and the built-in engine reached over HTTP."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler

from scripts.livestudio import CHROMIUM, CHROMIUM_ARGS
from songs.gateway import Gateway
from songs.gateway import client as gateway_client
from songs.services import teams
from tests.standins.newapi import NewApiStandIn
from tests.standins.serving import serving

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

# The gateway client's tests talk to this made-up gateway through httpx.MockTransport.
GATEWAY_URL = "http://gateway.test"
GATEWAY_KEY = "sk-test-very-secret-key-123"


@pytest.fixture(scope="session", autouse=True)
def translations_compiled():
    """The .mo catalogs (not committed) are built from locale/*.po once per run, as `make test` does."""
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="correct-horse-battery")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user(username="mallory", password="correct-horse-battery")


@pytest.fixture
def project(owner):
    return teams.project_create(user=owner, name="Night Drive")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(client, stranger):
    client.force_login(stranger)
    return client


@pytest.fixture
def engine_gateway(settings):
    """The studio's client talking to the built-in engine through real HTTP semantics (WSGI), no mocks."""
    settings.SUNO_GATEWAY_URL = "http://testserver"
    gateway_client.transport_override = httpx.WSGITransport(app=WSGIHandler())
    yield
    gateway_client.transport_override = None


@pytest.fixture
def engine_key(settings) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {settings.ENGINE_API_KEY}"}


BROWSER_ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download its own browser here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": BROWSER_ARGS}


@pytest.fixture
def artifacts_dir():
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture
def member(django_user_model, project):
    """member("viewer") makes a user with that role in the project's team."""
    from songs.models import Membership

    def make(role: str, username: str | None = None):
        user = django_user_model.objects.create_user(
            username=username or f"{role}-user", password="pw-123456!"
        )
        Membership.objects.create(team=project.team, user=user, role=role)
        return user

    return make


@pytest.fixture
def viewer(member):
    return member("viewer")


@pytest.fixture
def editor(member):
    return member("editor")


@pytest.fixture
def client_for():
    """client_for(user) is a logged-in client of its own (None: anonymous), several per test."""
    from django.test import Client

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def no_real_network(monkeypatch):
    """For tests of network code: any real lookup or connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("tests must never touch the real network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff waits a gateway asked for, recorded instead of slept."""
    return []


@pytest.fixture
def make_gateway(sleeps: list[float]) -> Iterator[Callable[..., Gateway]]:
    """make_gateway(handler) is a client of the made-up gateway whose answers come from handler."""
    gateways: list[Gateway] = []

    def make(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> Gateway:
        kwargs.setdefault("sleep", sleeps.append)
        transport = httpx.MockTransport(handler)
        gateway = Gateway(base_url=GATEWAY_URL, api_key=GATEWAY_KEY, transport=transport, **kwargs)
        gateways.append(gateway)
        return gateway

    yield make
    for gateway in gateways:
        gateway.close()


# --- A stock new-api relay (tests/standins/newapi.py) in front of the built-in engine, both over HTTP ---

RELAY_KEY = "sk-newapi-standin-key-0123456789"


class Clock:
    """The relay's clock, moved by hand: its refresh cadence becomes exact in tests."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def relay_clock() -> Clock:
    return Clock()


@pytest.fixture
def newapi(live_server, settings, relay_clock) -> Iterator[NewApiStandIn]:
    """A stock new-api whose one Suno channel is the engine; it refreshes when the clock says 15 s passed."""
    app = NewApiStandIn(
        upstream_url=live_server.url,
        upstream_key=settings.ENGINE_API_KEY,
        key=RELAY_KEY,
        refresh_every=15.0,
        clock=relay_clock,
    )
    with serving(app) as url:
        app.url = url
        yield app


@pytest.fixture
def relay(newapi) -> Iterator[httpx.Client]:
    """A client of the relay, as the studio would be."""
    headers = {"Authorization": f"Bearer {RELAY_KEY}"}
    with httpx.Client(base_url=newapi.url, headers=headers, timeout=60) as client:
        yield client


@pytest.fixture(autouse=True)
def media_dns(monkeypatch):
    """Media hosts off the gateway's origin are vetted through DNS: here every name is a public
    address (no real lookups); tests of the guard put a fake DNS of their own in its place."""
    from songs.gateway import download

    def resolve(host, port, family=0, type=0, proto=0, flags=0):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(download, "media_resolve", resolve, raising=False)


@pytest.fixture
def fixed_ids(monkeypatch):
    """Task ids seed the music: fixed ids make a test hear the same, once-verified songs every run."""
    import itertools

    from engine.models import EngineClip, EngineTask

    counter = itertools.count(1)

    def next_id() -> str:
        return f"00000000-0000-4000-8000-{next(counter):012d}"

    for model in (EngineTask, EngineClip):
        # Django caches a field's default callable on first use (Field._get_default), so patch that.
        monkeypatch.setattr(model._meta.get_field("id"), "_get_default", next_id)
