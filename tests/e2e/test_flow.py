"""A song's whole journey through the studio and the built-in engine over HTTP: no mocks."""

from __future__ import annotations

from pathlib import Path

import miniaudio
import pytest
from django.conf import settings

from songs import catalog, selectors
from songs.models import Clip, GenerationTask, LyricDraft
from songs.services import polling, requests

pytestmark = pytest.mark.django_db(transaction=True)

LYRICS = (
    "[Verse]\nWalking down the streets\nBeneath the city lights\n\n"
    "[Chorus]\nCity lights, city lights\nShine on me tonight"
)


def _run_until_settled(task: GenerationTask, cycles: int = 5) -> GenerationTask:
    for _ in range(cycles):
        polling.work_resume_due()
        GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=None)  # due now
        GenerationTask.objects.filter(pk=task.pk, status__in=GenerationTask.PENDING).update(
            next_poll_at="2000-01-01T00:00:00Z"
        )
        polling.tasks_poll_due()
        task.refresh_from_db()
        if not task.is_pending:
            break
    return task


def request_song(project, owner, **changes) -> GenerationTask:
    """The studio's standard request ("City Lights", emotional punk, Custom), with any field changed."""
    song = {
        "mode": "custom",
        "mv": "chirp-v3-5",
        "lyrics": LYRICS,
        "tags": "emotional punk",
        "title": "City Lights",
    }
    return requests.music_request(project=project, user=owner, **{**song, **changes})


def test_it_makes_two_stored_playable_clips_from_a_custom_request(project, owner, engine_gateway):
    task = request_song(project, owner)
    task.refresh_from_db()
    assert task.status == "submitted" and task.upstream_id, task.fail_reason
    task = _run_until_settled(task)
    assert task.status == "succeeded", task.fail_reason
    clips = list(task.clips.order_by("id"))
    assert len(clips) == 2
    for clip in clips:
        assert clip.status == "complete" and clip.title == "City Lights" and clip.tags == "emotional punk"
        assert clip.media_state == "stored", clip.media_error
        path = Path(settings.MEDIA_ROOT) / clip.audio_file.name
        decoded = miniaudio.decode(path.read_bytes())
        seconds = decoded.num_frames / decoded.sample_rate
        assert abs(seconds - clip.duration) < 0.2
        assert clip.image_file and (Path(settings.MEDIA_ROOT) / clip.image_file.name).stat().st_size > 1000
    assert clips[0].audio_sha256 != clips[1].audio_sha256  # two different takes


def instrumental_song(project, owner):
    """An instrumental made from a description, run until the engine settles it."""
    task = requests.music_request(
        project=project,
        user=owner,
        mode="inspiration",
        mv="chirp-v3-5",
        description="a calm ambient piece for a rainy morning",
        instrumental=True,
    )
    return _run_until_settled(task)


def test_it_makes_an_instrumental_song_from_a_description(project, owner, engine_gateway):
    task = instrumental_song(project, owner)
    assert task.status == "succeeded", task.fail_reason
    clip = task.clips.first()
    assert clip.title and clip.description == "a calm ambient piece for a rainy morning"
    assert clip.lyrics == "" and clip.metadata["make_instrumental"] is True


def test_it_turns_a_lyrics_request_into_a_draft(project, owner, engine_gateway):
    task = requests.lyrics_request(project=project, user=owner, prompt="rainy city nights")
    task = _run_until_settled(task)
    assert task.status == "succeeded", task.fail_reason
    draft = LyricDraft.objects.get(project=project)
    assert "[Verse]" in draft.text and "rain" in draft.text.lower()
    assert draft.task == task and draft.title


def test_a_rejected_request_ends_failed_with_the_gateways_reason(project, owner, engine_gateway, settings):
    settings.ENGINE_API_KEY = "a-different-key"  # the engine now refuses the studio's key
    task = request_song(project, owner, tags="pop", title="Nope")
    task.refresh_from_db()
    assert task.status == "failed"
    assert "token" in task.fail_reason.lower()
    assert not Clip.objects.exists()


