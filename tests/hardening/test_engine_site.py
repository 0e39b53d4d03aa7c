"""Issue 19, item 12: the built-in engine's own port (make run: ENGINE_PORT) serves only the gateway's
endpoints and media, through its own WSGI application (engine/wsgi.py), whether or not a real gateway is
configured; the studio's port serves the engine's paths only when the engine has no server of its own."""

from __future__ import annotations

import importlib

import httpx
import pytest
from django.urls import clear_url_caches

from engine.jobs import lifecycle
from engine.wsgi import application as engine_application
from tests.engine.helpers import SEED_CUSTOM

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def engine_port(settings):
    """The engine's own web server as `make run` starts it (gunicorn engine.wsgi:application)."""
    settings.ENGINE_MAX_SECONDS = 4.0
    with httpx.Client(
        transport=httpx.WSGITransport(app=engine_application), base_url="http://127.0.0.1:8001"
    ) as client:
        yield client


@pytest.fixture
def key(settings) -> dict:
    return {"Authorization": f"Bearer {settings.ENGINE_API_KEY}"}


@pytest.fixture(autouse=True)
def no_video(monkeypatch):
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/admin/", "/admin/login/", "/metrics", "/health/", "/", "/jsi18n/", "/u/x"]
)
def test_the_engine_port_serves_none_of_the_studio(engine_port, path, owner):
    response = engine_port.get(path)
    assert response.status_code == 404
    assert response.text == "404 page not found"  # a gateway's plain answer, no studio page or link
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies


def test_the_engine_port_refuses_the_studios_log_in(engine_port, owner):
    response = engine_port.post("/accounts/login/", data={"username": "ana", "password": "pw"})
    assert response.status_code == 404


def test_the_engine_port_serves_the_gateways_endpoints_and_media(engine_port, key):
    submitted = engine_port.post("/suno/submit/music", json=SEED_CUSTOM, headers=key).json()
    assert submitted["code"] == "success", submitted
    task = engine_port.get(f"/suno/fetch/{submitted['data']}", headers=key).json()["data"]
    assert task["status"] == "SUCCESS", task["fail_reason"]
    audio_url = task["data"][0]["audio_url"]
    assert audio_url.startswith("http://127.0.0.1:8001/suno/media/")  # links name the engine's own port
    media = engine_port.get(audio_url)
    assert media.status_code == 200 and media.headers["content-type"] == "audio/mpeg"
    assert media.headers["x-content-type-options"] == "nosniff"
    assert media.content[:3] == b"ID3" or media.content[0] == 0xFF  # an MP3 stream
    feed = engine_port.get(f"/suno/v2/feed?ids={task['data'][0]['id']}", headers=key).json()
    assert [clip["status"] for clip in feed] == ["complete"]


def test_the_engine_port_answers_in_the_gateways_shapes(engine_port, key):
    assert engine_port.get("/suno/fetch/nope").json() == {
        "error": {"message": "Invalid token (request id: engine)", "type": "new_api_error"}
    }
    answer = engine_port.post("/suno/submit/music", content=b"{not json", headers=key)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_request"
    unsigned = engine_port.get("/suno/media/abc.mp3")
    assert unsigned.status_code == 403


def test_the_engine_port_runs_beside_a_real_gateway(engine_port, settings):
    """The studio may use the built-in engine beside a real gateway: its port answers with its own key."""
    settings.SUNO_BASE_URL, settings.SUNO_API_KEY = "https://gateway.example", "sk-real-gateway-key"
    own = {"Authorization": f"Bearer {settings.ENGINE_API_KEY}"}
    answer = engine_port.post("/suno/submit/lyrics", json={"prompt": "rain"}, headers=own).json()
    assert answer["code"] == "success", answer


def _reload_urls():
    import studio.urls

    importlib.reload(studio.urls)
    clear_url_caches()


def test_with_a_port_of_its_own_the_engine_is_not_served_on_the_studios_port(client, settings):
    settings.ENGINE_PORT = 8001
    _reload_urls()
    try:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {settings.ENGINE_API_KEY}"}
        assert client.get("/suno/fetch/abc", **headers).status_code == 404
        assert client.get("/suno/v2/feed?ids=a", **headers).status_code == 404
    finally:
        settings.ENGINE_PORT = 0
        _reload_urls()


def test_with_a_port_of_its_own_the_engine_fetches_uploads_from_the_studios_port(settings):
    """The engine's port serves no /u/ links: the studio hands the engine links on its own server."""
    from songs.services.uploads import upload_link_base

    settings.SUNO_BASE_URL, settings.PUBLIC_BASE_URL = "", ""
    settings.PORT, settings.ENGINE_PORT = 8123, 8124
    settings.STUDIO_URL, settings.SUNO_GATEWAY_URL = "http://127.0.0.1:8123", "http://127.0.0.1:8124"
    assert upload_link_base() == "http://127.0.0.1:8123"
