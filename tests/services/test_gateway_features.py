"""What the gateway offers: learnt from answers, refused before saving, re-checked by staff; models too."""

from __future__ import annotations

import httpx
import pytest
from django.test import override_settings

from songs import catalog, selectors
from songs.gateway import Gateway
from songs.models import GatewayFeature, GenerationTask
from songs.services import features, requests, submit
from tests.factories import make_stored_clip, make_task, mock_gateway

pytestmark = pytest.mark.django_db

NO_CONCAT = {
    "error": {
        "message": "当前分组 default 下对于模型 suno_concat 无可用渠道 (request id: 202611301234)",
        "type": "new_api_error",
    }
}
FRONT_END = "<!doctype html><html lang=zh><title>New API</title><div id=root></div></html>"


def answering(response: httpx.Response) -> tuple[Gateway, list]:
    sent: list = []

    def handler(request):
        sent.append(request.url.path)
        return response

    return mock_gateway(handler), sent


def whole_song_request(project, owner) -> GenerationTask:
    clip = make_stored_clip(make_task(project, status="succeeded", upstream_id="t-1"))
    return requests.concat_request(clip=clip, user=owner)


def test_a_gateway_without_a_concat_channel_fails_the_request_at_once_and_hides_the_button(
    project, owner, settings
):
    settings.CREDIT_COSTS = {**settings.CREDIT_COSTS, "CONCAT": 200}  # an operator who charges for it
    task = whole_song_request(project, owner)
    assert task.cost == catalog.COSTS["CONCAT"] and selectors.credits_used_today(team=project.team) == 200
    gw, sent = answering(httpx.Response(503, json=NO_CONCAT))

    submit.task_submit(task_pk=task.pk, gateway=gw)

    task.refresh_from_db()
    assert sent == ["/suno/submit/concat"]  # sent once, not retried five times over 33 s
    assert (task.status, task.reason_code, task.reason_detail) == ("failed", "not_supported", "concat")
    assert "does not offer whole songs" in task.fail_reason
    assert "无可用渠道" in task.last_response["error"]["answer"]  # the raw answer, for staff
    assert selectors.credits_used_today(team=project.team) == 0  # credits back
    assert selectors.gateway_capabilities().concat is False
    learnt = GatewayFeature.objects.get(name="concat")
    assert learnt.missing_since and learnt.task == task and "无可用渠道" in learnt.answer


def test_a_request_for_a_missing_feature_is_refused_before_it_is_saved_or_charged(project, owner):
    whole = whole_song_request(project, owner)
    submit.task_submit(task_pk=whole.pk, gateway=answering(httpx.Response(503, json=NO_CONCAT))[0])
    tasks_before = GenerationTask.objects.count()

    with pytest.raises(features.FeatureMissing, match="does not offer whole songs"):
        whole_song_request(project, owner)

    assert GenerationTask.objects.count() == tasks_before + 1  # only the clip's own task was made
    assert selectors.credits_used_today(team=project.team) == 0


def test_an_upload_answered_with_a_web_page_is_not_supported_not_an_unknown_outcome(project, owner):
    task = make_task(project, status="queued", upstream_id="", action="UPLOAD", mode="upload")
    task.request_payload = {"url": "http://studio.test/u/token"}
    task.save()
    gw, sent = answering(httpx.Response(200, text=FRONT_END, headers={"Content-Type": "text/html"}))

    submit._submit_failed(task, _error_of(gw, lambda: gw.upload_audio_url(url="http://studio.test/u/token")))

    task.refresh_from_db()
    assert (task.status, task.reason_code) == ("failed", "not_supported")
    assert "not sent again" not in task.fail_reason
    assert selectors.gateway_capabilities().upload is False


def _error_of(gw, call):
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the test wants whatever the client raised
        return exc
    raise AssertionError("the call did not fail")


def test_no_channel_for_plain_songs_is_a_passing_fault_retried_later_not_a_missing_feature(project):
    task = make_task(project, status="queued", upstream_id="")
    gw, sent = answering(
        httpx.Response(503, json={"error": {"message": "no available channel", "type": "x"}})
    )

    submit.task_submit(task_pk=task.pk, gateway=gw)

    task.refresh_from_db()
    assert (task.status, task.reason_code) == ("queued", "retrying")
    assert not GatewayFeature.objects.exists()


def test_staff_offer_a_feature_again_and_the_next_request_tells(project, owner):
    task = whole_song_request(project, owner)
    submit.task_submit(task_pk=task.pk, gateway=answering(httpx.Response(503, json=NO_CONCAT))[0])

    assert features.features_recheck(names=["concat"]) == 1

    assert selectors.gateway_capabilities().concat is True
    assert whole_song_request(project, owner).status == "queued"


def test_a_refusal_for_credits_is_final_and_says_so_in_plain_words(project):
    task = make_task(project, status="queued", upstream_id="")
    body = {
        "code": "fail_to_fetch_task",
        "message": '{"code":"insufficient_credits","message":"Insufficient credits"}',
    }
    gw, sent = answering(httpx.Response(500, json=body))

    submit.task_submit(task_pk=task.pk, gateway=gw)

    task.refresh_from_db()
    assert sent == ["/suno/submit/music"] and task.status == "failed" and task.reason_code == "quota"
    assert "run out of credits" in task.fail_reason and "Insufficient credits" in task.fail_reason


@override_settings(SUNO_FEATURES=["concat"])
def test_the_setting_narrows_what_the_format_offers():
    caps = selectors.gateway_capabilities()
    assert (caps.concat, caps.upload, caps.infill) == (True, False, False)


@override_settings(SUNO_MODELS=["chirp-v4", "chirp-fenix", "chirp-v7"], SUNO_DEFAULT_MODEL="")
def test_the_models_offered_come_from_the_setting_and_the_newest_is_the_default():
    assert [mv for mv, _label in catalog.model_choices()] == ["chirp-v7", "chirp-fenix", "chirp-v4"]
    assert catalog.default_model() == "chirp-v7"
    assert catalog.get_model("chirp-v7").lyrics == catalog.MODELS[-1].lyrics  # newest known limits


@override_settings(SUNO_MODELS=[], SUNO_DEFAULT_MODEL="chirp-v4")
def test_an_offered_default_model_stays_the_default():
    assert catalog.default_model() == "chirp-v4" and catalog.model_choices()[0][0] == "chirp-v6"
