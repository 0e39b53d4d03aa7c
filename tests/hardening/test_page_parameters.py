"""Issue 19 item 3: page parameters that are not row numbers (a 30-digit number, '²', '①', '١٢') are
ignored or answered 404 by every page, never 500 (a database overflow, or int() refusing what isdigit()
took). Marked ``backends``: PostgreSQL and SQLite overflow differently."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from songs.models import GenerationTask
from tests.factories import make_stored_clip, make_task

pytestmark = [pytest.mark.backends, pytest.mark.django_db]

HUGE = "9" * 30
ODD = ["²", "①", "١٢", HUGE, "-1", " 7 ", "0x10"]
ODD_IDS = ["superscript", "circled", "arabic-indic", "30 digits", "negative", "spaces", "hex"]
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize("value", ODD, ids=ODD_IDS)
def test_the_poll_ignores_cards_and_newest_that_are_not_row_numbers(owner_client, project, value):
    card = make_task(project)
    url = reverse("songs:project_updates", args=[project.pk])
    response = owner_client.get(
        url, {"since": time.time() - 60, "cards": f"{card.pk},{value}", "newest": value}
    )
    assert response.status_code in (200, 286)


@pytest.mark.parametrize("value", ODD, ids=ODD_IDS)
def test_show_older_songs_answers_404_for_a_before_that_is_not_a_row_number(owner_client, project, value):
    make_task(project)
    response = owner_client.get(reverse("songs:project_cards_older", args=[project.pk]), {"before": value})
    assert response.status_code in (200, 404)


def test_show_older_songs_still_pages_by_row_number(owner_client, project):
    tasks = [make_task(project) for _ in range(2)]
    response = owner_client.get(
        reverse("songs:project_cards_older", args=[project.pk]), {"before": str(tasks[1].pk)}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("value", ODD, ids=ODD_IDS)
def test_a_draft_parameter_that_is_not_a_row_number_is_404(owner_client, project, value):
    response = owner_client.get(reverse("songs:project_detail", args=[project.pk]), {"draft": value})
    assert response.status_code == 404


@pytest.mark.parametrize("path", [f"/projects/{HUGE}/", f"/drafts/{HUGE}/", f"/teams/{HUGE}/"])
def test_a_row_number_too_long_for_the_database_in_the_address_is_404(owner_client, path):
    assert owner_client.get(path).status_code == 404


@pytest.mark.parametrize(
    "at", ["²:10", "9" * 400 + ":00", "1e400", "nan"], ids=["superscript", "400 digits", "1e400", "nan"]
)
def test_continue_from_a_time_that_is_not_one_says_so_beside_the_field(owner_client, project, at):
    clip = make_stored_clip(make_task(project, status="succeeded"))
    data = {
        "mode": "continue",
        "clip": str(clip.uid),
        "continue_at": at,
        "lyrics": "[Verse]\nmore",
        "tags": "pop",
        "title": "T",
        "mv": "chirp-v3-5",
    }
    response = owner_client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)
    assert response.status_code == 200 and "Write a time as m:ss" in response.content.decode()
    assert not GenerationTask.objects.filter(mode="continue").exists()
