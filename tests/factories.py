"""Small builders for rows the tests need, written as the services would leave them."""

from __future__ import annotations

import uuid

import httpx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from songs.gateway import Gateway
from songs.models import Clip, GenerationTask


def mock_gateway(handler) -> Gateway:
    """A gateway client answered by ``handler`` (httpx.MockTransport); backoff waits are skipped."""
    return Gateway(
        base_url="http://gw.test",
        api_key="sk-test-key-0123",
        transport=httpx.MockTransport(handler),
        sleep=lambda _seconds: None,
    )


def make_task(
    project, *, status="running", upstream_id=None, action="MUSIC", mode="custom", **fields
) -> GenerationTask:
    payload = {
        "prompt": "[Verse]\nla la",
        "tags": "pop",
        "mv": "chirp-v3-5",
        "title": "Song",
        "make_instrumental": False,
    }
    return GenerationTask.objects.create(
        project=project,
        user=project.created_by,
        action=action,
        mode=mode,
        request_payload=payload,
        status=status,
        upstream_id=upstream_id if upstream_id is not None else str(uuid.uuid4()),
        **fields,
    )


def make_stored_clip(task, *, audio: bytes = b"ID3" + bytes(range(256)) * 40, title="Song") -> Clip:
    clip = Clip.objects.create(
        project=task.project,
        task=task,
        upstream_id=str(uuid.uuid4()),
        title=title,
        status="complete",
        duration=3.0,
        media_state="stored",
    )
    # Through the storage (the file system or, in the S3 tests, a bucket), as the copy job saves it.
    clip.audio_file = default_storage.save(f"clips/audio/{clip.uid}.mp3", ContentFile(audio))
    clip.save(update_fields=["audio_file"])
    return clip


def wav_bytes(seconds: float = 2.0, rate: int = 22050) -> bytes:
    """A real, audible WAV: a 440 Hz tone."""
    import io
    import wave

    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone.tobytes())
    return buffer.getvalue()


def mp3_bytes(seconds: float = 2.0) -> bytes:
    import lameenc
    import numpy as np

    rate = 44100
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    stereo = np.repeat(tone[:, None], 2, axis=1)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(2)
    return bytes(encoder.encode(stereo.tobytes()) + encoder.flush())


def make_complete_clip(project, *, audio_url: str = "http://cdn.test/a.mp3", **fields) -> Clip:
    """A clip the gateway has finished, whose copy is still to be made (media pending)."""
    task = make_task(project, status="succeeded", upstream_id="t-1")
    values = {"status": "complete", "audio_url": audio_url, "media_state": "pending", **fields}
    return Clip.objects.create(project=project, task=task, upstream_id=str(uuid.uuid4()), **values)
