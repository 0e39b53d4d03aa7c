"""What the misreads of issue 18 meant for a person's card: a billed concat kept (not refunded as "outcome
unknown"), a relayed upstream body shown in plain words, a web page never stored as the clip's MP3."""

from __future__ import annotations

import httpx
import pytest
from django.utils import timezone

from songs import reasons
from songs.gateway import parse
from songs.models import GenerationTask
from songs.services import copies, ingest, submit
from tests.factories import make_complete_clip, make_task, mock_gateway
from tests.gateway.misread_shapes import CONCAT_CLIP
from tests.services.test_pipeline import task_json

pytestmark = pytest.mark.django_db


def test_a_concat_the_gateway_answered_with_its_clip_stays_charged_and_is_polled(project):
    task = make_task(
        project,
        status="queued",
        upstream_id="",
        action="CONCAT",
        mode="concat",
        next_poll_at=timezone.now(),
        cost=200,
    )
    GenerationTask.objects.filter(pk=task.pk).update(request_payload={"clip_id": "a47", "is_infill": False})

    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(lambda r: httpx.Response(200, json=CONCAT_CLIP)))

    task.refresh_from_db()
    assert task.status == "submitted" and task.reason_code == "" and task.cost == 200
    assert parse.decode_v2_task_id(task.upstream_id)[1] == [CONCAT_CLIP["id"]]


def test_a_relayed_upstream_body_in_a_fail_reason_is_told_in_plain_words(project):
    task = make_task(project)
    relayed = '{"error":"Internal server error. AxiosError: Request failed with status code 403"}'
    answer = parse.parse_task(task_json(task.upstream_id, status="FAILURE", fail_reason=relayed, clips=[]))

    ingest.task_ingest(task=task, answer=answer)

    task.refresh_from_db()
    assert task.status == "failed" and task.reason_code == "unreachable"
    assert "{" not in task.fail_reason and "AxiosError" in task.reason_detail
    assert (
        reasons.sentence(task.reason_code)
        == "The gateway could not reach its music service. Try again later."
    )


def test_a_web_page_answered_for_a_clips_audio_is_not_stored_and_says_so(project, settings):
    clip = make_complete_clip(project)
    page = httpx.Response(200, html="<!DOCTYPE html><title>Forbidden</title>")

    copies.clip_media_download(clip_pk=clip.pk, gateway=mock_gateway(lambda r: page))

    clip.refresh_from_db()
    assert clip.media_state == "failed" and not clip.audio_file and clip.media_reason == "media_not_audio"
    assert clip.audio_src == clip.audio_url  # it still plays (or not) from the gateway's own link
