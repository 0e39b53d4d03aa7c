"""Karaoke and waveforms through the built-in engine over HTTP, no mocks: a clip's timed words are fetched
and kept when it completes; instrumentals are never asked; a relay without the call hides karaoke."""

from __future__ import annotations

import pytest

from songs import karaoke, selectors, waveform
from songs.models import Clip, ClipTiming, GatewayFeature
from tests.e2e.test_flow import LYRICS, _run_until_settled, instrumental_song, request_song
from tests.e2e.test_newapi_chain import behind_newapi, settle  # noqa: F401 - behind_newapi is a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _lyric_words(text: str) -> list[str]:
    """The lyrics' words in order, section tags left out."""
    return [word for line in text.splitlines() if not line.startswith("[") for word in line.split()]


def test_a_completed_clip_keeps_its_sung_words_in_order_within_its_length(
    project, owner, engine_gateway, settings
):
    settings.ENGINE_MAX_SECONDS = 30.0  # long enough to sing every line
    task = _run_until_settled(request_song(project, owner))
    assert task.status == "succeeded", task.fail_reason
    for clip in task.clips.all():
        assert clip.timing_state == "stored" and clip.timing_attempts == 1
        words = ClipTiming.objects.get(clip=clip).words
        # In lyric order, every word of the lyrics, tags riding on the next word as the reference shows.
        assert [item["word"].split()[-1] for item in words] == _lyric_words(LYRICS)
        assert words[0]["word"].startswith("[Verse]\n")
        sung = [item for item in words if item["success"]]
        assert len(sung) == len(words), "a 30 s clip sings the whole lyric sheet"
        starts = [item["start_s"] for item in sung]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)  # strictly increasing
        assert starts[0] > 0 and all(item["end_s"] <= clip.duration + 0.01 for item in sung)
        assert all(item["end_s"] >= item["start_s"] for item in sung)
        # The card's lines follow the lyric sheet's lines, each opening section named once.
        lines = karaoke.lines_of(words)
        assert [line.text for line in lines] == [
            line for line in LYRICS.splitlines() if line and not line.startswith("[")
        ]
        assert [line.section for line in lines if line.section] == ["Verse", "Chorus"]


def test_the_waveform_is_stored_with_the_audio(project, owner, engine_gateway):
    task = _run_until_settled(request_song(project, owner))
    for clip in task.clips.all():
        assert clip.media_state == "stored"
        assert 100 <= len(clip.peaks) <= waveform.POINTS and max(waveform.decode(clip.peaks)) == 63


def test_an_instrumental_is_never_asked_for_timing(project, owner, engine_gateway, caplog):
    task = instrumental_song(project, owner)
    assert task.status == "succeeded", task.fail_reason
    clip = task.clips.first()
    assert clip.peaks and clip.timing_state == "none" and clip.timing_attempts == 0
    assert not ClipTiming.objects.exists()
    assert "act/timing" not in caplog.text


@pytest.mark.usefixtures("behind_newapi")
def test_behind_a_relay_without_the_call_karaoke_is_learnt_missing_and_hidden(
    project, owner, relay_clock, client
):
    assert selectors.gateway_capabilities().timing is True
    task = settle(request_song(project, owner), relay_clock)
    assert task.status == "succeeded", task.fail_reason
    clips = list(task.clips.order_by("id"))
    assert all(clip.media_state == "stored" and clip.peaks for clip in clips)  # the waveform still works
    # The relay answered its web page for act/timing: asked once, learnt, never asked again.
    assert [clip.timing_state for clip in clips] == ["none", "none"]
    assert sum(clip.timing_attempts for clip in clips) == 1
    assert GatewayFeature.objects.get(name="timing").missing_since is not None
    assert selectors.gateway_capabilities().timing is False
    assert not ClipTiming.objects.exists()
    client.force_login(owner)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "data-waveform" in page and "data-karaoke-for" not in page and "/lyrics/lrc" not in page
    assert client.get(f"/clips/{clips[0].uid}/lyrics/lrc").status_code == 404


def test_a_passing_fault_is_tried_once_more_later_then_left(project, owner, engine_gateway, settings):
    from datetime import timedelta

    from django.utils import timezone

    from songs.services import polling

    task = _run_until_settled(request_song(project, owner))
    clip = task.clips.first()
    ClipTiming.objects.all().delete()
    Clip.objects.filter(pk=clip.pk).update(timing_state="none", timing_attempts=0)
    settings.ENGINE_ERROR_RATE = 1.0  # every answer a 503 "no available channel": worth another try
    clip.refresh_from_db()
    from songs.services import timing

    timing.clip_timing_schedule(clip=clip)  # queued on commit; runs inline in tests
    clip.refresh_from_db()
    assert (clip.timing_state, clip.timing_attempts) == ("pending", 1)  # waiting for its one retry
    polling.work_resume_due(now=timezone.now() + timedelta(seconds=30))
    clip.refresh_from_db()
    assert clip.timing_attempts == 1  # not yet due
    polling.work_resume_due(now=timezone.now() + timedelta(minutes=2))
    clip.refresh_from_db()
    assert (clip.timing_state, clip.timing_attempts) == ("failed", 2)  # given up: no karaoke, no storm
    polling.work_resume_due(now=timezone.now() + timedelta(hours=1))
    clip.refresh_from_db()
    assert clip.timing_attempts == 2


def test_a_clip_queued_before_the_feature_was_learnt_missing_is_not_asked(
    project, owner, engine_gateway, settings
):
    from songs.services import timing

    task = _run_until_settled(request_song(project, owner))
    clip = task.clips.first()
    ClipTiming.objects.all().delete()
    Clip.objects.filter(pk=clip.pk).update(timing_state="pending", timing_attempts=0)
    settings.SUNO_FEATURES = ["concat", "upload"]  # timing switched off meanwhile
    timing.clip_timing_fetch(clip_pk=clip.pk)
    clip.refresh_from_db()
    assert (clip.timing_state, clip.timing_attempts) == ("none", 0) and not ClipTiming.objects.exists()


def test_a_fault_beside_the_copy_leaves_the_lyrics_place_then_one_later_try_brings_them(
    project, owner, engine_gateway, monkeypatch, settings
):
    # Long enough that each clip sings words: a 6 s clip of a slow style may end before its first word,
    # and then the gateway rightly aligns none.
    settings.ENGINE_MAX_SECONDS = 20.0
    from datetime import timedelta

    from django.utils import timezone

    from songs.gateway import Gateway, GatewayError
    from songs.services import polling

    real, tried = Gateway.fetch_timing, set()

    def unavailable_once(self, *, clip_id, task_id="", quick=False):
        if clip_id not in tried:  # the first try, right after the copy: the gateway is busy
            tried.add(clip_id)
            raise GatewayError("http_503", "no available channel", http_status=503, retryable=True)
        return real(self, clip_id=clip_id, task_id=task_id, quick=quick)

    monkeypatch.setattr(Gateway, "fetch_timing", unavailable_once)
    task = _run_until_settled(request_song(project, owner))
    clip = task.clips.order_by("id").first()
    assert clip.media_state == "stored" and clip.peaks  # the copy and its waveform did not wait
    assert (clip.timing_state, clip.timing_attempts) == ("pending", 1)
    polling.work_resume_due(now=timezone.now() + timedelta(minutes=2))  # its one later try
    clip.refresh_from_db()
    assert (clip.timing_state, clip.timing_attempts) == ("stored", 2)
    assert ClipTiming.objects.get(clip=clip).words[0]["word"].startswith("[Verse]")
