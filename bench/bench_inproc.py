"""In-process benchmarks on a throw-away database: the poll cycle and the project page.

- Poll cycle at N tasks in progress and N finished: ``songs.services.polling.poll_cycle`` against a fake
  gateway (``httpx.MockTransport`` speaking the task format), requests counted by a transport wrapper,
  queries by a database execute wrapper, wall time around the one cycle.
- The project page with 1,000 clips: p50 of the full request (middleware, view, template) through
  Django's test client, its HTML size and query count.

Run by bench/bench_all.py with DATABASE_URL (and REDIS_URL) set to a database it migrated.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

from common import django_setup, emit, load1, median

django_setup()

import httpx  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from songs.gateway import Gateway  # noqa: E402
from songs.models import Clip, GenerationTask, Project  # noqa: E402
from songs.monitor import broker  # noqa: E402
from songs.services import polling, teams  # noqa: E402

PAYLOAD = {"prompt": "[Verse]\nla la", "tags": "pop", "mv": "chirp-v3-5", "title": "Song"}


class Counting(httpx.BaseTransport):
    """Counts the requests that reach the (fake) gateway and notes when a task is fetched a second time.

    A cycle fetches until nothing is due; tasks it polled become due again 2 s later, so a slow cycle
    goes round again: the first pass ends where the first re-poll starts. Past `cap` seconds the gateway
    stops answering, which ends the cycle.
    """

    def __init__(self, inner: httpx.BaseTransport, queries: dict, cap: float):
        self.inner, self.queries, self.cap = inner, queries, cap
        self.requests, self.seen, self.first_pass = 0, set(), None
        self.started = time.perf_counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        elapsed = time.perf_counter() - self.started
        if elapsed > self.cap:
            raise httpx.ConnectError("bench: cycle cap reached", request=request)
        if request.url.path.endswith("/v2/feed"):  # clip ids: "<task>-0", "<task>-1"
            ids = [i.rsplit("-", 1)[0] for i in request.url.params.get("ids", "").split(",") if i]
        else:
            ids = json.loads(request.content)["ids"]
        if self.first_pass is None and self.seen.intersection(ids):
            self.first_pass = (elapsed, self.requests, self.queries["n"])
        self.seen.update(ids)
        self.requests += 1
        return self.inner.handle_request(request)


def fake_gateway(finished: bool, latency: float = 0.0) -> httpx.MockTransport:
    """A gateway in both formats: the task format's ``POST /suno/fetch`` and the v2 feed's
    ``GET /suno/v2/feed?ids=...`` (clip ids), each answering after ``latency`` seconds."""

    def clip(clip_id: str) -> dict:
        return {
            "id": clip_id,
            "status": "complete" if finished else "streaming",
            "title": "City Lights",
            "audio_url": f"http://cdn.bench/{clip_id}.mp3",
            "image_url": f"http://cdn.bench/{clip_id}.jpeg",
            "model_name": "chirp-v3",
            "metadata": {"tags": "pop", "prompt": "[Verse]\nla", "duration": 30.0 if finished else None},
        }

    def handler(request: httpx.Request) -> httpx.Response:
        if latency:
            time.sleep(latency)
        if request.url.path.endswith("/v2/feed"):
            ids = [i for i in request.url.params.get("ids", "").split(",") if i]
            return httpx.Response(200, json=[clip(clip_id) for clip_id in ids])
        ids = json.loads(request.content)["ids"]
        tasks = [
            {
                "task_id": task_id,
                "action": "MUSIC",
                "status": "SUCCESS" if finished else "IN_PROGRESS",
                "fail_reason": "",
                "progress": "100%" if finished else "50%",
                "submit_time": int(time.time()) - 20,
                "start_time": int(time.time()) - 19,
                "finish_time": int(time.time()) if finished else 0,
                "data": [clip(f"{task_id}-0"), clip(f"{task_id}-1")],
            }
            for task_id in ids
        ]
        return httpx.Response(200, json={"code": "success", "message": "", "data": tasks})

    return httpx.MockTransport(handler)


@contextmanager
def counted_queries():
    counter = {"n": 0}

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter


def reset() -> None:
    Clip.objects.all().delete()
    GenerationTask.objects.all().delete()
    broker().purge_queue()  # media jobs the finished answers enqueued: no worker runs here


def _upstream_id(api_format: str) -> str:
    """A task id as the format makes them: the task format's own, or a v2 generation with its two clips."""
    task_id = f"up-{uuid.uuid4()}"
    return f"v2:{task_id}:{task_id}-0,{task_id}-1" if api_format == "v2" else task_id


