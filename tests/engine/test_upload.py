"""Uploads by URL (POST /sunoapi/uploads/audio-url): fetch, decode, analyse, then continue like any clip.

The endpoint tests replace the engine's one fetch function; the real one is tested against a tiny
stdlib HTTP server on 127.0.0.1 (loopback is allowed on purpose: the studio serves its files there).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from engine.api import uploads
from engine.api.validation import RequestInvalid
from engine.jobs import lifecycle, media, render, storage
from engine.music import arrange, composer
from tests.engine.helpers import fetch_task, post, url_path
from tests.engine.test_continue import SEED_CONTINUE

pytestmark = pytest.mark.django_db(transaction=True)

SR = storage.SAMPLE_RATE
SEED_UPLOAD_URL = "http://cdnimg.exbapp.com/ai/2024-06-18/d416d9c3c34eb22c7d8c094831d8dbd0.mp3"


@pytest.fixture(scope="module")
def song() -> composer.Song:
    return composer.compose(tags="pop", title="Upload", seed=21, instrumental=True, max_seconds=14.0)


@pytest.fixture(scope="module")
def wav(song) -> bytes:
    return media.encode_wav(song.audio, song.sample_rate)


@pytest.fixture(scope="module")
def mp3(song) -> bytes:
    return media.encode_mp3(song.audio, song.sample_rate)


@pytest.fixture(autouse=True)
def no_video(monkeypatch):
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)


@pytest.fixture
def serve(monkeypatch):
    """Make the engine's fetch answer (body, file name) for any URL; records the URLs asked for."""
    asked: list[str] = []

    def install(data: bytes, name: str = "my_song.mp3") -> list[str]:
        def fake_fetch(url: str) -> tuple[bytes, str]:
            asked.append(url)
            return data, name

        monkeypatch.setattr(uploads, "fetch_url", fake_fetch)
        return asked

    return install


def upload(client, headers, url: str = SEED_UPLOAD_URL):
    return post(client, "/sunoapi/uploads/audio-url", {"url": url}, headers)


def feed_one(client, headers, clip_id: str) -> dict:
    [clip] = client.get("/suno/v2/feed", {"ids": clip_id}, **headers).json()
    return clip


def test_the_seeds_upload_body_makes_a_complete_upload_clip_from_an_mp3(client, engine_key, serve, mp3, song):
    asked = serve(mp3, "d416d9c3c34eb22c7d8c094831d8dbd0.mp3")
    response = upload(client, engine_key)
    assert response.status_code == 200
    answer = response.json()
    assert answer == {
        "code": "success",
        "message": "",
        "data": answer["clip_id"],
        "clip_id": answer["clip_id"],
    }
    assert asked == [SEED_UPLOAD_URL]
    clip = feed_one(client, engine_key, answer["clip_id"])
    meta = clip["metadata"]
    assert clip["status"] == "complete" and clip["title"] == "d416d9c3c34eb22c7d8c094831d8dbd0"
    assert meta["type"] == "upload" and meta["tags"] == "" and meta["history"] is None
    assert meta["duration"] == pytest.approx(song.duration, abs=0.1)
    engine = meta["engine"]
    assert engine["bpm"] == pytest.approx(song.meta["bpm"], rel=0.03)
    assert engine["genre"] in composer.GENRES and engine["mode"] in ("major", "minor")
    assert clip["audio_url"] and clip["image_url"] and url_path(clip["video_url"]).endswith(".mp4")
    decoded, _ = media.decode_audio(
        client.get(clip["audio_url"].removeprefix("http://testserver")).getvalue()
    )
    assert len(decoded) / SR == pytest.approx(song.duration, abs=0.1)


def test_a_wav_upload_keeps_its_samples_and_takes_its_title_from_the_file_name(
    client, engine_key, serve, wav, song
):
    serve(wav, "Night Drive_demo.wav")
    clip_id = upload(client, engine_key, "https://example.com/x?y=1").json()["data"]
    clip = feed_one(client, engine_key, clip_id)
    assert clip["title"] == "Night Drive demo"
    assert np.abs(storage.load_audio(clip_id) - song.audio).max() < 1 / 16000
    engine = clip["metadata"]["engine"]
    key = (engine["key"], engine["mode"])
    pc = composer.NOTE_NAMES.index(song.meta["key"])
    relative = composer.NOTE_NAMES[(pc + 9) % 12] if song.meta["mode"] == "major" else None
    assert key in ((song.meta["key"], song.meta["mode"]), (relative, "minor"))
    # the upload is a one-clip UPLOAD task, fetchable like any task
    from engine.models import EngineClip

    task = fetch_task(client, EngineClip.objects.get(id=clip_id).task_id, engine_key)
    assert task["action"] == "UPLOAD" and task["status"] == "SUCCESS" and len(task["data"]) == 1


