"""The studio -> AceDataCloud (stand-in, tests/standins/acedata.py) -> the built-in engine, over real HTTP:
every action the studio sends, read back into stored, playable clips, and each kind of failure."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from songs import selectors
from songs.gateway import Gateway
from songs.gateway.acedata import NO_CALLBACK_URL, AceDataFormat
from songs.models import Clip, LyricDraft, StyleBoost
from songs.services import boost, personas, requests, stems, uploads
from tests.e2e.test_flow import request_song
from tests.factories import wav_bytes
from tests.standins.families import ACEDATA_KEY, settle
from tests.standins.serving import serving
from tests.standins.sunoapi import calling_back
from tests.waiting import until

pytestmark = pytest.mark.django_db(transaction=True)


def made(task) -> list[Clip]:
    task = settle(task)
    assert task.status == "succeeded", task.fail_reason
    clips = list(task.clips.order_by("id"))
    assert clips and all(clip.media_state == "stored" for clip in clips), [c.media_error for c in clips]
    return clips


def sent(standin, action: str) -> dict:
    return next(body for path, body in reversed(standin.received) if body.get("action") == action)


def test_a_custom_song_and_an_inspiration_become_stored_clips(project, owner, behind_acedata):
    first, second = made(request_song(project, owner, mv="chirp-crow", negative_tags="metal"))
    assert (first.title, first.tags, first.model_name) == ("City Lights", "emotional punk", "chirp-crow")
    assert first.duration and first.audio_sha256 != second.audio_sha256 and first.image_file
    body = sent(behind_acedata, "generate")
    assert (body["model"], body["custom"], body["style_negative"]) == ("chirp-v5", True, "metal")
    assert body["callback_url"] == NO_CALLBACK_URL  # answered at once; polling finds the songs

    clips = made(
        requests.music_request(
            project=project, user=owner, mode="inspiration", mv="chirp-auk", description="a song for winter"
        )
    )
    assert len(clips) == 2 and clips[0].description == "a song for winter" and clips[0].lyrics


def test_continue_whole_song_and_a_replaced_section(project, owner, behind_acedata):
    original = made(request_song(project, owner))[0]
    part = made(request_song(project, owner, mode="continue", parent_clip=original, continue_at=2.5))[0]
    body = sent(behind_acedata, "extend")
    assert (body["audio_id"], body["continue_at"]) == (original.upstream_id, 2.5)
    assert part.parent == original and part.continue_at == pytest.approx(2.5)

    (whole,) = made(requests.concat_request(clip=part, user=owner))
    assert whole.clip_type == "concat" and whole.duration == pytest.approx(2.5 + part.duration, abs=0.1)
    assert sent(behind_acedata, "concat")["audio_id"] == part.upstream_id

    section = made(request_song(project, owner, mode="infill", parent_clip=original, infill=(1.0, 3.0)))[0]
    body = sent(behind_acedata, "replace_section")
    assert (body["replace_section_start"], body["replace_section_end"]) == (1.0, 3.0)
    assert section.duration == pytest.approx(2.0, abs=0.1) and section.is_infill
    (stitched,) = made(requests.concat_request(clip=section, user=owner, is_infill=True))
    assert stitched.duration == pytest.approx(original.duration, abs=0.1)  # the whole song, a new middle


def test_stems_and_a_cover_of_a_song(project, owner, behind_acedata):
    source = made(request_song(project, owner, mv="chirp-auk"))[0]
    parts = made(stems.stems_request(clip=source, user=owner))
    assert sorted(c.title.rsplit(" - ", 1)[-1] for c in parts) == ["Instrumental", "Vocals"]
    assert (
        all(c.clip_type == "stem" for c in parts)
        and sent(behind_acedata, "stems")["audio_id"] == source.upstream_id
    )

    cover = made(stems.cover_request(clip=source, user=owner, tags="bossa nova", title="City Lights (Cover)"))
    assert cover[0].tags == "bossa nova" and cover[0].title == "City Lights (Cover)"
    assert sent(behind_acedata, "cover")["audio_id"] == source.upstream_id


def test_a_persona_sings_a_new_song(project, owner, behind_acedata):
    source = made(request_song(project, owner, mv="chirp-v4"))[0]
    persona = personas.persona_create(
        clip=source, user=owner, name="Night Singer", description="low and warm"
    )
    persona.refresh_from_db()
    assert persona.upstream_id, persona.task.fail_reason
    path, body = next(item for item in behind_acedata.received if item[0] == "/suno/persona")
    assert body == {"audio_id": source.upstream_id, "name": "Night Singer"}
    song = made(
        request_song(
            project,
            owner,
            mv="chirp-v4",
            extras={
                "task": "artist_consistency",
                "persona_id": persona.upstream_id,
                "artist_clip_id": source.upstream_id,
            },
        )
    )
    assert song and sent(behind_acedata, "artist_consistency")["persona_id"] == persona.upstream_id


def test_an_upload_is_continued_with_upload_extend(project, owner, behind_acedata):
    file = SimpleUploadedFile("sketch.wav", wav_bytes(seconds=4.0), content_type="audio/wav")
    task = uploads.upload_create(project=project, user=owner, file=file)
    task.refresh_from_db()
    assert task.status == "succeeded", task.fail_reason
    upload = task.clips.get()
    assert upload.clip_type == "upload"
    made(request_song(project, owner, mv="chirp-auk", mode="continue", parent_clip=upload, continue_at=2.0))
    assert sent(behind_acedata, "upload_extend")["audio_id"] == upload.upstream_id
    made(stems.cover_request(clip=upload, user=owner, tags="bossa nova", title="Sketch (Cover)"))
    assert sent(behind_acedata, "upload_cover")["audio_id"] == upload.upstream_id  # an upload's own action


def test_lyrics_boost_and_karaoke_timing(project, owner, behind_acedata):
    task = settle(requests.lyrics_request(project=project, user=owner, prompt="乡愁"))
    assert task.status == "succeeded", task.fail_reason
    assert "[Verse" in LyricDraft.objects.get(task=task).text
    made_boost = boost.boost_request(project=project, user=owner, tags="student")
    made_boost.refresh_from_db()
    assert made_boost.status == StyleBoost.Status.DONE and made_boost.upsampled_tags
    clip = made(request_song(project, owner))[0]
    clip.refresh_from_db()
    assert clip.timing_state == "stored" and clip.timing.words  # POST /suno/timing


def test_refused_lyrics_and_a_failed_generation_end_with_their_reasons(
    project, owner, behind_acedata, settings
):
    refused = request_song(project, owner, lyrics="[Verse]\nThese copyrighted words")
    refused.refresh_from_db()
    assert (refused.status, refused.reason_code) == ("failed", "refused_content")
    assert "Lyrics contained copyrighted material" in refused.fail_reason
    assert selectors.credits_used_today(team=project.team) == 0  # given back

    settings.ENGINE_FAIL_RATE = 1.0
    failed = settle(request_song(project, owner, title="Doomed"))
    assert failed.status == "failed" and "ENGINE_FAIL_RATE" in failed.fail_reason


def test_it_calls_back_with_the_documented_body_which_names_the_task(acedata, live_server):
    calls: list[dict] = []

    def receiver(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        calls.append(json.loads(environ["wsgi.input"].read(length)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with (
        serving(receiver) as hook,
        Gateway(base_url=acedata.url, api_key=ACEDATA_KEY, api_format="acedata") as gateway,
    ):
        payload = {
            "prompt": "[Verse]\nHello",
            "tags": "pop",
            "mv": "chirp-crow",
            "title": "Hi",
            "callback_url": f"{hook}/cb",
        }
        task_id = gateway.submit_music(payload=payload)
        with calling_back(acedata):
            until(lambda: acedata.callbacks, what="the stand-in calling back")
    (url, body, status) = acedata.callbacks[0]
    assert url == f"{hook}/cb" and status == 200 and calls == [body]
    assert body["success"] is True and body["task_id"] == task_id and len(body["data"]) == 2
    assert AceDataFormat.callback_task_ids(body) == [task_id]


def test_a_refused_key_says_so_and_nothing_is_charged(project, owner, behind_acedata, settings):
    settings.SUNO_GATEWAY_KEY = "not-the-token"
    task = request_song(project, owner)
    task.refresh_from_db()
    assert (task.status, task.reason_code) == ("failed", "unauthorized")
    assert selectors.credits_used_today(team=project.team) == 0
