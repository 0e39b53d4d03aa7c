"""Reliability drills: the studio against a built-in engine told to have a bad day. No mocks.

A request must survive an outage, malformed answers and a slow gateway, and end either with clips or with
a visible reason, never hanging and never sent twice.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from engine.models import EngineTask
from songs.models import GenerationTask
from songs.services import polling
from tests.e2e.test_flow import _run_until_settled, request_song
from tests.waiting import until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_request_made_during_an_outage_goes_through_when_the_gateway_is_back(
    project, owner, engine_gateway, settings
):
    settings.ENGINE_ERROR_RATE = 1.0
    task = request_song(project, owner)
    task.refresh_from_db()
    assert task.status == "queued" and "Trying again shortly" in task.fail_reason  # saved, shown, waiting
    assert not EngineTask.objects.exists()
    settings.ENGINE_ERROR_RATE = 0.0
    polling.work_resume_due(now=timezone.now() + timedelta(minutes=5))  # the heartbeat, later on
    task = _run_until_settled(task)
    assert task.status == "succeeded" and task.clips.count() == 2
    assert EngineTask.objects.count() == 1  # sent exactly once


def test_an_outage_that_lasts_ends_with_a_visible_reason(project, owner, engine_gateway, settings):
    settings.ENGINE_ERROR_RATE, settings.SUBMIT_MAX_ATTEMPTS = 1.0, 2
    task = request_song(project, owner)
    polling.work_resume_due(now=timezone.now() + timedelta(minutes=5))
    task.refresh_from_db()
    assert task.status == "failed" and "Still failing after" in task.fail_reason and task.attempts == 2


def test_malformed_answers_while_polling_do_not_lose_the_song(project, owner, engine_gateway, settings):
    task = request_song(project, owner)
    settings.ENGINE_MALFORMED_RATE = 1.0
    polling.tasks_poll_due(now=timezone.now() + timedelta(seconds=5))
    task.refresh_from_db()
    assert task.is_pending and not task.clips.exists()  # still waiting, nothing half-ingested
    settings.ENGINE_MALFORMED_RATE = 0.0
    task = _run_until_settled(task)
    assert task.status == "succeeded" and task.clips.count() == 2


def test_a_task_stuck_at_the_gateway_fails_at_the_cap_with_a_reason(project, owner, engine_gateway, settings):
    settings.ENGINE_STUCK_RATE = 1.0
    task = request_song(project, owner)
    task = _run_until_settled(task, cycles=2)
    assert task.status in ("submitted", "running")  # it waits while the cap allows
    # No progress since it was sent, longer than any cap: a stuck render (task format: IN_PROGRESS at 10%)
    # and a generation never begun (v2: its clips still "submitted", as in a long queue) both end.
    quiet = timezone.now() - timedelta(minutes=settings.TASK_QUEUED_TIMEOUT_MINUTES + 1)
    GenerationTask.objects.filter(pk=task.pk).update(submitted_at=quiet, progressed_at=quiet)
    task = _run_until_settled(task)
    assert task.status == "failed" and task.reason_code == "timed_out" and "minutes" in task.fail_reason


def test_a_submit_that_times_out_after_sending_is_never_sent_again(project, owner, live_server, settings):
    """Real sockets: the engine answers after the studio stopped waiting, as a slow gateway would."""
    settings.SUNO_GATEWAY_URL, settings.SUNO_READ_TIMEOUT, settings.ENGINE_LATENCY = live_server.url, 0.5, 1.5
    task = request_song(project, owner)  # saved, then submitted on commit (a synchronous worker in tests)
    task.refresh_from_db()
    assert task.status == "failed" and "not sent again" in task.fail_reason
    # The engine, unhurried, makes the task after the studio gave up.
    until(EngineTask.objects.exists, what="the engine making the task the studio gave up on")
    assert EngineTask.objects.count() == 1
    polling.work_resume_due(now=timezone.now() + timedelta(hours=1))
    time.sleep(2.0)  # longer than the engine's delay: a second send would have made a row by now
    assert EngineTask.objects.count() == 1  # and nothing sent it a second time