def test_an_engine_failure_is_shown_with_its_reason(project, owner, engine_gateway, settings):
    settings.ENGINE_FAIL_RATE = 1.0
    task = request_song(project, owner, tags="pop", title="Doomed")
    task = _run_until_settled(task)
    assert task.status == "failed"
    assert "ENGINE_FAIL_RATE" in task.fail_reason


def _seconds(clip: Clip) -> float:
    decoded = miniaudio.decode((Path(settings.MEDIA_ROOT) / clip.audio_file.name).read_bytes())
    return decoded.num_frames / decoded.sample_rate


def _song(project, owner, **extra) -> Clip:
    task = _run_until_settled(request_song(project, owner, **extra))
    assert task.status == "succeeded", task.fail_reason
    return task.clips.order_by("id").first()


def test_continue_then_whole_song_adds_up_through_the_engine(project, owner, engine_gateway):
    original = _song(project, owner)
    first = _song(project, owner, mode="continue", parent_clip=original, continue_at=2.5)
    assert first.parent == original and first.continue_at == 2.5
    assert first.task.request_payload["task_id"] == original.task.upstream_id
    second = _song(project, owner, mode="continue", parent_clip=first, continue_at=1.75)
    whole_task = _run_until_settled(requests.concat_request(clip=second, user=owner))
    assert whole_task.status == "succeeded", whole_task.fail_reason
    whole = whole_task.clips.get()
    assert whole.clip_type == "concat" and whole.media_state == "stored"
    expected = 2.5 + 1.75 + second.duration  # what each part keeps, in its own timeline
    assert whole.duration == pytest.approx(expected, abs=0.05)
    assert _seconds(whole) == pytest.approx(expected, abs=0.1)  # the file we stored says so too


def test_replace_section_gives_the_whole_song_back_in_one_step(project, owner, engine_gateway, settings):
    settings.SUNO_API_FORMAT = "v2"
    original = _song(project, owner)
    assert original.task.upstream_id.startswith("v2:")
    used = selectors.credits_used_today(team=project.team)
    section = _song(
        project, owner, mode="infill", parent_clip=original, infill=(1.0, 3.5), negative_tags="metal"
    )
    assert section.is_infill and section.duration == pytest.approx(2.5, abs=0.05)
    # Nobody pressed anything more: each new section is being put back into the song, at no charge.
    stitches = GenerationTask.objects.filter(action="CONCAT", mode="infill", parent_clip__task=section.task)
    assert stitches.count() == section.task.clips.count() == 2
    assert selectors.credits_used_today(team=project.team) == used + catalog.COSTS["MUSIC"]
    stitched_task = _run_until_settled(stitches.get(parent_clip=section))
    assert stitched_task.status == "succeeded", stitched_task.fail_reason
    stitched = stitched_task.clips.get()
    assert stitched.clip_type == "concat_infilling"
    assert stitched.duration == pytest.approx(original.duration, abs=0.05)  # same length, new middle
    assert _seconds(stitched) == pytest.approx(original.duration, abs=0.1)
    # The whole song goes on like any other: continue it through the engine.
    assert stitched.is_continuable
    further = _song(project, owner, mode="continue", parent_clip=stitched, continue_at=2.0)
    assert further.parent == stitched and further.media_state == "stored"


def test_a_video_arrives_after_the_song_and_is_stored(project, owner, engine_gateway):
    clip = _song(project, owner)
    clip.refresh_from_db()
    assert clip.video_state == "stored", clip.video_state
    path = Path(settings.MEDIA_ROOT) / clip.video_file.name
    assert path.read_bytes()[4:8] == b"ftyp"  # an MP4


def test_switching_the_format_does_not_strand_songs_in_flight(project, owner, engine_gateway, settings):
    settings.SUNO_API_FORMAT = "v2"
    task = request_song(project, owner, tags="pop", title="Switch")
    task.refresh_from_db()
    assert task.upstream_id.startswith("v2:")
    settings.SUNO_API_FORMAT = "task"  # an operator switches while the song is being made
    task = _run_until_settled(task)
    assert task.status == "succeeded" and task.clips.count() == 2
