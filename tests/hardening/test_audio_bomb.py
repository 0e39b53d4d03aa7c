"""Issue 9, item 4: a long upload is refused while decoding, in bounded memory (no decompression bomb)."""

from __future__ import annotations

import tracemalloc

import lameenc
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from songs import audio
from songs.services import submit, uploads
from tests.services.test_uploads import registering_gateway

pytestmark = pytest.mark.django_db

MINUTES = 3


@pytest.fixture(scope="module")
def long_mp3(tmp_path_factory):
    """Three minutes of 44.1 kHz stereo silence: ~100 kB of MP3, ~32 MB once decoded whole."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(44100)
    encoder.set_channels(2)
    encoder.set_quality(9)
    second = bytes(44100 * 2 * 2)
    data = b"".join(encoder.encode(second) for _ in range(MINUTES * 60)) + encoder.flush()
    path = tmp_path_factory.mktemp("bomb") / "long.mp3"
    path.write_bytes(bytes(data))
    return path


def test_probe_stops_decoding_at_the_cap_in_bounded_memory(long_mp3):
    tracemalloc.start()
    try:
        with pytest.raises(audio.TooLong):
            audio.probe(long_mp3, max_seconds=60)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_probe_measures_audio_within_the_cap(long_mp3):
    found = audio.probe(long_mp3, max_seconds=MINUTES * 60 + 5)
    assert abs(found.duration - MINUTES * 60) < 1.0 and found.is_mp3


def test_an_upload_over_the_limit_is_refused_with_a_clear_reason(project, settings, long_mp3):
    settings.UPLOAD_MAX_SECONDS = 60
    task = uploads.upload_create(
        project=project,
        user=project.created_by,
        file=SimpleUploadedFile("long.mp3", long_mp3.read_bytes()),
    )
    tracemalloc.start()
    try:
        submit.task_submit(task_pk=task.pk, gateway=registering_gateway([]))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    task.refresh_from_db()
    assert task.status == "failed" and "too long; the limit is 1 minute." in task.fail_reason
