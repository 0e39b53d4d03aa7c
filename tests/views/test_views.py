from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from songs.models import GenerationTask, Project
from songs.services import teams
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _song_data(**overrides) -> dict:
    data = {
        "mode": "custom",
        "lyrics": "[Verse]\nHello night",
        "tags": "emotional punk",
        "title": "City Lights",
        "mv": "chirp-v3-5",
        "request_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_it_asks_anonymous_visitors_to_log_in(client, project):
    response = client.get(reverse("songs:project_detail", args=[project.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_login_page_has_username_and_password_fields(client):
    page = client.get("/accounts/login/").content.decode()
    assert ">Username<" in page and ">Password<" in page


def test_it_creates_a_project_from_the_list_page(owner_client, owner):
    response = owner_client.post(reverse("songs:project_list"), {"name": "Summer EP"})
    project = Project.objects.get(team__personal_for=owner, name="Summer EP")
    assert response["Location"] == project.get_absolute_url() and project.created_by == owner


def test_a_blank_project_name_is_refused_beside_the_field(owner_client):
    response = owner_client.post(reverse("songs:project_list"), {"name": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_it_lists_only_my_projects(owner_client, project, stranger):
    teams.project_create(user=stranger, name="Mallory's secret")
    page = owner_client.get(reverse("songs:project_list")).content.decode()
    assert "Night Drive" in page and "Mallory" not in page


def test_another_users_project_is_404(stranger_client, project):
    assert stranger_client.get(reverse("songs:project_detail", args=[project.pk])).status_code == 404
    assert (
        stranger_client.post(reverse("songs:song_create", args=[project.pk]), _song_data()).status_code == 404
    )
    assert stranger_client.get(reverse("songs:project_updates", args=[project.pk])).status_code == 404
    assert not GenerationTask.objects.exists()


def test_the_project_page_shows_the_create_panel(owner_client, project):
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    for label in (
        "Inspiration",
        "Custom",
        "Song description",
        "Lyrics",
        "Style of music",
        "Title",
        "Model",
        "Instrumental",
        "Create",
    ):
        assert label in page
    assert "chirp-fenix" in page and "chirp-v3-0" in page


def test_creating_a_song_saves_the_exact_request(owner_client, project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:  # not sent: only the saving is under test
        response = owner_client.post(reverse("songs:song_create", args=[project.pk]), _song_data(), **HX)
    assert response.status_code == 200
    task = GenerationTask.objects.get()
    assert task.status == "queued" and len(callbacks) == 1
    assert task.request_payload == {
        "prompt": "[Verse]\nHello night",
        "tags": "emotional punk",
        "mv": "chirp-v3-5",
        "title": "City Lights",
        "make_instrumental": False,
    }
    body = response.content.decode()
    assert f'id="task-{task.pk}"' in body and 'hx-swap-oob="afterbegin:#cards"' in body
    assert 'hx-trigger="every 2s"' in body  # the page starts polling


def test_inspiration_mode_sends_the_description_and_always_a_model(owner_client, project):
    data = _song_data(mode="inspiration", description="a lullaby for a sleepy cat", instrumental="on")
    owner_client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)
    assert GenerationTask.objects.get().request_payload == {
        "gpt_description_prompt": "a lullaby for a sleepy cat",
        "make_instrumental": True,
        "mv": "chirp-v3-5",
    }


def test_a_double_click_makes_one_song(owner_client, project):
    data = _song_data()
    owner_client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)
    owner_client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)
    assert GenerationTask.objects.count() == 1


def test_lyrics_over_the_models_limit_are_refused_beside_the_field_and_kept(owner_client, project):
    long_lyrics = "la la la\n" * 367  # 3302 characters once stripped; v3.5 takes 3000
    response = owner_client.post(
        reverse("songs:song_create", args=[project.pk]), _song_data(lyrics=long_lyrics), **HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "3302 characters: at most 3000 for model v3.5" in body
    assert 'id="id_lyrics_error"' in body and long_lyrics.strip() in body
    assert not GenerationTask.objects.exists()


def test_a_newer_model_takes_longer_lyrics(owner_client, project):
    owner_client.post(
        reverse("songs:song_create", args=[project.pk]),
        _song_data(lyrics="la la la\n" * 367, mv="chirp-crow"),
        **HX,
    )
    assert GenerationTask.objects.get().request_payload["mv"] == "chirp-crow"


def test_custom_mode_needs_lyrics_and_a_style(owner_client, project):
    response = owner_client.post(
        reverse("songs:song_create", args=[project.pk]), _song_data(lyrics="", tags=""), **HX
    )
    body = response.content.decode()
    assert "Write lyrics, or tick Instrumental." in body and "Give a style" in body


def test_without_htmx_an_invalid_form_renders_the_whole_page(owner_client, project):
    response = owner_client.post(reverse("songs:song_create", args=[project.pk]), _song_data(tags=""))
    assert response.status_code == 200 and "<html" in response.content.decode()


def test_the_poller_returns_only_changed_cards_and_stops_when_nothing_is_pending(owner_client, project):
    done = make_task(project, status="succeeded")
    running = make_task(project, status="running")
    url = reverse("songs:project_updates", args=[project.pk])
    since = running.changed_at.timestamp() - 1
    GenerationTask.objects.filter(pk=done.pk).update(changed_at="2001-01-01T00:00:00Z")
    response = owner_client.get(url, {"since": f"{since:.6f}"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="task-{running.pk}"' in body and f'id="task-{done.pk}"' not in body
    GenerationTask.objects.filter(pk=running.pk).update(status="succeeded")
    response = owner_client.get(url, {"since": f"{since:.6f}"}, **HX)
    assert response.status_code == 286  # htmx swaps the final state, then stops
    assert "hx-trigger" not in response.content.decode()


def test_the_page_does_not_poll_when_nothing_is_pending(owner_client, project):
    make_task(project, status="failed", fail_reason="quota_not_enough: top up")
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "hx-trigger" not in page
    assert "quota_not_enough: top up" in page  # a failed task stays visible with its reason


def test_media_is_served_with_range_support_to_the_owner(owner_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"))
    url = reverse("songs:clip_media", args=[clip.uid, "audio"])
    whole = owner_client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    size = int(whole["Content-Length"])
    part = owner_client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{size}"
    assert b"".join(part.streaming_content) == b"".join(whole.streaming_content)[100:200]
    assert owner_client.get(url, HTTP_RANGE=f"bytes={size + 10}-").status_code == 416


def test_media_of_someone_elses_clip_is_404(stranger_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"))
    assert stranger_client.get(reverse("songs:clip_media", args=[clip.uid, "audio"])).status_code == 404


def test_media_needs_a_login(client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"))
    assert client.get(reverse("songs:clip_media", args=[clip.uid, "audio"])).status_code == 302


def test_the_completed_card_plays_our_stored_copy(owner_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"), title="City Lights")
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert f'src="/clips/{clip.uid}/audio"' in page and "<audio" in page and "0:03" in page


def test_the_project_page_costs_the_same_queries_for_two_cards_or_twenty(owner_client, project):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(reverse("songs:project_detail", args=[project.pk]))
        return len(captured.captured_queries)

    def add_cards(count: int) -> None:
        for _ in range(count):
            task = make_task(project, status="succeeded")
            make_stored_clip(task)
            make_stored_clip(task)

    add_cards(2)
    few = queries()
    add_cards(18)
    assert queries() == few  # no query per card or per clip


def test_a_logged_out_visitor_meets_a_front_page_that_says_what_the_studio_is(client, project):
    page = client.get("/")
    body = page.content.decode()
    assert page.status_code == 200 and "Make songs from your words" in body
    assert f'href="{reverse("signup")}"' in body and f'href="{reverse("login")}"' in body
    assert project.name not in body and "Your projects" not in body
    assert client.post("/", {"name": "Mine"}).status_code == 302  # no project made logged out
    assert "<h1>把文字做成歌</h1>" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
