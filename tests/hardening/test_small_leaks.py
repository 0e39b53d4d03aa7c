"""Issue 19 item 11: invisible characters in file names, the language cookie, /health/'s gateway probe,
and the password-reset page."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from urllib.parse import unquote

import httpx
import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from songs import export
from songs.gateway import client as gateway_client
from songs.health import GATEWAY_VERDICT_KEY
from tests.factories import make_stored_clip, make_task
from tests.hardening.test_deployment import ROOT, _production_env

pytestmark = pytest.mark.django_db

SPOOF = "x\u202egpj.exe"  # shows as "xexe.jpg"
INVISIBLE = ("\u202e", "\u202a", "\u2066", "\u200b", "\u200d", "\ufeff", "\u200e")


# --- names ---


@pytest.mark.parametrize("title", [SPOOF, "a\u200bb\u200dc\ufeff", "\u2066evil\u2069.mp3", "\u200e"])
def test_a_file_name_keeps_no_bidi_or_zero_width_character(title):
    name = export.safe_name(title)
    assert not any(ch in name for ch in INVISIBLE)
    assert export.safe_name(SPOOF) == "xgpj.exe"


def test_the_zip_and_the_download_name_a_spoofing_title_plainly(owner_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"), title=SPOOF)

    response = owner_client.get(reverse("songs:clip_export", args=[clip.uid]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    download = owner_client.get(reverse("songs:clip_media", args=[clip.uid, "audio"]) + "?download=1")

    assert names and all(not any(ch in name for ch in INVISIBLE) for name in names)
    assert any(name.startswith("xgpj.exe/") for name in names)
    disposition = unquote(download["Content-Disposition"])
    assert "xgpj.exe.mp3" in disposition and not any(ch in disposition for ch in INVISIBLE)


# --- the language cookie ---


def test_the_language_cookie_follows_the_session_cookie_in_production(tmp_path):
    env = _production_env(tmp_path)
    env["SECRET_KEY"] = "a-production-key-for-this-test-only-" + "x1y2z3" * 5
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, "
        "s.LANGUAGE_COOKIE_SAMESITE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "True", "Lax"]


def test_the_language_switcher_sets_a_cookie_scripts_cannot_read(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie.value == "zh-hans" and cookie["httponly"] and cookie["samesite"] == "Lax"


# --- /health/ ---


@pytest.fixture
def probes(settings, engine_gateway):
    seen = []
    settings.SUNO_GATEWAY_URL = "http://gateway.test/"
    gateway_client.transport_override = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
    caches["ops"].delete(GATEWAY_VERDICT_KEY)
    yield seen
    caches["ops"].delete(GATEWAY_VERDICT_KEY)
    gateway_client.transport_override = None


def test_anonymous_health_calls_share_one_gateway_probe(client, settings, probes):
    settings.HEALTH_GATEWAY_CACHE_SECONDS = 15
    for _ in range(5):
        assert client.get("/health/", HTTP_ACCEPT="application/json").json()["Gateway"] == "OK"
    assert len(probes) == 1


def test_the_probe_runs_again_once_its_verdict_is_old(client, settings, probes):
    settings.HEALTH_GATEWAY_CACHE_SECONDS = 15
    client.get("/health/", HTTP_ACCEPT="application/json")
    caches["ops"].delete(GATEWAY_VERDICT_KEY)  # as when its 15 s are over
    client.get("/health/", HTTP_ACCEPT="application/json")
    assert len(probes) == 2


# --- password reset ---


def test_without_mail_there_is_no_password_reset_page(client, settings):
    settings.PASSWORD_RESET_ENABLED = False
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/", {"email": "a@example.com"}).status_code == 404
    assert mail.outbox == []


@pytest.fixture
def with_mail(settings, owner):
    settings.PASSWORD_RESET_ENABLED, settings.PASSWORD_RESET_RATE_LIMIT = True, 3
    owner.email = "alice@example.com"
    owner.save()
    caches["ops"].clear()
    yield
    caches["ops"].clear()


def test_password_resets_are_throttled_per_client_network(with_mail):
    client = Client(REMOTE_ADDR="2001:db8:5:6::1")
    assert client.get("/accounts/password_reset/").status_code == 200
    answers = [
        Client(REMOTE_ADDR=f"2001:db8:5:6::{n + 1:x}").post(
            "/accounts/password_reset/", {"email": f"u{n}@e.com"}
        )
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert "Too many password reset requests" in answers[-1].content.decode()


def test_password_resets_are_throttled_per_address_whoever_asks(with_mail):
    answers = [
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
            "/accounts/password_reset/", {"email": "alice@example.com"}
        )
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert len(mail.outbox) == 3  # never a fourth mail to alice
