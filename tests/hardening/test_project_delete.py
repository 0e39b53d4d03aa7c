"""Issue 9, item 8: deleting a project removes its media, uploads and the engine's copies, after commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from songs.models import Clip
from songs.services import teams, uploads
from tests.factories import make_stored_clip, make_task, wav_bytes

pytestmark = pytest.mark.django_db


def _files(project) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    clip = make_stored_clip(make_task(project, status="succeeded"))
    wav = root / "clips" / "wav" / f"{clip.uid}.wav"
    wav.parent.mkdir(parents=True, exist_ok=True)
    wav.write_bytes(b"RIFF")
    engine = [root / "engine" / f"{clip.upstream_id}.{kind}" for kind in ("mp3", "npy", "jpeg")]
    for path in engine:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"engine copy")
    task = uploads.upload_create(
        project=project, user=project.created_by, file=SimpleUploadedFile("sketch.wav", wav_bytes(1.0))
    )
    upload = root / task.upload.file.name
    return [root / clip.audio_file.name, wav, upload, *engine]


def test_deleting_a_project_removes_its_files_after_the_commit(
    owner_client, project, django_capture_on_commit_callbacks
):
    files = _files(project)
    keep = make_stored_clip(make_task(teams.project_create(user=project.created_by, name="Other")))
    assert all(path.exists() for path in files)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("songs:project_settings", args=[project.pk]), {"delete": "1", "confirm": project.name}
        )
    assert response.status_code == 302
    assert [path for path in files if path.exists()] == []
    assert (Path(settings.MEDIA_ROOT) / keep.audio_file.name).exists()


def test_nothing_is_removed_before_the_commit(owner_client, project, django_capture_on_commit_callbacks):
    files = _files(project)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner_client.post(
            reverse("songs:project_settings", args=[project.pk]), {"delete": "1", "confirm": project.name}
        )
    assert all(path.exists() for path in files) and callbacks
    assert not Clip.objects.filter(project_id=project.pk).exists()


def test_a_real_gateways_copies_are_not_touched(
    owner_client, project, settings, django_capture_on_commit_callbacks
):
    settings.SUNO_BASE_URL = "https://gateway.example"
    files = _files(project)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("songs:project_settings", args=[project.pk]), {"delete": "1", "confirm": project.name}
        )
    assert [p.suffix for p in files if p.exists()] == [".mp3", ".npy", ".jpeg"]  # the engine's folder only
