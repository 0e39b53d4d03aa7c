"""/metrics: Prometheus text for the monitoring system and staff only; numbers that move with the studio."""

from __future__ import annotations

import httpx
import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from prometheus_client.parser import text_string_to_metric_families

from songs import metrics, monitor
from songs.models import Clip, GenerationTask
from songs.services import copies, polling
from tests.factories import make_task, mock_gateway

pytestmark = pytest.mark.django_db


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def fetch_answer(request: httpx.Request, status="SUCCESS") -> httpx.Response:
    import json

    ids = json.loads(request.content)["ids"]
    tasks = [
        {
            "task_id": task_id,
            "action": "MUSIC",
            "status": status,
            "progress": "100%",
            "finish_time": 0,
            "data": [{"id": f"{task_id}-a", "status": "complete", "audio_url": "http://cdn.test/a.mp3"}],
        }
        for task_id in ids
    ]
    return httpx.Response(200, json={"code": "success", "message": "", "data": tasks})


# --- who may read it ---------------------------------------------------------------------------------


def test_it_answers_the_loopback_address(client):
    response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")


def test_it_refuses_other_addresses(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403


def test_it_answers_an_allowed_network(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics").status_code == 403


def test_it_refuses_a_request_that_came_through_a_proxy_even_from_loopback(client):
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 403


def test_staff_may_read_it_from_anywhere_but_other_users_may_not(client, django_user_model, owner):
    client.force_login(owner)
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    client.force_login(django_user_model.objects.create_user("ops", password="x", is_staff=True))
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 200


def test_the_token_opens_it_from_anywhere_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "scrape-token-123"
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-123", **remote).status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **remote).status_code == 403
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **remote).status_code == 403


# --- what it says --------------------------------------------------------------------------------------


def test_tasks_by_status_move_when_a_task_changes_status(client, project):
    before = scrape(client)
    task = make_task(project, status="running")
    during = scrape(client)
    assert (
        value(during, "studio_tasks", status="running") == value(before, "studio_tasks", status="running") + 1
    )
    GenerationTask.objects.filter(pk=task.pk).update(status="succeeded")
    after = scrape(client)
    assert value(after, "studio_tasks", status="running") == value(before, "studio_tasks", status="running")
    assert (
        value(after, "studio_tasks", status="succeeded")
        == value(before, "studio_tasks", status="succeeded") + 1
    )
    assert value(after, "studio_tasks", status="failed") == 0  # every status is there, even at zero


def test_tasks_by_status_is_one_query(project, django_assert_num_queries):
    make_task(project, status="running")
    make_task(project, status="queued")
    with django_assert_num_queries(1):
        counts = monitor.tasks_by_status()
    assert counts["running"] == 1 and counts["queued"] == 1 and counts["failed"] == 0


def test_queue_depth_counts_waiting_jobs(client):
    before = value(scrape(client), "studio_queue_depth")
    OrmQ.objects.create(key=Conf.CLUSTER_NAME, payload="job", lock=timezone.now())
    assert value(scrape(client), "studio_queue_depth") == before + 1


def test_a_poll_cycle_records_its_time_and_gateway_requests(client, project, settings):
    settings.POLL_BATCH_SIZE = 2
    for _ in range(3):
        make_task(project, status="running", next_poll_at=timezone.now())
    before = scrape(client)
    polling.poll_cycle(gateway=mock_gateway(lambda request: fetch_answer(request, status="IN_PROGRESS")))
    after = scrape(client)
    assert (
        value(after, "studio_poll_cycle_seconds_count")
        == value(before, "studio_poll_cycle_seconds_count") + 1
    )
    # Three due tasks in batches of two: two fetch requests.
    sent = value(after, "studio_poll_cycle_gateway_requests_sum") - value(
        before, "studio_poll_cycle_gateway_requests_sum"
    )
    assert sent == 2
    fetched = value(after, "studio_gateway_requests_total", kind="fetch") - value(
        before, "studio_gateway_requests_total", kind="fetch"
    )
    assert fetched == 2


def test_gateway_errors_are_counted_by_code(client, project):
    make_task(project, status="running", next_poll_at=timezone.now())
    before = value(scrape(client), "studio_gateway_errors_total", code="bad_response")
    down = mock_gateway(lambda request: httpx.Response(503, text="no available channel"))
    down.retry = type(down.retry)(max_retries=0)
    polling.poll_cycle(gateway=down)
    assert value(scrape(client), "studio_gateway_errors_total", code="bad_response") == before + 1


def test_error_codes_from_gateways_become_tidy_bounded_labels(monkeypatch):
    monkeypatch.setattr(metrics, "_codes_seen", set())
    assert metrics._code_label("Invalid Token: sk-..") == "invalid_token_sk"
    assert metrics._code_label("") == "unknown"
    for number in range(metrics.MAX_CODE_LABELS):
        metrics._code_label(f"code_{number}")
    assert metrics._code_label("one_too_many") == "other"


def test_a_stored_copy_records_the_time_since_the_gateway_finished(client, project, monkeypatch):
    task = make_task(project, status="succeeded", finished_at=timezone.now())
    clip = Clip.objects.create(
        project=project, task=task, upstream_id="c-1", status="complete", audio_url="http://cdn.test/c-1.mp3"
    )
    Clip.objects.filter(pk=clip.pk).update(media_state="pending")

    def download(gateway, url, *, dest, **kwargs):
        dest.write_bytes(b"ID3")
        return 3, "sha"

    monkeypatch.setattr(copies, "download_media", download)
    before = value(scrape(client), "studio_completion_to_stored_seconds_count")
    copies.clip_media_download(clip_pk=clip.pk, gateway=mock_gateway(lambda request: httpx.Response(404)))
    assert Clip.objects.get(pk=clip.pk).media_state == "stored"
    assert value(scrape(client), "studio_completion_to_stored_seconds_count") == before + 1


def test_the_gateways_own_finish_time_is_preferred():
    class Task:
        last_response = {"finish_time": 1_000}
        finished_at = None

    before = metrics.COMPLETION_TO_STORED._sum.get()
    metrics.copy_stored_observed(task=Task(), now=1_002.5)
    assert metrics.COMPLETION_TO_STORED._sum.get() == pytest.approx(before + 2.5)


def test_each_supervised_process_says_whether_it_runs(client, settings, tmp_path):
    from studio.supervisor import Child, Supervisor

    class Process:
        pid = 4242

        def __init__(self, code):
            self.code = code

        def poll(self):
            return self.code

    web, poller = Child("web", []), Child("poller", [])
    web.process, poller.process, poller.restarts = Process(None), Process(-9), 3
    settings.SUPERVISOR_STATUS_FILE = str(tmp_path / "supervisor.json")
    Supervisor([web, poller], status_path=tmp_path / "supervisor.json").status_write(force=True)

    samples = scrape(client)
    assert value(samples, "studio_process_up", role="web") == 1
    assert value(samples, "studio_process_up", role="poller") == 0
    assert value(samples, "studio_process_restarts", role="poller") == 3
