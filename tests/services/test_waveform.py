"""Waveform peaks: worked out once from the stored audio (songs.waveform), kept on the clip, a few hundred
bytes whatever the length, and shaped like the audio's loudness."""

from __future__ import annotations

import httpx
import lameenc
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from songs import waveform
from songs.models import Clip
from songs.services import submit, timing, uploads
from tests.e2e.test_flow import _run_until_settled, request_song
from tests.factories import make_stored_clip, make_task, mock_gateway, wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)
RATE = 22050


def mp3_of(levels: list[tuple[float, float]]) -> bytes:
    """An MP3 of 440 Hz tones: (seconds, amplitude 0-1) one after the other; amplitude 0 is silence."""
    parts = []
    for seconds, amplitude in levels:
        t = np.arange(int(seconds * RATE)) / RATE
        parts.append(amplitude * np.sin(2 * np.pi * 440 * t))
    pcm = (np.concatenate(parts) * 32767).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


def test_silence_is_low_and_louder_parts_are_higher():
    peaks = waveform.peaks_of(mp3_of([(2.0, 0.0), (2.0, 0.1), (2.0, 0.4), (2.0, 0.8)]))
    quarter = len(peaks) // 4
    silence, quiet, loud, loudest = (peaks[i * quarter + 5 : (i + 1) * quarter - 5] for i in range(4))
    assert max(silence) <= 1
    assert min(quiet) >= 4 and max(quiet) <= 12  # about 0.1 / 0.8 of the top
    assert min(loud) >= 26 and max(loud) <= 38  # about 0.4 / 0.8
    assert min(loudest) >= 58 and max(peaks) == waveform.LEVELS - 1


def test_a_four_minute_song_costs_three_hundred_bytes():
    song = mp3_of([(60.0, 0.2), (120.0, 0.7), (60.0, 0.35)])
    encoded = waveform.encode(waveform.peaks_of(song))  # ~0.4-1 s, once per clip, in a worker
    assert len(encoded.encode()) == waveform.POINTS == 300
    assert waveform.decode(encoded)[150] == 63 and 15 <= waveform.decode(encoded)[20] <= 21


def test_what_is_not_audio_gives_no_peaks():
    with pytest.raises(waveform.NoAudio):
        waveform.peaks_of(b"<html>not audio</html>" * 100)


def test_the_peaks_follow_the_loudness_of_a_song_the_engine_rendered(
    project, owner, engine_gateway, settings
):
    """The engine's own RMS (act/timing waveform_data, 10 per second) against our peaks of its MP3."""
    settings.ENGINE_MAX_SECONDS = 30.0
    task = _run_until_settled(request_song(project, owner))
    clip = task.clips.order_by("id").first()
    assert clip.media_state == "stored" and len(clip.peaks) == waveform.POINTS  # stored with the copy
    with clip.audio_file.open("rb") as handle:
        assert waveform.encode(waveform.peaks_of(handle.read())) == clip.peaks  # from our own copy

    key = {"Authorization": f"Bearer {settings.ENGINE_API_KEY}"}
    answer = Client().get(f"/suno/act/timing/{clip.upstream_id}", headers=key).json()
    rms = np.array(answer["waveform_data"])
    ours = np.array(waveform.decode(clip.peaks), dtype=float)
    # Both on the same grid: each of our slices against the engine's RMS at that time.
    theirs = rms[np.minimum((np.arange(len(ours)) + 0.5) / len(ours) * len(rms), len(rms) - 1).astype(int)]
    correlation = np.corrcoef(ours, theirs)[0, 1]
    assert correlation > 0.8, correlation
    # The fade-in and the ending are lower than the middle of the song.
    assert ours[:3].mean() < ours[100:200].mean() and ours[-3:].mean() < ours[100:200].mean()


def test_a_copy_that_is_not_audio_leaves_the_clip_without_a_waveform(project, caplog):
    clip = make_stored_clip(make_task(project), audio=b"not audio at all" * 100)
    timing.clip_audio_stored(clip_pk=clip.pk)
    clip.refresh_from_db()
    assert clip.peaks == "" and "no waveform" in caplog.text


def test_an_upload_gets_its_waveform_when_it_is_registered(project):
    task = uploads.upload_create(
        project=project,
        user=project.created_by,
        file=SimpleUploadedFile("Sketch.wav", wav_bytes(seconds=3.0)),
    )
    answer = {"code": "success", "message": "", "data": "up-1", "clip_id": "up-1"}
    submit.task_submit(
        task_pk=task.pk, gateway=mock_gateway(lambda request: httpx.Response(200, json=answer))
    )
    clip = Clip.objects.get(upstream_id="up-1")
    assert (
        len(clip.peaks) == waveform.POINTS and min(waveform.decode(clip.peaks)[5:-5]) >= 55
    )  # a steady tone
    assert clip.timing_state == "none"  # an upload has no karaoke: never asked


def test_clips_stored_before_waveforms_existed_get_theirs_from_the_command(project):
    from django.core.management import call_command

    task = make_task(project, status="succeeded")
    old = make_stored_clip(task, audio=mp3_of([(3.0, 0.5)]))
    unreadable = make_stored_clip(task, audio=b"not audio" * 50)
    call_command("clip_waveforms")
    old.refresh_from_db()
    unreadable.refresh_from_db()
    assert len(old.peaks) == waveform.POINTS and unreadable.peaks == ""
    assert old.timing_state == "none"  # no lyrics: not asked
