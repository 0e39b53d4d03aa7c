"""Media through the storage API (issue 10, item 4): an S3-compatible bucket for several machines (a real
moto S3 server on a free local port, spoken to over HTTP by django-storages and boto3), and on the file
system a proxy's X-Accel-Redirect. Members get the bytes; strangers get 404 whatever the storage.
"""

from __future__ import annotations

import hashlib
import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from moto.server import ThreadedMotoServer

from songs.models import Clip
from songs.services import copies
from tests.factories import make_stored_clip, make_task, mock_gateway, mp3_bytes

pytestmark = pytest.mark.django_db

BUCKET = "studio-media-test"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """The studio's default storage is the bucket, as with MEDIA_S3_BUCKET set."""
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": True,
                "default_acl": None,
                "signature_version": "s3v4",
            },
        },
    }
    settings.MEDIA_URL_EXPIRY = 300
    return s3_server


def fetch(url: str) -> tuple[int, bytes, dict]:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the local moto server
        return answer.status, answer.read(), dict(answer.headers)


def test_a_member_is_sent_to_a_short_lived_signed_link_that_really_downloads(s3, owner_client, project):
    audio = mp3_bytes(1.0)
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=audio, title="City Lights")
    assert default_storage.exists(clip.audio_file.name)  # in the bucket, not on this machine's disk

    response = owner_client.get(reverse("songs:clip_media", args=[clip.uid, "audio"]), {"download": "1"})

    assert response.status_code == 302
    link = response["Location"]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(s3) and query["X-Amz-Expires"] == ["300"]  # signed, valid five minutes
    assert 'filename="City Lights.mp3"' in query["response-content-disposition"][0]
    status, body, headers = fetch(link)
    assert status == 200 and body == audio
    assert 'attachment; filename="City Lights.mp3"' in headers["Content-Disposition"]


def test_a_stranger_gets_404_and_no_link(s3, stranger_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"))

    response = stranger_client.get(reverse("songs:clip_media", args=[clip.uid, "audio"]))

    assert response.status_code == 404 and "Location" not in response


def test_the_copy_job_stores_the_clips_audio_in_the_bucket(s3, project):
    audio = mp3_bytes(1.0)
    task = make_task(project, status="succeeded")
    clip = Clip.objects.create(
        project=project, task=task, upstream_id="c-1", status="complete", audio_url="http://gw.test/c-1.mp3"
    )
    Clip.objects.filter(pk=clip.pk).update(media_state="pending")
    gateway = mock_gateway(
        lambda request: httpx.Response(200, content=audio, headers={"Content-Type": "audio/mpeg"})
    )

    copies.clip_media_download(clip_pk=clip.pk, gateway=gateway)

    clip.refresh_from_db()
    assert clip.media_state == "stored" and clip.audio_sha256 == hashlib.sha256(audio).hexdigest()
    with default_storage.open(clip.audio_file.name, "rb") as stored:
        assert stored.read() == audio


def test_a_wav_is_made_from_the_bucket_and_stored_back_there(s3, owner_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="City Lights")
    url = reverse("songs:clip_media", args=[clip.uid, "wav"])

    assert owner_client.get(url).status_code == 202  # the (synchronous, in tests) worker makes it
    response = owner_client.get(url)

    assert response.status_code == 302 and default_storage.exists(copies.wav_name(clip=clip))
    status, body, _headers = fetch(response["Location"])
    assert status == 200 and body[:4] == b"RIFF"


def test_behind_a_proxy_the_view_checks_access_and_hands_the_bytes_to_it(
    settings, client_for, owner, stranger, project
):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    clip = make_stored_clip(make_task(project, status="succeeded"), title="City Lights")
    url = reverse("songs:clip_media", args=[clip.uid, "audio"])

    response = client_for(owner).get(url, {"download": "1"})

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{clip.audio_file.name}"
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Content-Disposition"] == 'attachment; filename="City Lights.mp3"'
    assert client_for(stranger).get(url).status_code == 404


def test_an_upload_in_the_bucket_is_handed_to_the_gateway_as_bytes_not_a_redirect(s3, client, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from songs.services import uploads

    audio = mp3_bytes(1.0)
    task = uploads.upload_create(
        project=project, user=project.created_by, file=SimpleUploadedFile("sketch.mp3", audio)
    )
    token = task.request_payload["url"].rsplit("/u/", 1)[1]

    response = client.get(reverse("songs:upload_public", args=[token]))

    assert response.status_code == 200 and b"".join(response.streaming_content) == audio
    assert client.get(reverse("songs:upload_public", args=["not-a-token"])).status_code == 404
