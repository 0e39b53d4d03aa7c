"""The studio -> ACE-Step 1.5's API server (stand-in, tests/standins/acestep.py) -> the built-in engine, over
real HTTP: Custom, Inspiration, Continue and Replace section by repaint, cover, stems by extract, its files
fetched with the key, a full queue waited out, and what it lacks refused before anything is saved."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from songs import selectors
from songs.models import Clip, GenerationTask
from songs.services import features, requests, stems
from songs.services.submit import task_submit
from songs.templatetags.studio import task_reason, task_subtitle
from tests.e2e.test_flow import request_song
from tests.standins.families import ACESTEP_KEY, settle

pytestmark = pytest.mark.django_db(transaction=True)


def made(task: GenerationTask) -> list[Clip]:
    task = settle(task)
    assert task.status == "succeeded", task.fail_reason
    clips = list(task.clips.order_by("id"))
    assert clips and all(clip.media_state == "stored" for clip in clips), [c.media_error for c in clips]
    return clips


def test_a_custom_song_is_titled_stored_and_its_file_needs_the_key(project, owner, behind_acestep):
    first, second = made(request_song(project, owner))
    body = behind_acestep.received[-1]
    assert (
        body["task_type"] == "text2music"
        and body["prompt"] == "emotional punk"
        and body["vocal_language"] == "en"
    )
    assert (first.title, second.title) == ("City Lights", "City Lights (2)")  # ACE-Step keeps no titles
    assert first.upstream_id.startswith(str(behind_acestep.audio_dir)) and first.duration
    assert first.model_name == "acestep-v15-turbo" and first.audio_sha256 != second.audio_sha256
    assert first.metadata["media_private"] is True and first.audio_src.startswith("/clips/")
    link = f"{behind_acestep.url}/v1/audio?path={quote(first.upstream_id, safe='')}"
    assert httpx.get(link).status_code == 401  # its files are for the key's holder only
    answer = httpx.get(link, headers={"Authorization": f"Bearer {ACESTEP_KEY}"})
    assert answer.status_code == 200 and answer.content[:2] == b"\xff\xfb"  # an MP3 frame
    outside = f"{behind_acestep.url}/v1/audio?path={quote('/etc/passwd', safe='')}"
    assert httpx.get(outside, headers={"Authorization": f"Bearer {ACESTEP_KEY}"}).status_code == 403


def test_an_inspiration_asks_its_language_model_to_write_the_song(project, owner, behind_acestep):
    clips = made(
        requests.music_request(
            project=project, user=owner, mode="inspiration", mv="chirp-crow", description="a song for winter"
        )
    )
    assert behind_acestep.received[-1] == {
        "task_type": "text2music",
        "sample_query": "a song for winter",
        "thinking": True,
    }
    assert len(clips) == 2 and clips[0].lyrics


def test_continue_and_replace_section_repaint_the_clips_own_file(project, owner, behind_acestep):
    original = made(request_song(project, owner))[0]
    part = made(request_song(project, owner, mode="continue", parent_clip=original, continue_at=2.5))[0]
    body = behind_acestep.received[-1]
    assert (body["task_type"], body["src_audio_path"]) == ("repaint", original.upstream_id)
    assert (body["repainting_start"], body["repainting_end"]) == (2.5, 62.5)
    assert part.parent == original and part.title == "City Lights"

    made(request_song(project, owner, mode="infill", parent_clip=original, infill=(1.0, 3.0)))
    body = behind_acestep.received[-1]
    assert (body["task_type"], body["repainting_start"], body["repainting_end"]) == ("repaint", 1.0, 3.0)


def test_stems_extract_the_vocals_and_a_cover_restyles_the_song(project, owner, behind_acestep):
    source = made(request_song(project, owner))[0]
    (vocals,) = made(stems.stems_request(clip=source, user=owner))
    assert (vocals.title, vocals.clip_type) == ("City Lights - Vocals", "stem")
    body = behind_acestep.received[-1]
    assert (body["task_type"], body["model"], body["src_audio_path"]) == (
        "extract",
        "acestep-v15-base",
        source.upstream_id,
    )

    cover = made(stems.cover_request(clip=source, user=owner, tags="bossa nova", title="City Lights (Cover)"))
    assert cover[0].title == "City Lights (Cover)"
    assert behind_acestep.received[-1]["task_type"] == "cover"


def test_a_full_queue_is_waited_out_not_failed(project, owner, behind_acestep, settings):
    behind_acestep.full_answers = 3
    task = request_song(project, owner)
    for _ in range(3):
        task.refresh_from_db()
        assert task.status == "queued" and task.reason_code == "retrying", task.fail_reason
        assert "queue is full" in task.fail_reason
        shown = task_reason(task)  # as the card says it
        assert shown == "Not sent yet: Server busy: queue is full. Trying again shortly.", shown
        task_submit(task_pk=task.pk)  # the poller sends it again when due
    task.refresh_from_db()
    assert task.upstream_id and task.attempts <= 1  # the waits were not counted as failed tries
    assert made(task)


def test_a_failed_job_and_a_missing_source_end_with_their_reasons(project, owner, behind_acestep, settings):
    settings.ENGINE_FAIL_RATE = 1.0
    failed = settle(request_song(project, owner, title="Doomed"))
    assert failed.status == "failed" and "ENGINE_FAIL_RATE" in failed.fail_reason
    settings.ENGINE_FAIL_RATE = 0.0
    stranger = Clip.objects.create(
        project=project, task=failed, upstream_id="suno-clip-from-before", status="complete", title="Old"
    )
    lost = settle(request_song(project, owner, mode="continue", parent_clip=stranger, continue_at=1.0))
    assert lost.status == "failed" and "Source audio not found" in lost.fail_reason


def test_what_ace_step_lacks_is_hidden_and_refused_before_it_is_saved(
    project, owner, behind_acestep, owner_client
):
    caps = selectors.gateway_capabilities()
    assert not (caps.concat or caps.upload or caps.persona or caps.boost or caps.lyrics or caps.negative_tags)
    with pytest.raises(features.FeatureMissing):
        requests.lyrics_request(project=project, user=owner, prompt="乡愁")
    assert not GenerationTask.objects.exists()  # refused before it was saved
    html = owner_client.get(f"/projects/{project.pk}/").content.decode()
    assert "data-no-lyrics-call" in html and "Write lyrics" not in html
    assert 'name="mv"' in html and "chirp-crow)" not in html  # no Suno model to pick: its own makes the song
    song = request_song(project, owner)
    assert task_subtitle(song) == "Custom · emotional punk"  # the card names no Suno model either


def test_a_clip_whose_file_needs_the_key_is_not_played_from_the_gateway(project, owner):
    task = GenerationTask.objects.create(
        project=project, user=owner, action="MUSIC", mode="custom", request_payload={}
    )
    link = "http://gpu-box:8001/v1/audio?path=%2Ftmp%2Fa.mp3"
    clip = Clip.objects.create(
        project=project, task=task, upstream_id="/tmp/a.mp3", status="complete", audio_url=link
    )
    assert clip.audio_src == link  # any other gateway's link plays until our copy is stored
    clip.metadata = {"media_private": True}
    assert clip.audio_src == ""  # a browser has no key: no player until our copy is in


def test_a_refused_key_says_so_and_nothing_is_charged(project, owner, behind_acestep, settings):
    settings.SUNO_GATEWAY_KEY = "not-the-key"
    task = request_song(project, owner)
    task.refresh_from_db()
    assert (task.status, task.reason_code) == ("failed", "unauthorized")
    assert task_reason(task) == "The gateway refused the studio's key. Ask an administrator to check it."
    assert selectors.credits_used_today(team=project.team) == 0
