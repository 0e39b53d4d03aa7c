"""Issue 18, item 5 (the engine's part): a task that ends is POSTed to the callback URL its request gave
(notify_hook, callBackUrl or callback_url), as the record reading it answers in its format; a few tries,
failures logged without secrets; private callback addresses refused like audio links.

The receiver is a local server on 127.0.0.1, reached because each test lists it in ENGINE_FETCH_ALLOW.
"""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from engine.api import callbacks
from engine.jobs import lifecycle
from tests.engine.helpers import SEED_CUSTOM, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_video_no_waits(monkeypatch):
    monkeypatch.setattr(lifecycle, "queue_video", lambda clip_id: None)
    monkeypatch.setattr(callbacks, "_sleep", lambda seconds: None)


@pytest.fixture
def receiver(settings) -> Iterator[dict]:
    """A callback receiver on loopback; answers[] are the statuses it gives in turn (then 200)."""
    got: dict = {"bodies": [], "answers": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (stdlib name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got["bodies"].append((self.path, self.headers["Content-Type"], json.loads(body)))
            status = got["answers"].pop(0) if got["answers"] else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    settings.ENGINE_FETCH_ALLOW = [f"127.0.0.1:{port}"]
    got["url"] = f"http://127.0.0.1:{port}"
    yield got
    server.shutdown()
    server.server_close()


def _without_signatures(value):
    """Media links carry an expiry and a signature made when the record is built: compare the rest."""
    if isinstance(value, dict):
        return {k: _without_signatures(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_signatures(v) for v in value]
    if isinstance(value, str) and "/suno/media/" in value:
        return urlsplit(value)._replace(query="").geturl()
    return value


def test_a_finished_task_posts_what_its_fetch_answers_to_its_notify_hook(client, engine_key, receiver):
    body = {**SEED_CUSTOM, "notify_hook": f"{receiver['url']}/hooks/suno?token=abc"}
    task_id = post(client, "/suno/submit/music", body, engine_key).json()["data"]

    fetched = client.get(f"/suno/fetch/{task_id}", **engine_key).json()
    assert fetched["data"]["status"] == "SUCCESS"
    [(path, content_type, sent)] = receiver["bodies"]
    assert path == "/hooks/suno?token=abc" and content_type == "application/json"
    assert _without_signatures(sent) == _without_signatures(fetched)
    assert sent["data"]["notify_hook"] == body["notify_hook"]  # echoed, as new-api's task objects do
    assert sent["data"]["data"][0]["audio_url"].startswith("http://testserver/suno/media/")


@pytest.mark.parametrize(
    "path, field", [("/suno/v2/generate", "callback_url"), ("/suno/generate", "callBackUrl")]
)
def test_the_feed_formats_post_what_their_feed_answers(client, engine_key, receiver, path, field):
    answer = post(client, path, {**SEED_CUSTOM, field: f"{receiver['url']}/cb"}, engine_key).json()
    ids = ",".join(clip["id"] for clip in answer["clips"])
    fed = client.get(f"/suno/v2/feed?ids={ids}", **engine_key).json()
    [(_, _, sent)] = receiver["bodies"]
    assert [clip["status"] for clip in sent] == ["complete", "complete"]
    assert _without_signatures(sent) == _without_signatures(fed)


def test_a_failed_task_is_called_back_too(client, engine_key, receiver, settings):
    settings.ENGINE_FAIL_RATE = 1.0
    body = {"prompt": "rain", "notify_hook": f"{receiver['url']}/cb"}
    task_id = post(client, "/suno/submit/lyrics", body, engine_key).json()["data"]
    [(_, _, sent)] = receiver["bodies"]
    assert sent["data"]["task_id"] == task_id and sent["data"]["status"] == "FAILURE"
    assert sent["data"]["fail_reason"] == "The engine was told to fail this song (ENGINE_FAIL_RATE)."


def test_a_receiver_that_fails_is_tried_three_times_then_left_to_polling(
    client, engine_key, receiver, caplog
):
    receiver["answers"] = [500, 503, 502]
    body = {"prompt": "rain", "notify_hook": f"{receiver['url']}/cb?token=s3cret-token"}
    with caplog.at_level(logging.INFO, logger="engine.api.callbacks"):
        answer = post(client, "/suno/submit/lyrics", body, engine_key).json()
    assert answer["code"] == "success" and len(receiver["bodies"]) == 3
    assert client.get(f"/suno/fetch/{answer['data']}", **engine_key).json()["data"]["status"] == "SUCCESS"
    assert "given up" in caplog.text and "HTTP 502" in caplog.text
    assert "s3cret-token" not in caplog.text and "/cb" not in caplog.text  # the host only


def test_a_receiver_that_recovers_gets_the_record_once(client, engine_key, receiver):
    receiver["answers"] = [500]
    body = {"prompt": "rain", "notify_hook": f"{receiver['url']}/cb"}
    post(client, "/suno/submit/lyrics", body, engine_key)
    assert len(receiver["bodies"]) == 2 and receiver["bodies"][0][2] == receiver["bodies"][1][2]


@pytest.mark.parametrize(
    "hook",
    [
        "http://10.0.0.8/cb",
        "http://192.168.0.2:8080/cb",
        "http://169.254.169.254/latest",
        "http://[::1]:8000/cb",
        "http://localhost:8000/cb",
        "ftp://example.com/cb",
        "not a url",
    ],
)
def test_a_private_or_malformed_callback_address_is_refused_at_submit(client, engine_key, hook):
    response = post(client, "/suno/submit/lyrics", {"prompt": "rain", "notify_hook": hook}, engine_key)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    assert "notify_hook" in response.json()["message"]


def test_a_name_that_resolves_to_a_private_address_is_never_called(client, engine_key, monkeypatch, caplog):
    from engine.jobs import outbound

    monkeypatch.setattr(outbound, "_resolve", lambda host, port: ["10.0.0.9"])
    connects = []
    monkeypatch.setattr(outbound.socket, "create_connection", lambda *a, **k: connects.append(a))
    body = {"prompt": "rain", "callback_url": "http://hooks.example/cb"}
    with caplog.at_level(logging.WARNING, logger="engine.api.callbacks"):
        answer = post(client, "/suno/submit/lyrics", body, engine_key).json()
    assert answer["code"] == "success" and connects == []
    assert "refused" in caplog.text and "private" in caplog.text


def test_a_task_without_a_callback_queues_none(client, engine_key, receiver):
    post(client, "/suno/submit/lyrics", {"prompt": "rain"}, engine_key)
    assert receiver["bodies"] == []
