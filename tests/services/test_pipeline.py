"""Services with the network replaced by httpx.MockTransport: everything else is real, DB included."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from songs.gateway import parse
from songs.models import Clip, GenerationTask, LyricDraft
from songs.services import copies, ingest, polling, requests, submit
from tests.factories import make_complete_clip, make_task, mock_gateway

pytestmark = [pytest.mark.backends, pytest.mark.django_db]


def ok(data) -> httpx.Response:
    return httpx.Response(200, json={"code": "success", "message": "", "data": data})


def clip_json(clip_id: str, status: str = "complete", **extra) -> dict:
    return {
        "id": clip_id,
        "title": "City Lights",
        "status": status,
        "audio_url": f"http://cdn.test/{clip_id}.mp3",
        "image_url": f"http://cdn.test/{clip_id}.jpeg",
        "model_name": "chirp-v3",
        "metadata": {"tags": "emotional punk", "prompt": "[Verse]\nla", "duration": 64.36, "type": "gen"},
        **extra,
    }


def task_json(task_id: str, status: str = "SUCCESS", clips=None, **extra) -> dict:
    return {
        "task_id": task_id,
        "action": "MUSIC",
        "status": status,
        "fail_reason": "",
        "progress": "100%",
        "submit_time": 1,
        "start_time": 1,
        "finish_time": 2,
        "data": clips,
        **extra,
    }


def queued_task(project) -> GenerationTask:
    return make_task(project, status="queued", upstream_id="")


# --- submitting ---------------------------------------------------------------------------------


def test_submit_stores_the_upstream_task_id(project):
    task = queued_task(project)
    sent = []

    def handler(request):
        sent.append(json.loads(request.content))
        return ok("6e7dfb41-5a21-4189-8246-e2b6ae103ccd")

    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(handler))
    task.refresh_from_db()
    assert task.status == "submitted" and task.upstream_id == "6e7dfb41-5a21-4189-8246-e2b6ae103ccd"
    assert sent == [task.request_payload] and task.attempts == 1


def test_submitting_twice_sends_once(project):
    task = queued_task(project)
    calls = []
    gw = mock_gateway(lambda request: calls.append(1) or ok("t-1"))
    submit.task_submit(task_pk=task.pk, gateway=gw)
    submit.task_submit(task_pk=task.pk, gateway=gw)
    assert len(calls) == 1


def test_an_outage_queues_the_request_again_with_a_visible_note(project):
    task = queued_task(project)
    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(lambda r: httpx.Response(503, text="down")))
    task.refresh_from_db()
    assert task.status == "queued" and task.attempts == 1
    assert task.next_poll_at > timezone.now() and "Trying again shortly" in task.fail_reason


def test_the_request_survives_an_outage_and_goes_through_when_the_gateway_is_back(project, monkeypatch):
    task = queued_task(project)

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(refused))
    enqueued = []
    monkeypatch.setattr(requests, "submit_enqueue", enqueued.append)
    polling.work_resume_due(now=timezone.now() + timedelta(minutes=1))
    assert enqueued == [task.pk]
    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(lambda r: ok("t-back")))
    task.refresh_from_db()
    assert task.status == "submitted" and task.upstream_id == "t-back" and task.attempts == 2


def test_it_gives_up_after_the_last_attempt_with_the_reason(project, settings):
    settings.SUBMIT_MAX_ATTEMPTS = 1
    task = queued_task(project)
    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(lambda r: httpx.Response(503, text="down")))
    task.refresh_from_db()
    assert task.status == "failed" and "Still failing after" in task.fail_reason


def test_a_refusal_fails_at_once_with_the_gateways_message(project):
    task = queued_task(project)
    answer = httpx.Response(
        403, json={"code": "quota_not_enough", "message": "Top up your quota", "data": None}
    )
    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(lambda r: answer))
    task.refresh_from_db()
    assert task.status == "failed" and "Top up your quota" in task.fail_reason and task.attempts == 1


def test_a_timeout_after_sending_is_never_sent_again(project, monkeypatch):
    task = queued_task(project)
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ReadTimeout("no answer", request=request)

    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(handler))
    task.refresh_from_db()
    assert task.status == "failed" and "not sent again" in task.fail_reason
    resubmits = []
    monkeypatch.setattr(requests, "submit_enqueue", resubmits.append)
    polling.work_resume_due(now=timezone.now() + timedelta(hours=1))
    assert calls == [1] and resubmits == []


def test_a_submit_whose_worker_died_is_failed_as_unknown_not_resent(project, monkeypatch):
    task = make_task(project, status="submitted", upstream_id="", next_poll_at=timezone.now())
    resubmits = []
    monkeypatch.setattr(requests, "submit_enqueue", resubmits.append)
    polling.work_resume_due(now=timezone.now() + timedelta(seconds=1))
    task.refresh_from_db()
    assert task.status == "failed" and "not sent again" in task.fail_reason and resubmits == []


# --- polling ---------------------------------------------------------------------------------


def test_one_cycle_fetches_all_due_tasks_in_claimed_batches(
    project, settings, django_capture_on_commit_callbacks
):
    settings.POLL_BATCH_SIZE = 50
    tasks = [make_task(project, next_poll_at=timezone.now()) for _ in range(120)]
    batches = []

    def handler(request):
        ids = json.loads(request.content)["ids"]
        batches.append(len(ids))
        return ok([task_json(i, status="IN_PROGRESS", clips=[]) for i in ids])

    polled = polling.tasks_poll_due(gateway=mock_gateway(handler))
    assert polled == 120 and sorted(batches) == [20, 50, 50]
    assert all(
        t.next_poll_at > timezone.now() for t in GenerationTask.objects.filter(pk__in=[t.pk for t in tasks])
    )


def test_a_1000_task_poll_cycle_asks_the_gateway_at_most_20_times(
    project, django_capture_on_commit_callbacks
):
    """issue 20: a poll cycle of 1,000 tasks in progress is a handful of requests, not one per 50."""
    now = timezone.now()
    GenerationTask.objects.bulk_create(
        [
            GenerationTask(
                project=project,
                user=project.created_by,
                action="MUSIC",
                mode="custom",
                request_payload={"mv": "chirp-v4"},
                status="running",
                upstream_id=f"task-{n}",
                next_poll_at=now,
            )
            for n in range(1000)
        ]
    )
    batches = []

    def handler(request):
        ids = json.loads(request.content)["ids"]
        batches.append(len(ids))
        return ok([task_json(i, status="IN_PROGRESS", clips=[]) for i in ids])

    assert polling.tasks_poll_due(gateway=mock_gateway(handler), budget=600) == 1000
    assert sum(batches) == 1000 and len(batches) <= 20


def test_a_task_claimed_by_another_worker_is_not_polled_again(project):
    make_task(project, next_poll_at=timezone.now() - timedelta(seconds=1))
    first = polling.tasks_claim_due(limit=50)
    second = polling.tasks_claim_due(limit=50)
    assert len(first) == 1 and second == []


def test_ingesting_the_same_answer_twice_keeps_two_clips(project, django_capture_on_commit_callbacks):
    task = make_task(project)
    answer = parse.parse_task(task_json(task.upstream_id, clips=[clip_json("c-1"), clip_json("c-2")]))
    with django_capture_on_commit_callbacks() as callbacks:
        ingest.task_ingest(task=task, answer=answer)
        ingest.task_ingest(task=task, answer=answer)
    assert Clip.objects.filter(task=task).count() == 2
    assert len(callbacks) == 2  # one media download per clip, not per poll
    task.refresh_from_db()
    assert task.status == "succeeded" and task.finished_at
    clip = Clip.objects.get(upstream_id="c-1")
    assert clip.duration == 64.36 and clip.tags == "emotional punk" and clip.media_state == "pending"


def test_streaming_clips_make_the_task_running_and_playable(project):
    task = make_task(project, status="submitted")
    answer = parse.parse_task(
        task_json(task.upstream_id, status="IN_PROGRESS", clips=[clip_json("c-1", status="streaming")])
    )
    ingest.task_ingest(task=task, answer=answer)
    task.refresh_from_db()
    clip = Clip.objects.get()
    assert task.status == "running" and clip.audio_src == "http://cdn.test/c-1.mp3"
    assert clip.media_state == "none"  # nothing to store until it is complete


def test_an_unchanged_answer_does_not_move_the_cards_clock(project):
    task = make_task(project, status="running")
    answer = parse.parse_task(
        task_json(
            task.upstream_id, status="IN_PROGRESS", progress="", clips=[clip_json("c-1", status="streaming")]
        )
    )
    ingest.task_ingest(task=task, answer=answer)
    first = GenerationTask.objects.get(pk=task.pk).changed_at
    ingest.task_ingest(task=GenerationTask.objects.get(pk=task.pk), answer=answer)
    assert GenerationTask.objects.get(pk=task.pk).changed_at == first


def test_a_failure_keeps_the_gateways_reason(project):
    task = make_task(project)
    ingest.task_ingest(
        task=task,
        answer=parse.parse_task(
            task_json(task.upstream_id, status="FAILURE", fail_reason="lyrics flagged by moderation")
        ),
    )
    task.refresh_from_db()
    assert task.status == "failed" and task.fail_reason == "lyrics flagged by moderation"


def test_a_task_past_its_cap_is_fetched_once_more_then_failed(project, settings):
    settings.TASK_TIMEOUT_MINUTES = 15
    old = timezone.now() - timedelta(minutes=16)
    # The gateway said the same 16 minutes ago: no progress since.
    task = make_task(
        project, submitted_at=old, next_poll_at=timezone.now(), upstream_status="IN_PROGRESS", progress="100%"
    )
    fetched = []

    def handler(request):
        fetched.append(1)
        return ok([task_json(task.upstream_id, status="IN_PROGRESS", clips=[])])

    polling.tasks_poll_due(gateway=mock_gateway(handler))
    task.refresh_from_db()
    assert fetched == [1] and task.status == "failed" and "15 minutes" in task.fail_reason


def test_a_task_that_finishes_on_the_last_fetch_is_not_failed(project, django_capture_on_commit_callbacks):
    task = make_task(
        project, submitted_at=timezone.now() - timedelta(minutes=20), next_poll_at=timezone.now()
    )
    answer = task_json(task.upstream_id, clips=[clip_json("late-1")])
    polling.tasks_poll_due(gateway=mock_gateway(lambda r: ok([answer])))
    task.refresh_from_db()
    assert task.status == "succeeded"


def test_an_outage_while_polling_keeps_the_task_pending(project):
    task = make_task(project, next_poll_at=timezone.now())
    polling.tasks_poll_due(gateway=mock_gateway(lambda r: httpx.Response(502, text="bad gateway")))
    task.refresh_from_db()
    assert task.status == "running" and task.next_poll_at > timezone.now()


def test_lyrics_become_a_draft_once(project):
    task = make_task(project, action="LYRICS", mode="lyrics")
    raw = task_json(
        task.upstream_id,
        action="LYRICS",
        clips={"status": "complete", "title": "Homesick", "text": "[Verse]\nFar from home"},
    )
    ingest.task_ingest(task=task, answer=parse.parse_task(raw))
    ingest.task_ingest(task=task, answer=parse.parse_task(raw))
    draft = LyricDraft.objects.get()
    assert draft.title == "Homesick" and draft.text.startswith("[Verse]")


# --- media ---------------------------------------------------------------------------------------


def test_media_is_copied_into_our_storage(project, settings):
    clip = make_complete_clip(project, image_url="http://cdn.test/a.jpeg")

    def handler(request):
        return httpx.Response(
            200, content=b"ID3-audio" if request.url.path.endswith(".mp3") else b"\xff\xd8jpeg"
        )

    copies.clip_media_download(clip_pk=clip.pk, gateway=mock_gateway(handler))
    clip.refresh_from_db()
    assert clip.media_state == "stored" and clip.audio_file.read() == b"ID3-audio"
    assert clip.audio_src == f"/clips/{clip.uid}/audio" and len(clip.audio_sha256) == 64


def test_a_failed_download_is_retried_later_then_given_up_with_a_reason(project, settings):
    settings.MEDIA_MAX_ATTEMPTS = 2
    clip = make_complete_clip(project, image_url="http://cdn.test/a.jpeg")
    gw = mock_gateway(lambda r: httpx.Response(503))
    copies.clip_media_download(clip_pk=clip.pk, gateway=gw)
    clip.refresh_from_db()
    assert clip.media_state == "pending" and clip.media_attempts == 1
    copies.clip_media_download(clip_pk=clip.pk, gateway=gw)
    clip.refresh_from_db()
    assert clip.media_state == "failed" and "Could not save a copy" in clip.media_error
    assert clip.audio_src == "http://cdn.test/a.mp3"  # it still plays from upstream meanwhile


def test_a_poll_answer_never_overwrites_a_task_cancelled_meanwhile(project):
    task = make_task(project, status="running")
    GenerationTask.objects.filter(pk=task.pk).update(
        status="failed", fail_reason="Cancelled by staff (root): x"
    )
    answer = parse.parse_task(task_json(task.upstream_id, clips=[clip_json("late-clip")]))
    ingest.task_ingest(task=task, answer=answer)  # `task` still says running, as in a poll in flight
    task.refresh_from_db()
    assert task.status == "failed" and task.fail_reason.startswith("Cancelled by staff")
    assert not Clip.objects.filter(upstream_id="late-clip").exists()


def test_the_heartbeat_leaves_a_fresh_request_to_its_own_job_and_rescues_a_lost_one(
    project, owner, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(requests, "submit_enqueue", enqueued.append)
    task = requests.music_request(
        project=project, user=owner, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop", title="T"
    )
    polling.work_resume_due()
    assert enqueued == []  # its own job (enqueued on commit) is still on its way
    polling.work_resume_due(now=timezone.now() + timedelta(minutes=1))
    assert enqueued == [task.pk]  # that job never ran (a worker died): the heartbeat sends it again


def test_a_whole_song_that_comes_back_empty_fails_with_a_reason(project):
    task = make_task(project, action="CONCAT", mode="concat")
    ingest.task_ingest(
        task=task, answer=parse.parse_task(task_json(task.upstream_id, action="CONCAT", clips=[]))
    )
    task.refresh_from_db()
    assert task.status == "failed" and "returned no clips" in task.fail_reason


def test_the_poller_rests_only_until_the_next_task_comes_due(project):
    """A task is fetched when it comes due, not up to a whole loop interval later: that wait was most of
    the time between the gateway's finishing and the studio's knowing."""
    now = timezone.now()
    assert polling.pause_before_next_cycle(longest=1.0, now=now) == 1.0  # nothing in progress

    make_task(project, status="running", next_poll_at=now + timedelta(seconds=5))
    assert polling.pause_before_next_cycle(longest=1.0, now=now) == 1.0  # nothing due within the interval

    make_task(project, status="submitted", next_poll_at=now + timedelta(seconds=0.4))
    assert polling.pause_before_next_cycle(longest=1.0, now=now) == pytest.approx(0.4)

    make_task(project, status="running", next_poll_at=now - timedelta(seconds=3))  # overdue: go again soon
    assert polling.pause_before_next_cycle(longest=1.0, now=now) == 0.25
    make_task(project, status="queued", next_poll_at=now - timedelta(seconds=9))  # not sent: not polled
    make_task(project, status="succeeded", next_poll_at=now - timedelta(seconds=9))
    assert polling.pause_before_next_cycle(longest=1.0, now=now) == 0.25
