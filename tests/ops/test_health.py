"""/health/: 200 when the database, broker, gateway, poller loop and queue are fine, 500 when one is not."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from django.db import OperationalError
from django.db.backends.sqlite3.base import DatabaseWrapper

from songs import monitor
from songs.gateway import client as gateway_client
from songs.management.commands.studio_poller import Command as Poller

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def healthy(engine_gateway, settings):
    """Everything up: the built-in engine answers as the gateway, the poller loop has just beaten."""
    monitor.poller_beat()
    yield
    monitor.poller_beat(now=0)


@pytest.fixture
def gateway_answers(settings):
    def install(handler):
        settings.SUNO_GATEWAY_URL = "http://gateway.test/v1?key=sk-secret-in-url"
        gateway_client.transport_override = httpx.MockTransport(handler)

    yield install
    gateway_client.transport_override = None


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ops", password="x", is_staff=True))
    return client


def test_it_answers_200_and_ok_for_every_check_when_all_is_well(client, healthy):
    response = client.get("/health/", **JSON)
    assert response.status_code == 200
    assert response.json() == {
        "Database(alias='default')": "OK",
        "Broker": "OK",
        "Gateway": "OK",
        "Poller": "OK",
        "Queue": "OK",
        "Processes": "OK",
    }


def test_it_serves_a_page_to_a_browser_and_text_to_a_script(client, healthy):
    assert client.get("/health/").status_code == 200
    text = client.get("/health/", HTTP_ACCEPT="text/plain")
    assert text.status_code == 200 and "Poller: OK" in text.content.decode()


def test_a_database_that_refuses_connections_is_reported_down(client, healthy, monkeypatch):
    def refuse(self, params):
        raise OperationalError("connection refused")

    # The check opens a connection of its own on another thread; the test's own stays usable.
    monkeypatch.setattr(DatabaseWrapper, "get_new_connection", refuse)
    response = client.get("/health/", **JSON)
    assert response.status_code == 500
    assert response.json()["Database(alias='default')"].startswith("Unavailable")


def test_a_broker_that_does_not_answer_is_reported_down(client, healthy, monkeypatch):
    class Down:
        def ping(self):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(monitor, "broker", Down)
    response = client.get("/health/", **JSON)
    assert response.status_code == 500
    assert response.json()["Broker"] == "Unavailable: details for staff only"
    assert response.json()["Database(alias='default')"] == "OK"


def test_an_unreachable_gateway_is_reported_down_without_its_address_or_key(
    staff_client, healthy, gateway_answers, settings
):
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    gateway_answers(refuse)
    response = staff_client.get("/health/", **JSON)
    assert response.status_code == 500
    assert (
        response.json()["Gateway"]
        == "Unavailable: the gateway is not reachable: cannot connect (ConnectError)"
    )
    body = response.content.decode()
    assert "gateway.test" not in body and "sk-secret" not in body and settings.SUNO_GATEWAY_KEY not in body


def test_a_gateway_answering_with_server_errors_is_down_but_a_404_root_is_up(
    client, healthy, gateway_answers
):
    gateway_answers(lambda request: httpx.Response(502, text="Bad Gateway"))
    assert client.get("/health/", **JSON).json()["Gateway"].startswith("Unavailable")
    gateway_answers(lambda request: httpx.Response(404, json={"error": "not found"}))
    assert client.get("/health/", **JSON).json()["Gateway"] == "OK"


def test_the_probe_sends_no_key_and_submits_nothing(client, healthy, gateway_answers):
    seen = []
    gateway_answers(lambda request: seen.append(request) or httpx.Response(200))
    client.get("/health/", **JSON)
    assert [(r.method, r.url.path) for r in seen] == [("GET", "/v1")]
    assert "authorization" not in seen[0].headers


def test_a_poller_loop_that_stopped_is_reported_down(client, healthy, settings):
    settings.HEALTH_POLLER_MAX_AGE = 60
    monitor.poller_beat(now=time.time() - 61)
    assert client.get("/health/", **JSON).status_code == 500
    monitor.poller_beat()
    assert client.get("/health/", **JSON).status_code == 200


def test_a_poller_loop_that_never_ran_is_reported_down_unless_the_check_is_off(client, healthy, settings):
    monitor.poller_beat(now=0)
    from django.core.cache import caches

    caches["ops"].delete(monitor.HEARTBEAT_KEY)
    assert client.get("/health/", **JSON).json()["Poller"].startswith("Unavailable")
    settings.HEALTH_POLLER_MAX_AGE = 0
    assert client.get("/health/", **JSON).status_code == 200


def test_each_cycle_of_the_poller_loop_records_a_heartbeat(healthy, monkeypatch):
    monitor.poller_beat(now=0)
    monkeypatch.setattr("songs.services.polling.poll_cycle", lambda gateway=None: None)
    Poller().cycle()
    assert time.time() - monitor.poller_last_beat() < 5


def test_a_long_queue_is_reported_only_when_a_limit_is_set(client, healthy, settings, monkeypatch):
    monkeypatch.setattr(monitor, "queue_depth", lambda: 500)
    assert client.get("/health/", **JSON).status_code == 200
    settings.HEALTH_QUEUE_MAX = 100
    response = client.get("/health/", **JSON)
    assert response.status_code == 500 and response.json()["Queue"].startswith("Warning")


def test_staff_see_the_reasons_and_anonymous_callers_only_the_verdicts(
    client, staff_client, healthy, monkeypatch
):
    monkeypatch.setattr(monitor, "queue_depth", lambda: 1 / 0)
    staff = staff_client.get("/health/", **JSON).json()["Queue"]
    assert staff == "Unavailable: the queue cannot be read (ZeroDivisionError)"
    client.logout()
    assert client.get("/health/", **JSON).json()["Queue"] == "Unavailable: details for staff only"


def _supervisor_wrote(settings, tmp_path, *, updated=None, **running):
    from studio.supervisor import Child, Supervisor

    class Up:
        pid = 4242

        def __init__(self, up):
            self.up = up

        def poll(self):
            return None if self.up else -9

    children = [Child(name, []) for name in running]
    for child in children:
        child.process = Up(running[child.name])
    path = tmp_path / "supervisor.json"
    Supervisor(children, status_path=path).status_write(force=True)
    if updated is not None:
        status = json.loads(path.read_text())
        status["updated"] = updated
        path.write_text(json.dumps(status))
    settings.SUPERVISOR_STATUS_FILE = str(path)


def test_a_process_the_supervisor_is_restarting_is_named(staff_client, healthy, settings, tmp_path):
    _supervisor_wrote(settings, tmp_path, web=True, worker=False, poller=True)
    response = staff_client.get("/health/", **JSON)
    assert response.status_code == 500
    assert response.json()["Processes"] == "Unavailable: not running, being restarted: worker"

    _supervisor_wrote(settings, tmp_path, web=True, worker=True, poller=True)
    assert staff_client.get("/health/", **JSON).status_code == 200


def test_a_supervisor_that_stopped_reporting_is_reported_down(staff_client, healthy, settings, tmp_path):
    _supervisor_wrote(settings, tmp_path, updated=time.time() - 120, web=True)
    assert "stopped reporting" in staff_client.get("/health/", **JSON).json()["Processes"]
