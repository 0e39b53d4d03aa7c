"""Your own audio: kept first, checked in a worker, registered with the gateway through our signed link."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import miniaudio
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from songs.gateway import Gateway
from songs.models import Clip, GenerationTask, Upload
from songs.services import common, copies, submit, uploads
from tests.factories import make_stored_clip, make_task, mock_gateway, mp3_bytes, wav_bytes

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def registering_gateway(sent: list) -> Gateway:
    def handler(request):
        sent.append(json.loads(request.content))
        return httpx.Response(
            200, json={"code": "success", "message": "", "data": "up-clip-1", "clip_id": "up-clip-1"}
        )

    return mock_gateway(handler)


def post_upload(client, project, **data):
    return client.post(
        reverse("songs:upload_create", args=[project.pk]), {"request_key": str(uuid.uuid4()), **data}, **HX
    )


def test_an_uploaded_file_is_kept_before_anything_is_sent(
    owner_client, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_upload(owner_client, project, file=SimpleUploadedFile("sketch.wav", wav_bytes()))
    upload = Upload.objects.get()
    assert upload.original_name == "sketch.wav" and upload.file.read()[:4] == b"RIFF"
    task = GenerationTask.objects.get(action="UPLOAD")
    assert task.status == "queued" and task.upload == upload and len(callbacks) == 1
    assert task.request_payload["url"].startswith("http://testserver/u/")
    assert f'id="task-{task.pk}"' in response.content.decode()


def test_the_gateway_fetches_the_upload_through_a_signed_link_without_logging_in(client, project, settings):
    task = uploads.upload_create(
        project=project, user=project.created_by, file=SimpleUploadedFile("sketch.mp3", mp3_bytes())
    )
    path = task.request_payload["url"].removeprefix("http://testserver")
    response = client.get(path)  # anonymous, like a gateway
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    assert client.get(path[:-3] + "xyz").status_code == 404  # a tampered token
    settings.UPLOAD_LINK_MAX_AGE = -1
    assert client.get(path).status_code == 404  # an expired one


def test_a_wav_becomes_an_mp3_clip_that_can_be_continued(project):
    task = uploads.upload_create(
        project=project,
        user=project.created_by,
        file=SimpleUploadedFile("My Sketch.wav", wav_bytes(seconds=3.0)),
    )
    sent = []
    submit.task_submit(task_pk=task.pk, gateway=registering_gateway(sent))
    task.refresh_from_db()
    assert task.status == "succeeded" and sent == [{"url": task.request_payload["url"]}]
    clip = Clip.objects.get(upstream_id="up-clip-1")
    assert clip.clip_type == "upload" and clip.title == "My Sketch" and clip.is_continuable
    assert abs(clip.duration - 3.0) < 0.05 and clip.media_state == "stored"
    decoded = miniaudio.decode(clip.audio_file.read())  # MP3 now: gateways take MP3 only
    assert clip.audio_file.name.endswith(".mp3") and abs(decoded.num_frames / decoded.sample_rate - 3.0) < 0.1


def test_a_file_that_is_not_audio_fails_with_a_reason_and_nothing_is_sent(project):
    task = uploads.upload_create(
        project=project,
        user=project.created_by,
        file=SimpleUploadedFile("notes.mp3", b"these are not sounds" * 100),
    )
    sent = []
    submit.task_submit(task_pk=task.pk, gateway=registering_gateway(sent))
    task.refresh_from_db()
    assert task.status == "failed" and "not audio we can read" in task.fail_reason and sent == []


def test_audio_over_the_length_limit_is_refused(project, settings):
    settings.UPLOAD_MAX_SECONDS = 1
    task = uploads.upload_create(
        project=project, user=project.created_by, file=SimpleUploadedFile("long.wav", wav_bytes(seconds=2.0))
    )
    submit.task_submit(task_pk=task.pk, gateway=registering_gateway([]))
    task.refresh_from_db()
    assert task.status == "failed" and "the limit is" in task.fail_reason


def test_a_link_to_a_private_address_is_refused_before_anything_fetches_it(project):
    task = uploads.upload_create(
        project=project, user=project.created_by, url="http://127.0.0.1:8000/admin/x.mp3"
    )
    touched = []
    submit.task_submit(
        task_pk=task.pk, gateway=mock_gateway(lambda r: touched.append(r) or httpx.Response(200))
    )
    task.refresh_from_db()
    assert task.status == "failed" and "private or local" in task.fail_reason and touched == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a file, or give a link"),
        ({"url": "ftp://example.com/a.mp3"}, "Only http and https links can be used."),
        ({"file": ("song.ogg", b"OggS")}, "Upload an MP3 or WAV file."),
    ],
)
def test_bad_uploads_are_refused_beside_the_field(owner_client, project, data, message):
    if "file" in data:
        name, content = data["file"]
        data = {"file": SimpleUploadedFile(name, content)}
    body = post_upload(owner_client, project, **data).content.decode()
    assert message in body and not Upload.objects.exists()


def test_a_file_over_the_size_limit_is_refused(owner_client, project, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    body = post_upload(
        owner_client, project, file=SimpleUploadedFile("big.wav", wav_bytes())
    ).content.decode()
    assert "the limit is" in body and not Upload.objects.exists()


def test_a_remote_gateway_without_a_public_address_cannot_take_uploads(owner_client, project, settings):
    settings.SUNO_BASE_URL, settings.PUBLIC_BASE_URL = "https://gw.example", ""
    body = post_upload(owner_client, project, file=SimpleUploadedFile("a.wav", wav_bytes())).content.decode()
    assert "set PUBLIC_BASE_URL" in body and not Upload.objects.exists()


def test_a_stranger_cannot_upload_into_my_project(stranger_client, project):
    response = post_upload(stranger_client, project, file=SimpleUploadedFile("a.wav", wav_bytes()))
    assert response.status_code == 404 and not Upload.objects.exists()


# --- downloads ---------------------------------------------------------------------------------


@pytest.fixture
def stored(project):
    return make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.5), title="City Lights")


def test_the_wav_download_is_converted_from_our_mp3(owner_client, stored):
    url = reverse("songs:clip_media", args=[stored.uid, "wav"])
    first = owner_client.get(url)  # not made yet: a worker makes it (here at once: django-q2 is synchronous)
    assert first.status_code == 202 and first["Refresh"] == "3"
    assert "being prepared" in first.content.decode()
    response = owner_client.get(url)
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "audio/wav" and body[:4] == b"RIFF"
    assert response["Content-Disposition"] == 'attachment; filename="City Lights.wav"'
    decoded = miniaudio.decode(body)
    assert abs(decoded.num_frames / decoded.sample_rate - 1.5) < 0.1


def test_a_wav_asked_for_twice_while_it_is_made_is_converted_once(owner_client, stored, monkeypatch):
    queued = []
    monkeypatch.setattr(common, "async_task", lambda func, *args, **kw: queued.append((func, args)))
    url = reverse("songs:clip_media", args=[stored.uid, "wav"])

    answers = [owner_client.get(url).status_code for _ in range(3)]  # a double click, a page asking again

    assert answers == [202, 202, 202] and queued == [("songs.tasks.convert_wav", (stored.pk,))]
    assert not (copies.clip_wav_ready(clip=stored))  # nothing was converted inside the web request


def test_downloads_are_named_after_the_title(owner_client, stored):
    response = owner_client.get(reverse("songs:clip_media", args=[stored.uid, "audio"]), {"download": "1"})
    assert response["Content-Disposition"] == 'attachment; filename="City Lights.mp3"'


def test_video_is_served_once_stored(owner_client, stored, settings):
    url = reverse("songs:clip_media", args=[stored.uid, "video"])
    assert owner_client.get(url).status_code == 404
    name = f"clips/video/{stored.uid}.mp4"
    (Path(settings.MEDIA_ROOT) / name).parent.mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / name).write_bytes(b"\x00\x00\x00\x18ftypmp42")
    Clip.objects.filter(pk=stored.pk).update(video_file=name, video_state="stored")
    response = owner_client.get(url, HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206 and response["Content-Type"] == "video/mp4"


@pytest.mark.parametrize("kind", ["audio", "wav", "cover", "video"])
def test_no_download_reaches_a_stranger(stranger_client, stored, kind):
    assert stranger_client.get(reverse("songs:clip_media", args=[stored.uid, kind])).status_code == 404


def test_an_unreachable_link_says_so_and_is_tried_again(project):
    task = uploads.upload_create(
        project=project, user=project.created_by, url="http://93.184.216.34/song.mp3"
    )

    def refused(request):
        raise httpx.ConnectError("connection refused", request=request)

    submit.task_submit(task_pk=task.pk, gateway=mock_gateway(refused))
    task.refresh_from_db()
    assert task.status == "queued" and "Could not reach the link's server" in task.fail_reason
    assert "Trying again shortly" in task.fail_reason


def test_conversions_leave_no_temp_files_behind(tmp_path):
    from songs import audio

    source = tmp_path / "in.mp3"
    source.write_bytes(mp3_bytes(1.0))
    audio.to_wav(source, tmp_path / "out" / "song.wav")
    audio.to_mp3(tmp_path / "out" / "song.wav", tmp_path / "out" / "again.mp3")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["again.mp3", "song.wav"]
    decoded = miniaudio.decode((tmp_path / "out" / "song.wav").read_bytes())
    assert abs(decoded.num_frames / decoded.sample_rate - 1.0) < 0.1
