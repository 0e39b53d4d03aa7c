"""Batch variations (issue 12, part 8): 1-4 requests from one click of Create, each saved, keyed and charged
before anything is sent, all or nothing against the team's credits."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import IntegrityError
from django.urls import reverse

from songs import catalog
from songs.forms import SongForm
from songs.models import GenerationTask
from songs.selectors import credits_used_today
from songs.services import quotas, requests, teams
from tests.factories import make_stored_clip, make_task
from tests.views.test_views import _song_data

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
EACH = catalog.COSTS["MUSIC"]


def _create(client, project, **overrides):
    return client.post(reverse("songs:song_create", args=[project.pk]), _song_data(**overrides), **HX)


def test_the_create_panel_offers_1_to_4_variations_priced_from_the_cost_table(owner_client, project):
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    for n in range(1, 5):
        assert re.search(rf'<input type="radio" name="variations" value="{n}"', page)
    assert f'data-cost-each="{EACH}"' in page  # the number the page multiplies comes from catalog.COSTS
    assert f"Costs {EACH} credits: 1 × {EACH}," in page  # shown before anything is sent, also without JS
    assert 'data-cost-sentence="Costs %(total)s credits' in page  # the live sentence: the page's, not JS's


def test_three_variations_make_three_requests_three_cards_three_charges(
    owner_client, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _create(owner_client, project, variations="3")
    tasks = list(GenerationTask.objects.order_by("pk"))
    assert len(tasks) == 3 and len(callbacks) == 3  # each one submitted on its own, after the commit
    assert {t.status for t in tasks} == {"queued"} and [t.cost for t in tasks] == [EACH] * 3
    assert len({t.request_key for t in tasks}) == 3
    assert tasks[0].request_payload == tasks[1].request_payload == tasks[2].request_payload
    body = response.content.decode()
    for task in tasks:
        assert f'id="task-{task.pk}"' in body
    assert body.count('hx-swap-oob="afterbegin:#cards"') == 3
    assert credits_used_today(team=project.team) == 3 * EACH


def test_a_double_click_on_a_batch_of_three_makes_three_not_six(owner_client, project):
    data = _song_data(variations="3")
    first = owner_client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)
    second = owner_client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)
    assert GenerationTask.objects.count() == 3
    assert first.status_code == second.status_code == 200
    pks = sorted(GenerationTask.objects.values_list("pk", flat=True))
    assert all(f'id="task-{pk}"' in second.content.decode() for pk in pks)  # the same three cards


def test_a_batch_over_the_quota_sends_nothing_and_says_how_many_fit_beside_the_field(
    owner_client, project, django_capture_on_commit_callbacks
):
    project.team.daily_credits = 2 * EACH + 5
    project.team.save()
    with django_capture_on_commit_callbacks() as callbacks:
        response = _create(owner_client, project, variations="3", lyrics="[Verse]\nmy own words")
    body = response.content.decode()
    assert GenerationTask.objects.count() == 0 and callbacks == []  # all or nothing
    assert response.status_code == 200
    error = re.search(r'<p class="error" id="id_variations_error" role="alert">([^<]*)</p>', body)
    assert error, body
    assert f"need {3 * EACH}" in error.group(1) and "enough for 2 requests" in error.group(1)
    assert "[Verse]\nmy own words</textarea>" in body  # the user's text stays
    assert re.search(r'name="variations" value="3"[^>]*checked', body)  # and their choice
    assert f"Costs {3 * EACH} credits: 3 × {EACH}," in body


def test_a_batch_that_fits_exactly_is_made(owner_client, project):
    project.team.daily_credits = 4 * EACH
    project.team.save()
    _create(owner_client, project, variations="4")
    assert GenerationTask.objects.count() == 4


def test_with_no_credits_left_the_batch_refusal_says_when_they_reset(project, owner):
    project.team.daily_credits = 0
    project.team.save()
    with pytest.raises(quotas.QuotaExceeded, match="midnight UTC"):
        requests.music_requests(
            project=project, user=owner, count=2, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop"
        )


def test_a_continuation_is_always_one_request(owner_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"))
    _create(owner_client, project, mode="continue", clip=str(clip.uid), continue_at="0:01", variations="4")
    assert GenerationTask.objects.filter(mode="continue").count() == 1


def test_more_than_four_variations_is_refused_beside_the_field(project):
    form = SongForm(_song_data(variations="7"), project=project)
    assert not form.is_valid() and "variations" in form.errors


def test_a_batch_of_one_is_the_plain_request_with_the_clicks_own_key(project, owner):
    key = uuid.uuid4()
    (task,) = requests.music_requests(
        project=project, user=owner, request_key=key, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop"
    )
    assert task.request_key == key
    again = requests.music_request(
        project=project, user=owner, request_key=key, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop"
    )
    assert again.pk == task.pk  # the single-request path finds it too


def test_a_batch_key_replayed_in_another_project_makes_new_requests_there(project, owner):
    key = uuid.uuid4()
    song = {"mode": "custom", "mv": "chirp-v3-5", "lyrics": "la", "tags": "pop"}
    mine = requests.music_requests(project=project, user=owner, request_key=key, count=2, **song)
    other = teams.project_create(user=owner, name="Other")
    there = requests.music_requests(project=other, user=owner, request_key=key, count=2, **song)
    assert {t.project for t in there} == {other} and not {t.pk for t in there} & {t.pk for t in mine}
    assert GenerationTask.objects.count() == 4


def test_the_copy_of_a_click_that_loses_the_race_on_the_key_gets_the_first_ones(project, owner, monkeypatch):
    """Where the database takes no row lock (SQLite) two copies of one click can both pass the look-up; the
    unique key stops the second's insert, and it answers with what the first saved."""
    key = uuid.uuid4()
    song = {"mode": "custom", "mv": "chirp-v3-5", "lyrics": "la", "tags": "pop"}
    first = requests.music_requests(project=project, user=owner, request_key=key, count=3, **song)

    def lost_the_race(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: songs_generationtask.request_key")

    monkeypatch.setattr(requests, "_batch_save", lost_the_race)
    again = requests.music_requests(project=project, user=owner, request_key=key, count=3, **song)
    assert [t.pk for t in again] == [t.pk for t in first] and GenerationTask.objects.count() == 3
    with pytest.raises(IntegrityError):  # an error that is not this click's own twin is not hidden
        requests.music_requests(project=project, user=owner, request_key=uuid.uuid4(), count=3, **song)
