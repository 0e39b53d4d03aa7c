"""Shared fixtures: an owner, a stranger, their projects, and the built-in engine reached over HTTP."""

from __future__ import annotations

import os

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler

from songs import services, suno

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="correct-horse-battery")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user(username="mallory", password="correct-horse-battery")


@pytest.fixture
def project(owner):
    return services.project_create(owner=owner, name="Night Drive")


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
    suno.transport_override = httpx.WSGITransport(app=WSGIHandler())
    yield
    suno.transport_override = None


@pytest.fixture
def engine_key(settings) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {settings.ENGINE_API_KEY}"}


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download its own browser here."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": BROWSER_ARGS}


@pytest.fixture
def artifacts_dir():
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path
