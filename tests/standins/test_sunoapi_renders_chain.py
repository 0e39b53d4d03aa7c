"""The studio -> the sunoapi stand-in -> the built-in engine, for a clip's renders (docs/protocol.md 8.3):
the gateway's own WAV and a music video, asked for on the card, sent once, read from their own records (or
woken by their callbacks), fetched once, checked, stored and served only to the clip's team."""

from __future__ import annotations

import pytest
from django.urls import reverse

from songs.models import Clip, GenerationTask
from songs.services import renders
from tests.e2e.test_flow import request_song
from tests.standins.sunoapi import calling_back
from tests.standins.sunoapi_fixtures import settle
from tests.waiting import until

pytestmark = pytest.mark.django_db(transaction=True)


def made_song(project, owner):
    task = settle(request_song(project, owner, mv="chirp-auk"))
    assert task.status == "succeeded", task.fail_reason
    clip = task.clips.order_by("id").first()
    until(lambda: clip.__class__.objects.get(pk=clip.pk).media_state == "stored", what="the song's copy")
    clip.refresh_from_db()
    return clip


def test_a_video_and_the_gateways_wav_are_asked_for_once_fetched_and_stored(
    project, owner, behind_sunoapi, client_for, settings, stranger
):
    clip = made_song(project, owner)
    owner_client = client_for(owner)
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert 'data-render="video"' in page and 'data-render="wav"' in page  # the card offers both

    for kind in ("video", "wav"):
        answer = owner_client.post(
            reverse("songs:clip_render", args=[clip.uid, kind]), HTTP_HX_REQUEST="true"
        )
        assert answer.status_code == 200
    video = GenerationTask.objects.get(parent_clip=clip, mode="video")
    wav = GenerationTask.objects.get(parent_clip=clip, mode="wav")
    assert video.action == wav.action == "RENDER" and video.cost == settings.CREDIT_COSTS["RENDER"]
    # Asked again while it runs: the same request, nothing more sent or charged.
    assert renders.render_request(clip=clip, user=owner, kind="video") == video
    video, wav = settle(video), settle(wav)

    assert (video.status, wav.status) == ("succeeded", "succeeded"), (video.fail_reason, wav.fail_reason)
    sent = [(path, body) for path, body in behind_sunoapi.sent if "/wav/" in path or "/mp4/" in path]
    assert [path for path, _ in sent] == ["/api/v1/mp4/generate", "/api/v1/wav/generate"]
    assert all(
        body["taskId"] == clip.task.upstream_id and body["audioId"] == clip.upstream_id for _, body in sent
    )
    assert (video.upstream_id.split(":")[0], wav.upstream_id.split(":")[0]) == ("mp4", "wav")
    clip.refresh_from_db()
    assert (clip.video_state, clip.wav_state) == ("stored", "stored")
    assert clip.video_file.read(12)[4:8] == b"ftyp"
    head = clip.wav_file.open("rb").read(12)
    assert head[:4] == b"RIFF" and head[8:12] == b"WAVE" and clip.wav_file.name.endswith(".gateway.wav")

    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    for kind in ("video", "wav"):  # this clip's buttons are gone (the song's other clip keeps its own)
        assert reverse("songs:clip_render", args=[clip.uid, kind]) not in page
    assert "Watch video" in page and "the gateway’s own" in page
    # Served to the team, and to nobody else (an outsider learns nothing: 404).
    for kind in ("video", "wav"):
        url = reverse("songs:clip_media", args=[clip.uid, kind])
        assert owner_client.get(url).status_code in (200, 206)
        assert client_for(stranger).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302  # to the login page


def test_outsiders_and_viewers_cannot_ask_for_a_render(
    project, owner, behind_sunoapi, client_for, viewer, stranger
):
    clip = made_song(project, owner)
    url = reverse("songs:clip_render", args=[clip.uid, "video"])
    assert client_for(stranger).post(url).status_code == 404
    assert client_for(viewer).post(url).status_code == 403
    assert client_for(stranger).get(reverse("songs:clip_media", args=[clip.uid, "audio"])).status_code == 404
    assert not GenerationTask.objects.filter(action="RENDER").exists()


@pytest.mark.parametrize(
    ("kind", "failure"), [("video", "GENERATE_MP4_FAILED"), ("wav", "GENERATE_WAV_FAILED")]
)
def test_a_failed_render_ends_with_a_plain_reason_on_the_card_and_may_be_asked_again(
    project, owner, owner_client, behind_sunoapi, kind, failure
):
    clip = made_song(project, owner)
    behind_sunoapi.fail_next = failure
    task = settle(renders.render_request(clip=clip, user=owner, kind=kind))

    assert (task.status, task.reason_code) == ("failed", "audio_failed")
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "could not be made" in page and reverse("songs:clip_render", args=[clip.uid, kind]) in page
    again = renders.render_request(clip=clip, user=owner, kind=kind)
    assert again.pk != task.pk and settle(again).status == "succeeded"


def test_a_render_whose_file_could_not_be_saved_may_be_asked_for_again(
    project, owner, owner_client, behind_sunoapi
):
    clip = made_song(project, owner)
    made = settle(renders.render_request(clip=clip, user=owner, kind="wav"))
    assert made.status == "succeeded"
    Clip.objects.filter(pk=clip.pk).update(wav_state="failed", wav_file="")  # e.g. its link had expired
    clip.refresh_from_db()

    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "could not be saved here" in page and reverse("songs:clip_render", args=[clip.uid, "wav"]) in page
    again = settle(renders.render_request(clip=clip, user=owner, kind="wav"))
    assert again.pk != made.pk and again.status == "succeeded"
    clip.refresh_from_db()
    assert clip.wav_state == "stored" and clip.wav_file.name.endswith(".gateway.wav")


def test_with_callbacks_on_a_render_is_woken_by_its_callback_and_read_from_its_record(
    project, owner, callbacks_on
):
    clip = made_song(project, owner)
    task = renders.render_request(clip=clip, user=owner, kind="video")
    task.refresh_from_db()
    assert callbacks_on.sent[-1][1]["callBackUrl"].endswith(f"/hooks/gateway/{task.callback_token}/")

    def stored() -> bool:
        clip.refresh_from_db()
        return clip.video_state == "stored"

    with calling_back(callbacks_on):  # no poll cycle runs here: the callback wakes it
        until(stored, what="the video stored through its callback alone")

    task.refresh_from_db()
    assert task.status == "succeeded"
    told = [c for c in callbacks_on.callbacks if c["body"]["data"].get("task_id") == task.upstream_id[4:]]
    assert [(c["body"]["data"].get("video_url", "") != "", c["status"]) for c in told] == [(True, 200)]