def tasks_make(project: Project, count: int, api_format: str = "task") -> None:
    now = timezone.now()
    GenerationTask.objects.bulk_create(
        GenerationTask(
            project=project,
            action="MUSIC",
            mode="custom",
            request_payload=PAYLOAD,
            status="running",
            upstream_id=_upstream_id(api_format),
            submitted_at=now - timezone.timedelta(seconds=20),
            next_poll_at=now - timezone.timedelta(seconds=1),
        )
        for _ in range(count)
    )


def poll_cycle_once(
    project: Project, count: int, finished: bool, cap: float, api_format: str = "task", latency: float = 0.0
) -> dict:
    reset()
    tasks_make(project, count, api_format)
    with counted_queries() as queries:
        # Finished tasks are fetched once each, so only a cycle of tasks in progress needs a cap.
        transport = Counting(fake_gateway(finished, latency), queries, float("inf") if finished else cap)
        gateway = Gateway(
            base_url="http://gateway.bench",
            api_key="bench",
            api_format=api_format,
            transport=transport,
            max_retries=0,
        )
        with gateway:
            started = time.perf_counter()
            polling.poll_cycle(gateway=gateway)
            seconds = time.perf_counter() - started
    first = transport.first_pass or (seconds, transport.requests, queries["n"])
    return {
        "n": count,
        "kind": ("finished" if finished else "in progress")
        + (f", {api_format}" if api_format != "task" else "")
        + (f", {latency * 1000:.0f} ms" if latency else ""),
        "seconds": seconds,
        "requests": transport.requests,
        "queries": queries["n"],
        "capped": seconds > cap,
        "first_pass": dict(zip(("seconds", "requests", "queries"), first, strict=True)),
        "ingested": GenerationTask.objects.filter(polls__gte=1).count(),
        "load1": load1(),
    }


