"""Issue 9, item 7: the engine is mounted only when it is the gateway, its key is random (not derived
from SECRET_KEY), and of the private addresses it fetches only the studio's own upload links
(issue 19 item 12: public links are fetched; tests/engine/test_outbound.py)."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import importlib
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.urls import clear_url_caches, reverse

from engine.api import uploads
from engine.api.validation import RequestInvalid

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"


def _reload_urls():
    import studio.urls

    importlib.reload(studio.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_the_engine_is_not_mounted_when_a_real_gateway_is_configured(client, settings):
    settings.SUNO_BASE_URL = "https://gateway.example"
    settings.SUNO_API_KEY = "sk-real-gateway-key"
    _reload_urls()
    try:
        headers = {"HTTP_AUTHORIZATION": "Bearer sk-real-gateway-key"}
        response = client.post(
            "/suno/submit/lyrics", {"prompt": "x"}, content_type="application/json", **headers
        )
        assert response.status_code == 404
        assert client.get("/suno/fetch/abc", **headers).status_code == 404
    finally:
        settings.SUNO_BASE_URL = ""
        _reload_urls()


@pytest.mark.django_db
def test_the_engine_is_mounted_when_it_is_the_gateway(client, engine_key):
    _reload_urls()
    assert client.get("/suno/fetch/abc", **engine_key).status_code != 404


def _engine_key(var_dir: Path, **env) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SUNO_", "SECRET_KEY", "DJANGO_"))}
    environ.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="studio.settings", **env)
    result = subprocess.run(
        [sys.executable, "manage.py", "engine_key"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_engine_key_is_random_kept_beside_the_database_and_private(tmp_path):
    key = _engine_key(tmp_path)
    derived = hmac.new(DEV_SECRET.encode(), b"song-studio-built-in-engine", hashlib.sha256).hexdigest()
    assert key and key != derived
    key_file = tmp_path / "engine.key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _engine_key(tmp_path) == key  # stable across restarts
    assert _engine_key(tmp_path / "elsewhere") != key  # another install, another key


def test_the_engine_key_is_the_gateway_key_when_one_is_set(tmp_path):
    assert _engine_key(tmp_path, SUNO_API_KEY="sk-given") == "sk-given"
    assert not (tmp_path / "engine.key").exists()


def test_beside_a_real_gateway_the_engine_keeps_a_key_of_its_own(tmp_path):
    """The engine runs beside a real gateway too (make run): the real gateway's key is never its key."""
    key = _engine_key(tmp_path, SUNO_API_KEY="sk-real", SUNO_BASE_URL="https://gateway.example")
    assert key != "sk-real" and (tmp_path / "engine.key").read_text().strip() == key


@pytest.fixture
def studio_server(settings):
    """A stand-in for the studio on loopback: its upload link serves audio, anything else too."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (stdlib name)
            if self.path == "/u/to-admin":
                self.send_response(302)
                self.send_header("Location", "/admin/secret")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"RIFF-audio" if self.path.startswith("/u/") else b"internal secret"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SUNO_GATEWAY_URL = base  # the studio's own address, as when the engine is the gateway
    yield base
    server.shutdown()
    server.server_close()


def test_the_engine_fetches_the_studios_upload_links(studio_server):
    assert uploads.fetch_url(f"{studio_server}/u/some-signed-token")[0] == b"RIFF-audio"


@pytest.mark.parametrize(
    "path", ["/admin/secret", "/static/x.mp3", "/u/../admin/secret", "/u/%2e%2e/admin/secret", "/u/to-admin"]
)
def test_the_engine_refuses_anything_but_the_studios_upload_links(studio_server, path):
    with pytest.raises(RequestInvalid, match="private or local network address"):
        uploads.fetch_url(f"{studio_server}{path}")


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/u/x", "http://127.0.0.1:9/u/x", "http://[::1]:9/u/x"]
)
def test_the_engine_refuses_other_private_hosts(studio_server, url):
    with pytest.raises(RequestInvalid, match="private or local network address"):
        uploads.fetch_url(url)


def test_the_studio_upload_links_live_under_the_shared_prefix(settings):
    assert reverse("songs:upload_public", args=["tok"]).startswith(settings.UPLOAD_LINK_PATH)
