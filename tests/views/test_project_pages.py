"""A project page whose size does not grow with the library: newest cards first, older ones on demand."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from songs.models import Clip
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def add_songs(project, count: int) -> list:
    tasks = []
    for n in range(count):
        task = make_task(project, status="succeeded")
        task.request_payload["title"] = f"Song {n}"
        task.save(update_fields=["request_payload"])
        make_stored_clip(task, title=f"Song {n}")
        tasks.append(task)
    return tasks


def chain(project, parts: int) -> Clip:
    """A continuation chain of `parts` clips, each 3 s long and continued at 2 s."""
    clip = make_stored_clip(make_task(project, status="succeeded"), title="Part 0")
    for n in range(1, parts):
        task = make_task(project, status="succeeded", mode="continue", parent_clip=clip, continue_at=2.0)
        child = make_stored_clip(task, title=f"Part {n}")
        Clip.objects.filter(pk=child.pk).update(parent=clip, continue_at=2.0)
        clip = Clip.objects.get(pk=child.pk)
    return clip


def queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url, **HX).content.decode()
    # The session's own read (database sessions, one per request) is the middleware's, not the page's.
    page_queries = [q for q in captured.captured_queries if "django_session" not in q["sql"]]
    return len(page_queries), body


def test_the_page_shows_the_newest_ten_cards_and_a_button_for_older_ones(owner_client, project):
    add_songs(project, 25)
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert page.count('class="card status-') == 10
    assert "Song 24" in page and "Song 15" in page and "Song 14" not in page
    assert "Show older songs" in page


def test_older_songs_come_a_page_at_a_time_until_the_first(owner_client, project):
    tasks = add_songs(project, 25)
    url = reverse("songs:project_cards_older", args=[project.pk])

    second = owner_client.get(f"{url}?before={tasks[15].pk}", **HX).content.decode()
    assert second.count('class="card status-') == 10 and "Song 14" in second and "Song 5" in second
    assert f"before={tasks[5].pk}" in second  # the next button asks for what is older still

    last = owner_client.get(f"{url}?before={tasks[5].pk}", **HX).content.decode()
    assert last.count('class="card status-') == 5 and "Show older songs" not in last


def test_the_page_costs_the_same_queries_with_deep_chains_and_many_songs(owner_client, project):
    url = reverse("songs:project_detail", args=[project.pk])
    chain(project, 2)
    few, _ = queries(owner_client, url)
    add_songs(project, 40)
    for _ in range(3):
        chain(project, 6)  # the newest cards: long chains on the first page

    many, page = queries(owner_client, url)

    assert many == few  # no query per card, per clip or per step up a chain
    assert "Song so far: 0:00–0:02 Part 0 → 0:02–0:04 Part 1" in page and "= 0:13" in page


def test_the_song_so_far_line_adds_up_along_the_chain(owner_client, project):
    end = chain(project, 3)
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "Song so far: 0:00–0:02 Part 0 → 0:02–0:04 Part 1 → 0:04–0:07 Part 2 = 0:07" in page
    assert end.title == "Part 2"


def test_a_bad_page_key_is_not_found(owner_client, project):
    url = reverse("songs:project_cards_older", args=[project.pk])
    assert owner_client.get(f"{url}?before=abc", **HX).status_code == 404


def test_the_project_page_reads_the_database_at_most_ten_times(owner_client, project):
    add_songs(project, 30)
    chain(project, 4)  # a continuation on the first page: its "Song so far" needs the chain query
    count, page = queries(owner_client, reverse("songs:project_detail", args=[project.pk]))
    assert count <= 10 and "Song so far" in page


# --- the project list and the team page: a page at a time, a constant number of queries ---------------


def test_the_project_list_shows_24_projects_a_page_newest_first(owner_client, owner, project):
    from songs.services import teams

    for n in range(30):
        teams.project_create(user=owner, name=f"Album {n:02d}")
    first = owner_client.get(reverse("songs:project_list")).content.decode()
    assert first.count('class="project-tile"') == 24 and "Album 29" in first and "Page 1 of 2" in first
    second = owner_client.get(reverse("songs:project_list"), {"page": 2}).content.decode()
    assert second.count('class="project-tile"') == 7 and "Album 05" in second and project.name in second
    assert 'rel="prev" ' not in first and "?page=1" in second


def test_a_team_page_lists_members_and_projects_a_page_at_a_time(
    owner_client, owner, project, django_user_model
):
    from songs.models import Membership, Role
    from songs.services import teams

    url = reverse("songs:team_detail", args=[project.team_id])
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    for n in range(60):
        person = django_user_model.objects.create_user(f"singer{n:02d}", password="x" * 12)
        Membership.objects.create(team=project.team, user=person, role=Role.VIEWER)
    for n in range(35):
        teams.project_create(user=owner, name=f"Album {n:02d}", team=project.team)
    with CaptureQueriesContext(connection) as many:
        page = owner_client.get(url).content.decode()

    assert len(many.captured_queries) == len(few.captured_queries)  # a page's worth whatever the team's size
    assert page.count('id="role-') == 50 and "singer48" in page and "singer49" not in page
    assert "Album 29" in page and "Album 30" not in page and "Night Drive" not in page
    # Each list keeps its own place: the next page of members keeps the projects' page, and back.
    nxt = owner_client.get(url, {"members": 2, "projects": 2}).content.decode()
    assert "singer49" in nxt and "Album 34" in nxt and "?members=1&amp;projects=2" in nxt