def clips_make(project: Project, count: int) -> None:
    reset()
    now = timezone.now()
    tasks = GenerationTask.objects.bulk_create(
        GenerationTask(
            project=project,
            action="MUSIC",
            mode="custom",
            request_payload=PAYLOAD,
            status="succeeded",
            upstream_id=f"up-{uuid.uuid4()}",
            finished_at=now,
        )
        for _ in range(count // 2)
    )
    Clip.objects.bulk_create(
        Clip(
            project=project,
            task=task,
            upstream_id=f"{task.upstream_id}-{n}",
            title=f"City Lights {task.pk}-{n}",
            status="complete",
            tags="emotional punk",
            lyrics="[Verse]\nWalking down the streets\nBeneath the city lights",
            duration=30.0,
            media_state="stored",
            audio_file=f"clips/audio/{uuid.uuid4()}.mp3",
            image_file=f"clips/images/{uuid.uuid4()}.jpeg",
        )
        for task in tasks
        for n in range(2)
    )


def project_page(project: Project, user, runs: int) -> dict:
    client = Client()
    # A real login request: force_login's bare request has no client address, which the login
    # records (django-axes) cannot store in PostgreSQL's inet column.
    client.post("/accounts/login/", {"username": user.username, "password": "bench-pass-123"})
    url = project.get_absolute_url()
    response = client.get(url)  # warm: templates compiled, connections open
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
    with counted_queries() as queries:
        response = client.get(url)
    return {
        "clips": Clip.objects.filter(project=project).count(),
        "p50_ms": median(times) * 1000,
        "html_kb": len(response.content) / 1024,
        "queries": queries["n"],
        "load1": load1(),
    }


def pages_at_scale(user, sizes: list[int], runs: int) -> list[dict]:
    """The project page, an unchanged poll of it (as studio.js sends it: the cards shown, the newest) and a
    bare view (an authenticated 404: middleware, session and user, no content) at each number of clips,
    one task in progress so the page polls. p50 of ``runs`` requests each, and their queries."""
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": "bench-pass-123"})
    rows = []
    for size in sizes:
        project = teams.project_create(user=user, name=f"Bench {size}")
        clips_make(project, size)
        GenerationTask.objects.create(
            project=project, action="MUSIC", mode="custom", request_payload=PAYLOAD, status="running",
            upstream_id=f"up-{uuid.uuid4()}", next_poll_at=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
        if connection.vendor == "postgresql":  # fresh statistics, as autovacuum keeps them in production
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        page_url = project.get_absolute_url()
        shown = ",".join(
            str(pk) for pk in GenerationTask.objects.filter(project=project).order_by("-pk")
            .values_list("pk", flat=True)[:20]
        )  # fmt: skip
        newest = (
            GenerationTask.objects.filter(project=project).order_by("-pk").values_list("pk", flat=True)[0]
        )
        poll_url = f"/projects/{project.pk}/updates/?since={time.time():.3f}&cards={shown}&newest={newest}"
        row = {"clips": Clip.objects.filter(project=project).count(), "load1": load1()}
        for name, url, status in (
            ("page", page_url, 200),
            ("poll", poll_url, 200),
            ("bare", "/projects/0/", 404),
        ):
            response = client.get(url)
            assert response.status_code == status, (url, response.status_code)
            times, cpu = [], []
            for _ in range(runs):
                started, cpu_started = time.perf_counter(), time.process_time()
                client.get(url)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            with counted_queries() as queries:
                client.get(url)
            row[f"{name}_p50_ms"] = median(times) * 1000
            # This process's CPU only (the database's is apart): steadier than wall time on a busy machine.
            row[f"{name}_cpu_p50_ms"] = median(cpu) * 1000
            row[f"{name}_queries"] = queries["n"]
        row["poll_over_bare"] = row["poll_p50_ms"] / row["bare_p50_ms"]
        row["poll_over_bare_cpu"] = row["poll_cpu_p50_ms"] / row["bare_cpu_p50_ms"]
        rows.append(row)
        reset()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--page-runs", type=int, default=20)
    parser.add_argument("--cycle-cap", type=float, default=30.0, help="seconds before a cycle is cut short")
    parser.add_argument(
        "--scale", default="", help="clips per project for the page/poll/bare view, e.g. 1000,10000"
    )
    parser.add_argument("--formats", default="task,v2", help="the fake gateway's formats, in turn")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the fake gateway takes to answer")
    parser.add_argument("--only-scale", action="store_true", help="only the page/poll/bare view figures")
    args = parser.parse_args()
    user = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:8]}", password="bench-pass-123")
    if args.only_scale:
        emit({"scale": pages_at_scale(user, [int(n) for n in args.scale.split(",")], args.page_runs)})
        return
    project = teams.project_create(user=user, name="Bench")
    cycles = [
        poll_cycle_once(project, int(size), finished, args.cycle_cap, api_format, args.latency)
        for api_format in args.formats.split(",")
        for size in args.sizes.split(",")
        for finished in (False, True)
    ]
    clips_make(project, args.clips)
    page = project_page(project, user, args.page_runs)
    reset()
    result = {"poll_cycles": cycles, "project_page": page}
    if args.scale:
        result["scale"] = pages_at_scale(user, [int(n) for n in args.scale.split(",")], args.page_runs)
    emit(result)


if __name__ == "__main__":
    main()
