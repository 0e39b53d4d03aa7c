"""Issue 19 item 10: signed media links and tokens never reach a log, and the engine's media links are
short-lived bearer links (an hour, rounded up to the next hour), not a day."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from engine.api import medialinks
from studio.logredact import redact
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("sig=0123abcd", "tok3n-SECRET", "X-Amz-Signature=feedface")


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /suno/media/c1.mp3?exp=1700000000&sig=0123abcd HTTP/1.1",
            "GET /suno/media/c1.mp3?exp=<redacted>&sig=<redacted> HTTP/1.1",
        ),
        ("Not Found: /u/tok3n-SECRET", "Not Found: /u/<token>"),
        (
            "https://studio.example/s/tok3n-SECRET/media/x/audio",
            "https://studio.example/s/<token>/media/x/audio",
        ),
        ("/invites/tok3n-SECRET/", "/invites/<token>/"),
        ("/library/?q=rain&page=2", "/library/?q=<redacted>&page=<redacted>"),
        ("/projects/4/songs/", "/projects/4/songs/"),
    ],
)
def test_it_cuts_tokens_and_query_values_out_of_a_line(text, expected):
    assert redact(text) == expected


@pytest.mark.django_db
def test_djangos_request_warnings_name_no_upload_token(client):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(f.__class__.__name__ == "RedactFilter" for f in h.filters)
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        assert client.get("/u/tok3n-SECRET").status_code == 404
        assert client.get("/suno/media/c1.mp3?exp=1&sig=0123abcd").status_code in (403, 404)
    finally:
        handler.setStream(old)
    logged = stream.getvalue()
    assert "Not Found: /u/<token>" in logged and leaks(logged) == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answered(request: urllib.request.Request) -> bool:
    try:
        urllib.request.urlopen(request, timeout=30).close()
    except urllib.error.HTTPError:
        pass  # an answer all the same: the access log has its line
    except urllib.error.URLError:  # the worker is still starting
        return False
    return True


def test_the_production_gunicorn_access_log_holds_no_signed_link_or_token(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SUNO_", "REDIS_URL"))}
    env.update(HOST="127.0.0.1", PORT=str(port), VAR_DIR=str(tmp_path), WEB_WORKERS="1", WEB_THREADS="2")
    # The production config runs with DEBUG off, which refuses the public development key.
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    # As deployed: a migrated database and collected static files (the error pages read both).
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "studio.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            until(lambda: "Booting worker" in log.read_text() or server.poll() is not None, what="gunicorn")
            assert server.poll() is None, log.read_text()
            asked = [
                "/u/tok3n-SECRET",
                "/suno/media/c1.mp3?exp=1700000000&sig=0123abcd",
                "/accounts/login/?next=/s/tok3n-SECRET/&X-Amz-Signature=feedface",
            ]
            for path in asked:
                request = urllib.request.Request(base + path, headers={"Referer": f"{base}/s/tok3n-SECRET/"})
                until(lambda request=request: _answered(request), what=f"gunicorn answering {path}")
            until(lambda: len(re.findall(r'"GET ', log.read_text())) >= len(asked), what="the access log")
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = log.read_text()
    assert '"GET /u/<token> HTTP/1.1"' in lines and "sig=<redacted>" in lines
    assert leaks(lines) == [], lines


def test_engine_media_links_last_an_hour_or_two_not_a_day(settings):
    settings.ENGINE_MEDIA_TTL = medialinks.DEFAULT_TTL_S
    assert settings.ENGINE_MEDIA_TTL == medialinks.DEFAULT_TTL_S
    now = 1_700_000_000
    expires = medialinks.expiry(now)
    assert 3600 <= expires - now <= 2 * 3600
    path = medialinks.signed_path("c1", "mp3", now=now)
    signature = path.rsplit("sig=", 1)[1]
    assert medialinks.is_valid("c1", "mp3", expires=str(expires), signature=signature, now=now + 3500)
    assert not medialinks.is_valid(
        "c1", "mp3", expires=str(expires), signature=signature, now=now + 2 * 3600 + 1
    )
