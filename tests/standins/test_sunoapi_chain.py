"""The studio -> sunoapi.org / kie.ai (stand-in, from its documentation) -> the built-in engine, over real
HTTP at each hop: every feature the family offers, callbacks on and off, and a failure of each kind."""

from __future__ import annotations

import miniaudio
import pytest
from django.urls import reverse

from songs import reasons
from songs.models import Clip, GenerationTask, LyricDraft, Persona
from songs.services import boost, personas, requests, stems
from tests.e2e.test_flow import request_song
from tests.standins.sunoapi import calling_back
from tests.standins.sunoapi_fixtures import settle
from tests.waiting import until

pytestmark = pytest.mark.django_db(transaction=True)


def song(project, owner, **changes) -> GenerationTask:
    return request_song(project, owner, mv="chirp-auk", **changes)


def test_a_custom_song_is_made_polled_and_stored_playable(project, owner, behind_sunoapi):
    task = settle(song(project, owner, negative_tags="metal"))

    assert task.status == "succeeded", task.fail_reason
    path, sent = behind_sunoapi.sent[0]
    assert path == "/api/v1/generate" and sent["customMode"] is True and sent["model"] == "V4_5"
    assert sent["negativeTags"] == "metal" and sent["callBackUrl"] == "https://callback.invalid/"
    assert behind_sunoapi.callbacks == []  # callbacks off: nowhere to call
    clips = list(task.clips.order_by("id"))
    assert len(clips) == 2 and all(c.media_state == "stored" for c in clips), [c.media_error for c in clips]
    decoded = miniaudio.decode(clips[0].audio_file.read())
    assert decoded.num_frames / decoded.sample_rate > 1.0
    assert clips[0].title == "City Lights" and clips[0].tags == "emotional punk"


def test_with_callbacks_on_a_song_finishes_without_any_poll(project, owner, callbacks_on):
    task = song(project, owner)
    task.refresh_from_db()
    assert behind_sunoapi_sent_hook(callbacks_on).endswith(f"/hooks/gateway/{task.callback_token}/")

    def ended() -> bool:
        task.refresh_from_db()
        return not task.is_pending

    with calling_back(callbacks_on):  # no poll cycle runs here: callbacks only
        until(ended, what="the song ending through callbacks alone")

    assert task.status == "succeeded", task.fail_reason
    told = [(c["body"]["data"]["callbackType"], c["status"]) for c in callbacks_on.callbacks]
    assert ("complete", 200) in told
    assert all("X-Webhook-Signature" in c["headers"] for c in callbacks_on.callbacks)  # signed, and checked
    assert task.clips.count() == 2


def behind_sunoapi_sent_hook(stand_in) -> str:
    return stand_in.sent[-1][1]["callBackUrl"]


def test_a_song_from_a_description_continues_and_splits_into_stems(project, owner, behind_sunoapi):
    inspired = settle(song(project, owner, mode="inspiration", description="乡愁, a quiet folk song"))
    assert inspired.status == "succeeded", inspired.fail_reason
    assert behind_sunoapi.sent[0][1] | {"callBackUrl": ""} == {
        "customMode": False,
        "instrumental": False,
        "prompt": "乡愁, a quiet folk song",
        "model": "V4_5",
        "callBackUrl": "",
    }
    source = inspired.clips.order_by("id").first()

    continued = settle(song(project, owner, parent_clip=source, continue_at=2.0, lyrics="[Verse]\nOn and on"))
    assert continued.status == "succeeded", continued.fail_reason
    assert behind_sunoapi.sent[-1][0] == "/api/v1/generate/extend"
    part = continued.clips.first()
    assert part.parent == source and part.continue_at == pytest.approx(2.0)

    split = settle(stems.stems_request(clip=source, user=owner))
    assert split.status == "succeeded", split.fail_reason
    assert behind_sunoapi.sent[-1][1]["audioId"] == source.upstream_id
    parts = {clip.title: clip for clip in Clip.objects.filter(task=split)}
    assert set(parts) == {"Vocals", "Instrumental"} and all(c.media_state == "stored" for c in parts.values())
    assert parts["Vocals"].metadata["stem_from_id"] == source.upstream_id


def test_a_cover_lyrics_persona_boost_and_karaoke_go_through_the_family(project, owner, behind_sunoapi):
    source = settle(song(project, owner)).clips.order_by("id").first()

    cover = settle(
        stems.cover_request(clip=source, user=owner, tags="acoustic folk", title="City Lights (folk)")
    )
    assert cover.status == "succeeded", cover.fail_reason
    assert behind_sunoapi.sent[-1][0] == "/api/v1/generate/upload-cover"
    assert cover.clips.first().tags and cover.clips.first().media_state == "stored"

    lyrics = settle(requests.lyrics_request(project=project, user=owner, prompt="乡愁"))
    assert lyrics.status == "succeeded" and "[" in LyricDraft.objects.get(task=lyrics).text

    made = personas.persona_create(clip=source, user=owner, name="Ann", description="warm alto")
    made.refresh_from_db()
    assert made.upstream_id and behind_sunoapi.sent[-1][1]["taskId"] == source.task.upstream_id

    boosted = boost.boost_request(project=project, user=owner, tags="student")
    boosted.refresh_from_db()
    assert boosted.status == "done" and len(boosted.upsampled_tags) > 40

    source.refresh_from_db()
    assert source.timing_state == "stored" and source.timing.words  # karaoke from timestamped lyrics
    assert Persona.objects.filter(pk=made.pk, upstream_id__gt="").exists()


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        ("SENSITIVE_WORD_ERROR", "refused_content"),
        ("CREATE_TASK_FAILED", "create_failed"),
        ("GENERATE_AUDIO_FAILED", "audio_failed"),
    ],
)
def test_each_failed_record_ends_the_card_with_its_plain_reason(
    project, owner, owner_client, behind_sunoapi, failure, code
):
    behind_sunoapi.fail_next = failure
    task = settle(song(project, owner))

    assert (task.status, task.reason_code) == ("failed", code)
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert reasons.sentence(code, detail=task.reason_detail).split(":")[0] in page


