"""Peak memory of a project export: a 20-song project streamed as one ZIP (songs/export.py).

Builds a throw-away project (test settings: temporary database and media) of 20 songs, each a real MP3
(--seconds long, 128 kbit/s stereo), a 1024x1024 cover, lyrics and, for every fifth song, two stems; then
downloads the project's "Download ZIP" through Django's test client as a browser would, reading the
streamed answer chunk by chunk, and reports the process's peak RSS during the download against its RSS
before it (Linux: VmHWM is reset through /proc/self/clear_refs first), the ZIP's size and the time.

    .venv/bin/python bench/bench_export.py [--songs 20] [--seconds 180]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _status(field: str) -> int:
    """A /proc/self/status figure in kB (VmRSS: now, VmHWM: the peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _mp3(seconds: float, pitch: float) -> bytes:
    import lameenc
    import numpy as np

    rate = 44100
    t = np.arange(int(seconds * rate)) / rate
    swell = 1 + 0.5 * np.sin(2 * np.pi * 0.5 * t)
    tone = (0.2 * np.sin(2 * np.pi * pitch * t) * swell * 20000).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(2)
    return bytes(encoder.encode(np.repeat(tone[:, None], 2, axis=1).tobytes()) + encoder.flush())


def _build(songs: int, seconds: float):
    from django.conf import settings
    from django.contrib.auth.models import User
    from PIL import Image

    from songs.models import Clip, GenerationTask
    from songs.services import teams

    user = User.objects.create_user(username="bench", password="bench-export-pw")
    project = teams.project_create(user=user, name="Bench EP")
    media = Path(settings.MEDIA_ROOT)
    audio, stem_audio = _mp3(seconds, 330.0), _mp3(seconds, 220.0)
    cover = io.BytesIO()
    Image.effect_noise((1024, 1024), 64).convert("RGB").save(cover, "JPEG", quality=90)
    lyrics = "[Verse]\nWalking down the streets\nBeneath the city lights\n\n[Chorus]\nCity lights\n" * 4

    def clip(task, title, data, **fields):
        row = Clip.objects.create(
            project=project, task=task, upstream_id=f"bench-{Clip.objects.count()}", title=title,
            status="complete", duration=seconds, media_state="stored", **fields,
        )  # fmt: skip
        name = f"clips/audio/{row.uid}.mp3"
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)
        row.audio_file = name
        row.save(update_fields=["audio_file"])
        return row

    for n in range(songs):
        task = GenerationTask.objects.create(
            project=project, user=user, action="MUSIC", mode="custom", request_payload={}, status="succeeded"
        )
        song = clip(task, f"Song {n + 1} 夜の街", audio, lyrics=lyrics, tags="pop", model_name="chirp-v3")
        image = f"clips/images/{song.uid}.jpeg"
        (media / image).parent.mkdir(parents=True, exist_ok=True)
        (media / image).write_bytes(cover.getvalue())
        Clip.objects.filter(pk=song.pk).update(image_file=image)
        if n % 5 == 0:
            for part in ("Vocals", "Instrumental"):
                meta = {"type": "stem", "stem_from_id": song.upstream_id}
                clip(task, f"{song.title} - {part}", stem_audio, clip_type="stem", metadata=meta)
    return user, project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--songs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180.0)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings_test"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    out = Path(tempfile.mkdtemp(prefix="bench-export-")) / "export.zip"
    try:
        user, project = _build(args.songs, args.seconds)
        client = Client()
        client.force_login(user)
        stored = sum(f.stat().st_size for f in Path(settings.MEDIA_ROOT).rglob("*") if f.is_file())
        Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
        before = _status("VmRSS")
        started = time.monotonic()
        response = client.get(reverse("songs:project_export", args=[project.pk]))
        size = 0
        with open(out, "wb") as sink:
            for chunk in response.streaming_content:
                size += len(chunk)
                sink.write(chunk)
        elapsed = time.monotonic() - started
        peak = _status("VmHWM")
        with zipfile.ZipFile(out) as archive:
            names = archive.namelist()
            bad = archive.testzip()
        print(f"songs: {args.songs} x {args.seconds:.0f} s; stored media {stored / 1e6:.1f} MB")
        print(f"ZIP: {size / 1e6:.1f} MB, {len(names)} files, CRCs {'ok' if bad is None else 'BAD: ' + bad}")
        print(f"time: {elapsed:.1f} s ({size / 1e6 / elapsed:.0f} MB/s)")
        print(f"RSS before: {before / 1024:.1f} MiB; peak during the export: {peak / 1024:.1f} MiB "
              f"(+{(peak - before) / 1024:.1f} MiB)")  # fmt: skip
    finally:
        connection.creation.destroy_test_db(":memory:", verbosity=0)
        shutil.rmtree(out.parent, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
