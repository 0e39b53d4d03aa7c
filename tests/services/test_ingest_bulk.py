"""A poll cycle ingests a batch of answers in bulk: a few queries per batch, not several per task, with
every guarantee of the one-by-one path (no clip twice, a cancelled task stays cancelled, the card clock).

Marked ``backends``: `make test` runs these on SQLite and again on PostgreSQL and Redis.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from songs.gateway import parse
from songs.models import Clip, GenerationTask
from songs.services import common, copies, ingest, polling
from tests.factories import make_task

pytestmark = [pytest.mark.backends, pytest.mark.django_db(transaction=True)]


def answer(task_id: str, status: str = "SUCCESS", clip_status: str = "complete", progress: str = "100%"):
    clips = [
        {
            "id": f"{task_id}-{n}",
            "status": clip_status,
            "title": "City Lights",
            "audio_url": f"http://cdn.test/{task_id}-{n}.mp3",
            "metadata": {"tags": "pop", "duration": 30.0},
        }
        for n in "ab"
    ]
    return parse.parse_task(
        {"task_id": task_id, "action": "MUSIC", "status": status, "progress": progress, "data": clips}
    )


def due_tasks(project, count: int) -> list[GenerationTask]:
    for n in range(count):
        make_task(
            project,
            status="running",
            upstream_id=f"t{n}",
            submitted_at=timezone.now(),
            next_poll_at=timezone.now() - timedelta(seconds=1),
        )
    return polling.tasks_claim_due(limit=count)


def ingest_counted(tasks, answers) -> tuple[list, int]:
    with CaptureQueriesContext(connection) as queries:
        outbox = ingest.tasks_ingest(tasks=tasks, answers=answers)
    return outbox, len(queries)


def test_a_batch_of_50_finished_tasks_costs_a_few_queries_not_several_per_task(project):
    tasks = due_tasks(project, 50)

    outbox, queries = ingest_counted(tasks, {t.upstream_id: answer(t.upstream_id) for t in tasks})

    assert queries <= 12  # lock, read clips, insert clips, update tasks (and the transaction itself)
    assert Clip.objects.count() == 100 and GenerationTask.objects.filter(status="succeeded").count() == 50
    assert sorted(pk for kind, pk in outbox if kind == "media") == sorted(
        Clip.objects.values_list("pk", flat=True)
    )
    assert Clip.objects.filter(media_state="pending", media_next_at__isnull=False).count() == 100
    assert set(GenerationTask.objects.values_list("polls", "claim_token")) == {(1, None)}


def test_the_same_answers_twice_make_no_second_clip_and_no_second_copy(project):
    tasks = due_tasks(project, 5)
    running = {t.upstream_id: answer(t.upstream_id, "IN_PROGRESS", "streaming", "50%") for t in tasks}
    ingest.tasks_ingest(tasks=tasks, answers=running)
    clock = dict(GenerationTask.objects.values_list("pk", "changed_at"))

    later = timezone.now() + timedelta(seconds=5)
    outbox = ingest.tasks_ingest(tasks=tasks, answers=running, now=later)
    assert outbox == [] and dict(GenerationTask.objects.values_list("pk", "changed_at")) == clock  # no change

    done = {t.upstream_id: answer(t.upstream_id) for t in tasks}
    first = ingest.tasks_ingest(tasks=tasks, answers=done, now=later)
    again = ingest.tasks_ingest(tasks=tasks, answers=done, now=later + timedelta(seconds=5))

    assert Clip.objects.count() == 10 and len(first) == 10 and again == []
    assert all(changed > clock[pk] for pk, changed in GenerationTask.objects.values_list("pk", "changed_at"))
    assert set(Clip.objects.values_list("status", "media_state")) == {("complete", "pending")}


def test_a_task_cancelled_while_its_batch_was_fetched_stays_cancelled_and_the_rest_are_ingested(project):
    tasks = due_tasks(project, 3)
    GenerationTask.objects.filter(pk=tasks[0].pk).update(status="failed", fail_reason="Cancelled by staff")

    ingest.tasks_ingest(tasks=tasks, answers={t.upstream_id: answer(t.upstream_id) for t in tasks})

    cancelled = GenerationTask.objects.get(pk=tasks[0].pk)
    assert cancelled.status == "failed" and cancelled.fail_reason == "Cancelled by staff"
    assert cancelled.claim_token is None and not cancelled.clips.exists()
    assert GenerationTask.objects.filter(status="succeeded").count() == 2 and Clip.objects.count() == 4


def test_a_failed_answer_in_a_batch_gives_its_reason_and_the_unknown_task_is_asked_again(project):
    tasks = due_tasks(project, 3)
    failed = parse.parse_task(
        {
            "task_id": "t0",
            "action": "MUSIC",
            "status": "FAILURE",
            "fail_reason": "Lyrics rejected",
            "data": [],
        }
    )

    ingest.tasks_ingest(tasks=tasks, answers={"t0": failed, "t1": answer("t1")})  # t2: not in the answer

    by_id = {t.upstream_id: t for t in GenerationTask.objects.all()}
    assert by_id["t0"].status == "failed" and by_id["t0"].fail_reason == "Lyrics rejected"
    assert by_id["t1"].status == "succeeded" and by_id["t1"].clips.count() == 2
    assert (
        by_id["t2"].status == "running"
        and by_id["t2"].polls == 1
        and by_id["t2"].next_poll_at > timezone.now()
    )


def test_finished_batches_queue_their_copies_over_one_broker_in_one_transaction(project, monkeypatch):
    tasks = due_tasks(project, 20)
    queued = []

    def fake_async(func, *args, broker=None, **kwargs):
        queued.append((func, args, broker))

    monkeypatch.setattr(common, "async_task", fake_async)
    outbox = ingest.tasks_ingest(tasks=tasks, answers={t.upstream_id: answer(t.upstream_id) for t in tasks})
    common.jobs_enqueue_many(
        "media_many", [[pk for _, pk in outbox][i : i + 8] for i in range(0, 40, 8)], name="m"
    )

    assert len(queued) == 5 and len({id(broker) for _, _, broker in queued}) == 1  # one broker, not five


def test_a_copy_a_worker_stores_while_the_batch_is_ingested_stays_stored(project, monkeypatch):
    tasks = due_tasks(project, 2)
    ingest.tasks_ingest(
        tasks=tasks, answers={t.upstream_id: answer(t.upstream_id, "IN_PROGRESS", "streaming") for t in tasks}
    )
    tasks = polling.tasks_claim_due(limit=2, now=timezone.now() + timedelta(minutes=1))
    real = copies.copies_due

    def stored_meanwhile(*, clip, now):  # the worker finishes between the batch's read and its write
        Clip.objects.filter(pk=clip.pk).update(media_state="stored", audio_file="clips/audio/x.mp3")
        return real(clip=clip, now=now)

    monkeypatch.setattr(copies, "copies_due", stored_meanwhile)
    ingest.tasks_ingest(tasks=tasks, answers={t.upstream_id: answer(t.upstream_id) for t in tasks})

    assert set(Clip.objects.values_list("status", "media_state")) == {("complete", "stored")}
