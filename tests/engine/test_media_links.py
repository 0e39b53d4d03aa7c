"""The engine's media links are signed and expire, like a CDN's; what the engine deleted is gone."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from engine.api import medialinks
from engine.jobs import storage
from engine.models import EngineClip, EngineTask
from tests.engine.helpers import make_song, url_path

pytestmark = pytest.mark.django_db(transaction=True)


def _get(client, url: str, **headers):
    return client.get(url.removeprefix("http://testserver"), **headers)


def _with(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


def test_it_hands_out_links_that_expire_after_the_configured_lifetime(client, engine_key, settings):
    settings.ENGINE_MEDIA_TTL = 600
    before = time.time()
    _, clips = make_song(client, engine_key)
    for url in (clips[0]["audio_url"], clips[0]["image_url"], clips[0]["video_url"]):
        expires = int(parse_qs(urlsplit(url).query)["exp"][0])
        assert before + 600 <= expires <= time.time() + 1200
        assert _get(client, url).status_code == 200


def test_a_signed_link_still_serves_ranges_for_seeking(client, engine_key):
    _, clips = make_song(client, engine_key)
    part = _get(client, clips[0]["audio_url"], HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and len(b"".join(part.streaming_content)) == 100
    assert part["Content-Range"].startswith("bytes 100-199/")


def test_an_unsigned_link_is_refused(client, engine_key):
    _, clips = make_song(client, engine_key)
    for url in (clips[0]["audio_url"], clips[0]["image_url"]):
        assert client.get(url_path(url)).status_code == 403


def test_a_tampered_link_is_refused(client, engine_key):
    _, clips = make_song(client, engine_key)
    first, second = clips[0], clips[1]
    signature = parse_qs(urlsplit(first["audio_url"]).query)["sig"][0]
    expires = parse_qs(urlsplit(first["audio_url"]).query)["exp"][0]
    later = str(int(expires) + 86400)
    assert client.get(_with(first["audio_url"], exp=later)).status_code == 403  # a longer life
    flipped = signature[:-1] + ("1" if signature.endswith("0") else "0")  # always a different signature
    assert client.get(_with(first["audio_url"], sig=flipped)).status_code == 403
    other = _with(second["audio_url"], sig=signature, exp=expires)  # another clip's signature
    assert client.get(other).status_code == 403
    assert (
        client.get(_with(first["image_url"], sig=signature, exp=expires)).status_code == 403
    )  # another kind
    assert client.get(_with(first["audio_url"], exp="9" * 5000)).status_code == 403


def test_an_expired_link_is_refused(client, engine_key, settings, monkeypatch):
    settings.ENGINE_MEDIA_TTL = 60
    _, clips = make_song(client, engine_key)
    url = clips[0]["audio_url"]
    assert _get(client, url).status_code == 200
    real_time = time.time
    monkeypatch.setattr(medialinks.time, "time", lambda: real_time() + 2 * 3600)
    assert _get(client, url).status_code == 403


def test_media_of_a_clip_the_engine_deleted_is_gone_even_with_a_valid_link(client, engine_key):
    task_id, clips = make_song(client, engine_key)
    url = clips[0]["audio_url"]
    EngineTask.objects.filter(id=task_id).delete()
    assert _get(client, url).status_code == 404
    assert not storage.media_path(clips[0]["id"], "mp3").exists()
    assert not storage.media_path(clips[0]["id"], "npy").exists()


def test_a_file_the_engine_no_longer_keeps_is_not_served(client, engine_key):
    _, clips = make_song(client, engine_key)
    EngineClip.objects.filter(id=clips[0]["id"]).update(has_image=False)
    assert _get(client, clips[0]["image_url"]).status_code == 404
    assert _get(client, clips[0]["audio_url"]).status_code == 200