@pytest.mark.parametrize("mv", ["chirp-v3-5-upload", "chirp-v3-5"])
def test_an_uploaded_clip_continues_on_its_own_grid_tempo_and_key(client, engine_key, serve, wav, mv):
    serve(wav, "demo.wav")
    clip_id = upload(client, engine_key).json()["data"]
    uploaded = feed_one(client, engine_key, clip_id)
    body = {**SEED_CONTINUE, "tags": "", "mv": mv, "continue_clip_id": clip_id, "continue_at": 9.5}
    task = fetch_task(client, post(client, "/suno/submit/music", body, engine_key).json()["data"], engine_key)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    style = uploaded["metadata"]["engine"]
    for clip in task["data"]:
        meta = clip["metadata"]
        assert meta["history"][0]["type"] == "upload" and meta["audio_prompt_id"] == clip_id
        assert (meta["engine"]["bpm"], meta["engine"]["key"], meta["engine"]["mode"]) == (
            style["bpm"],
            style["key"],
            style["mode"],
        )
    source, part = storage.load_audio(clip_id), storage.load_audio(task["data"][0]["id"])
    bar = 240.0 / style["bpm"]
    join_at = arrange.next_bar_line(9.5, bar, render.local_bar_offset(source, 9.5, style["bpm"]))
    cut, join = arrange.samples(9.5, SR), arrange.samples(join_at, SR)
    assert np.array_equal(part[: join - cut], source[cut:join])
    assert task["data"][0]["metadata"]["engine"]["bar_offset"] == pytest.approx(join_at - 9.5, abs=1e-4)
    # the upload is a composer song, its bars start at 0: the new part's downbeat lands on one of them
    assert abs((join_at + bar / 2) % bar - bar / 2) < 0.03


def _refused(client, headers, url: str = SEED_UPLOAD_URL) -> str:
    response = upload(client, headers, url)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request", response.json()
    return response.json()["message"]


def test_upload_errors(client, engine_key, serve, wav, monkeypatch):
    serve(b"<html>this is not audio</html>" * 100, "page.html")
    assert "not an audio file" in _refused(client, engine_key)
    serve(wav[:200], "short.wav")  # a header and hardly any samples
    assert "not an audio file" in _refused(client, engine_key)
    monkeypatch.setattr(uploads, "MAX_UPLOAD_SECONDS", 5)
    serve(wav, "long.wav")
    assert "at most 5 s" in _refused(client, engine_key)
    for url in ("ftp://example.com/a.mp3", "file:///etc/passwd", "", "http://", "javascript:alert(1)"):
        assert "http" in _refused(client, engine_key, url), url
    response = post(client, "/sunoapi/uploads/audio-url", {}, engine_key)
    assert response.status_code == 400 and "url" in response.json()["message"]
    assert upload(client, {}).status_code == 401


# --- the real fetch, against a local server -----------------------------------------------------------------


@pytest.fixture
def local_server(wav, settings) -> Iterator[str]:
    """A stand-in for the studio: the engine fetches only its address (prefix "/" here: any path)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (stdlib name)
            if self.path.startswith("/song.wav"):
                self._send(200, wav, {"Content-Type": "audio/wav"})
            elif self.path == "/named":
                self._send(200, wav, {"Content-Disposition": 'attachment; filename="From Header.wav"'})
            elif self.path == "/chunked-big":
                self._send(200, b"\0" * 5000, {}, length=False)
            elif self.path == "/to-song":
                self._send(302, b"", {"Location": "/song.wav"})
            elif self.path == "/to-ftp":
                self._send(302, b"", {"Location": "ftp://127.0.0.1/song.wav"})
            else:
                self._send(404, b"no", {})

        def _send(self, code: int, body: bytes, headers: dict, length: bool = True) -> None:
            self.send_response(code)
            for name, value in headers.items():
                self.send_header(name, value)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PUBLIC_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.UPLOAD_LINK_PATH = "/"
    yield settings.PUBLIC_BASE_URL
    server.shutdown()
    server.server_close()


def test_fetch_url_reads_a_loopback_url_follows_redirects_and_names_the_file(local_server, wav):
    assert uploads.fetch_url(f"{local_server}/song.wav?x=1") == (wav, "song.wav")
    assert uploads.fetch_url(f"{local_server}/to-song") == (wav, "song.wav")
    assert uploads.fetch_url(f"{local_server}/named") == (wav, "From Header.wav")


def test_fetch_url_refuses_errors_non_http_redirects_and_big_files(local_server, monkeypatch):
    with pytest.raises(RequestInvalid, match="HTTP 404"):
        uploads.fetch_url(f"{local_server}/missing.mp3")
    with pytest.raises(RequestInvalid, match="non-http"):
        uploads.fetch_url(f"{local_server}/to-ftp")
    with pytest.raises(RequestInvalid, match="could not fetch"):
        uploads.fetch_url("http://127.0.0.1:9/nothing-listens-here.mp3")
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(RequestInvalid, match="50 MB"):
        uploads.fetch_url(f"{local_server}/song.wav")  # refused from its Content-Length
    with pytest.raises(RequestInvalid, match="larger than"):
        uploads.fetch_url(f"{local_server}/chunked-big")  # no length given: refused while reading


def test_the_endpoint_fetches_for_real_from_loopback(client, engine_key, local_server, song):
    answer = upload(client, engine_key, f"{local_server}/song.wav").json()
    assert answer["code"] == "success", answer
    clip = feed_one(client, engine_key, answer["clip_id"])
    assert clip["title"] == "song" and clip["metadata"]["duration"] == pytest.approx(song.duration, abs=0.01)
    assert "HTTP 404" in _refused(client, engine_key, f"{local_server}/gone.mp3")
