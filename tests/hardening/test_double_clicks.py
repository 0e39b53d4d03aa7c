"""Issue 19 item 2: the same click sent twice at the same moment makes one request and one charge, for
every kind of request, and never answers 500.

Real concurrency: two threads, each with its own database connection, released together by a barrier.
Marked ``backends``: `make test` runs these on SQLite and again on PostgreSQL (row locks there).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from songs.models import Clip, GenerationTask, Persona, Upload
from songs.services import personas, requests, stems, uploads
from tests.factories import make_stored_clip, make_task

pytestmark = [pytest.mark.backends, pytest.mark.django_db(transaction=True)]

HX = {"HTTP_HX_REQUEST": "true"}


def at_once(action: Callable[[], object], times: int = 2) -> list:
    """Run ``action`` in ``times`` threads released together; return what each returned (or raised)."""
    barrier = threading.Barrier(times)
    results: list = [None] * times

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = action()
        except Exception as exc:  # noqa: BLE001 - the test asserts there was none
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def charged(project) -> int:
    return sum(GenerationTask.objects.filter(project=project).values_list("cost", flat=True))


@pytest.fixture
def sung(project):
    clip = make_stored_clip(make_task(project, status="succeeded", cost=0), title="City Lights")
    Clip.objects.filter(pk=clip.pk).update(lyrics="[Verse]\nla la", tags="pop")
    clip.refresh_from_db()
    return clip


def test_a_song_clicked_twice_at_once_is_one_task_and_one_charge(project, owner):
    key = uuid.uuid4()
    song = {"mode": "custom", "mv": "chirp-v3-5", "lyrics": "la", "tags": "pop", "title": "Once"}
    results = at_once(lambda: requests.music_request(project=project, user=owner, request_key=key, **song))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0].pk == results[1].pk
    assert GenerationTask.objects.filter(project=project).count() == 1 and charged(project) == 10


def test_lyrics_asked_twice_at_once_are_one_task_and_one_charge(project, owner):
    key = uuid.uuid4()
    results = at_once(
        lambda: requests.lyrics_request(project=project, user=owner, prompt="rain", request_key=key)
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert GenerationTask.objects.filter(project=project, action="LYRICS").count() == 1
    assert charged(project) == 1


def test_a_cover_clicked_twice_at_once_is_one_task_and_one_charge(project, owner, sung):
    key = uuid.uuid4()
    results = at_once(
        lambda: stems.cover_request(clip=sung, user=owner, tags="punk", title="", request_key=key)
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert GenerationTask.objects.filter(mode="cover").count() == 1 and charged(project) == 10


def test_stems_asked_at_once_by_two_editors_are_one_task_and_one_charge(project, owner, editor, sung):
    people = iter([owner, editor])
    lock = threading.Lock()

    def split():
        with lock:
            user = next(people)
        return stems.stems_request(clip=sung, user=user)

    results = at_once(split)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert GenerationTask.objects.filter(mode="stems").count() == 1 and charged(project) == 10


def test_a_persona_clicked_twice_at_once_is_one_persona_and_one_charge(project, owner, sung):
    key = uuid.uuid4()
    results = at_once(
        lambda: personas.persona_create(clip=sung, user=owner, name="Ada", description="", request_key=key)
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Persona.objects.count() == 1 and charged(project) == 100


def test_a_linked_upload_clicked_twice_at_once_is_one_upload_and_one_charge(project, owner):
    key = uuid.uuid4()
    results = at_once(
        lambda: uploads.upload_create(
            project=project, user=owner, url="https://music.example/a.mp3", request_key=key
        )
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert GenerationTask.objects.filter(action="UPLOAD").count() == 1 and Upload.objects.count() == 1
    assert charged(project) == settings.CREDIT_COSTS["UPLOAD"]  # once


def test_a_batch_clicked_twice_at_once_is_still_one_batch(project, owner):
    key = uuid.uuid4()
    song = {"mode": "custom", "mv": "chirp-v3-5", "lyrics": "la", "tags": "pop", "title": "Three"}
    results = at_once(
        lambda: requests.music_requests(project=project, user=owner, count=3, request_key=key, **song)
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert GenerationTask.objects.filter(project=project).count() == 3 and charged(project) == 30


def test_a_cover_form_sent_twice_at_once_answers_200_both_times(project, owner, sung):
    key = str(uuid.uuid4())
    url = reverse("songs:cover_create", args=[sung.uid])

    def post():
        client = Client()
        client.force_login(owner)
        return client.post(url, {"tags": "acoustic folk", "title": "", "request_key": key}, **HX).status_code

    assert at_once(post) == [200, 200]
    assert GenerationTask.objects.filter(mode="cover").count() == 1 and charged(project) == 10