def test_a_lost_callback_with_finished_songs_is_still_a_success(project, owner, behind_sunoapi):
    behind_sunoapi.fail_next = "CALLBACK_EXCEPTION"
    task = settle(song(project, owner))
    assert task.status == "succeeded" and task.clips.count() == 2


@pytest.mark.parametrize(
    ("refusal", "code"),
    [((429, "Insufficient credits"), "quota"), ((413, "Theme or prompt too long"), "invalid")],
)
def test_a_refused_submit_fails_at_once_with_its_reason(project, owner, behind_sunoapi, refusal, code):
    behind_sunoapi.refuse_next = refusal
    task = song(project, owner)
    task.refresh_from_db()
    assert (task.status, task.reason_code) == ("failed", code)
    assert refusal[1] in task.fail_reason


def test_a_wrong_key_is_told_plainly(project, owner, behind_sunoapi, settings):
    settings.SUNO_GATEWAY_KEY = "not-the-key"
    task = song(project, owner)
    task.refresh_from_db()
    assert (task.status, task.reason_code) == ("failed", "unauthorized")


def test_a_users_own_audio_is_continued_through_the_family_by_its_link(
    project, owner, behind_sunoapi, live_server, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from songs.services import uploads
    from tests.factories import mp3_bytes

    settings.PUBLIC_BASE_URL = live_server.url  # where the family fetches the user's audio from
    made = uploads.upload_create(
        project=project, user=owner, file=SimpleUploadedFile("hum.mp3", mp3_bytes(4.0))
    )
    made.refresh_from_db()
    assert made.status == "succeeded", made.fail_reason
    upload = Clip.objects.get(task=made)
    assert upload.upstream_id.startswith("upload:") and behind_sunoapi.sent == []  # nothing registered

    continued = settle(
        song(project, owner, parent_clip=upload, continue_at=2.0, lyrics="[Verse]\nHumming on")
    )

    assert continued.status == "succeeded", continued.fail_reason
    path, body = behind_sunoapi.sent[-1]
    assert path == "/api/v1/generate/upload-extend" and body["continueAt"] == 2.0
    assert body["uploadUrl"].startswith(f"{live_server.url}/u/") and "audioId" not in body
    assert continued.clips.count() == 2 and continued.clips.first().media_state == "stored"


@pytest.mark.parametrize("vocals", [True, False], ids=["add-vocals", "add-instrumental"])
def test_vocals_or_an_instrumental_are_added_to_a_users_own_audio_by_its_link(
    project, owner, behind_sunoapi, live_server, settings, client, vocals
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from songs.services import uploads
    from tests.factories import mp3_bytes

    settings.PUBLIC_BASE_URL = live_server.url
    made = uploads.upload_create(
        project=project, user=owner, file=SimpleUploadedFile("hum.mp3", mp3_bytes(4.0))
    )
    made.refresh_from_db()
    assert made.status == "succeeded", made.fail_reason
    upload = Clip.objects.get(task=made)

    task = stems.add_part_request(
        clip=upload, user=owner, vocals=vocals, tags="soft pop", title="Hum", lyrics="[Verse]\nLa la la"
    )
    assert task.pk and task.cost == settings.CREDIT_COSTS["MUSIC"]  # saved and charged as one song
    task = settle(task)

    assert task.status == "succeeded", task.fail_reason
    assert task.mode == ("add_vocals" if vocals else "add_instr") and task.parent_clip == upload
    path, body = behind_sunoapi.sent[-1]
    assert path == ("/api/v1/generate/add-vocals" if vocals else "/api/v1/generate/add-instrumental")
    assert body["uploadUrl"].startswith(f"{live_server.url}/u/") and body["title"] == "Hum"
    assert (body.get("prompt"), body.get("style"), body.get("tags")) == (
        ("[Verse]\nLa la la", "soft pop", None) if vocals else (None, None, "soft pop")
    )
    assert task.clips.count() == 2 and all(clip.media_state == "stored" for clip in task.clips.all())

    # The signed link is the only way to the file: without it, or with it altered, an outsider gets 404.
    link = body["uploadUrl"].removeprefix(live_server.url)
    assert client.get(link).status_code == 200
    token = link.rstrip("/").rsplit("/", 1)[-1]
    for other in (link.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")), "/u/", "/u/x/"):
        assert client.get(other).status_code == 404
    assert client.get(reverse("songs:clip_media", args=[upload.uid, "audio"])).status_code in (302, 403, 404)
