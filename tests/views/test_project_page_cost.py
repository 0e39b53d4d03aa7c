"""What keeps the project page cheap as a library grows: its queries do not grow with the cards, they read
through indexes (not every clip or task of the project), and a clip's links are made without reverse()."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix

from songs.links import reverse_fast
from songs.models import Clip
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db


def add_songs(project, count: int) -> None:
    for n in range(count):
        task = make_task(project, status="succeeded")
        make_stored_clip(task, title=f"Song {n}")
        make_stored_clip(task, title=f"Song {n} b")


@pytest.mark.parametrize("cards", [10, 60])
def test_the_project_page_reads_the_database_at_most_ten_times_at_10_and_60_cards(
    owner_client, project, cards, django_assert_max_num_queries
):
    add_songs(project, cards)
    continued = Clip.objects.filter(project=project).order_by("-pk").first()
    task = make_task(project, status="succeeded", mode="continue", parent_clip=continued, continue_at=1.0)
    part_two = make_stored_clip(task, title="Part two")
    Clip.objects.filter(pk=part_two.pk).update(parent=continued, continue_at=1.0)
    make_task(project, status="running")  # the page polls
    # The session's and the user's reads, then the page's nine (its "Song so far" chains among them).
    with django_assert_max_num_queries(11):
        page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert page.count('class="card status-') == 10 and "Song so far" in page


def _plans(sql_queries: list[str]) -> str:
    plans = []
    with connection.cursor() as cursor:
        for sql in sql_queries:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans.extend(str(row[-1]) for row in cursor.fetchall())
    return "\n".join(plans)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans, a database without statistics")
def test_the_project_page_reads_no_table_or_project_whole(owner_client, project):
    """At 10,000 clips, a query that reads every clip (or task) of the project costs more than the rest of
    the page: each of the page's queries finds its rows through an index that names them."""
    add_songs(project, 12)
    with CaptureQueriesContext(connection) as captured:
        owner_client.get(reverse("songs:project_detail", args=[project.pk]))
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith(("SELECT", "WITH"))]
    plans = _plans(reads)
    assert "SCAN songs_clip" not in plans and "SCAN songs_generationtask" not in plans, plans
    assert "trashed_at" not in plans, plans  # the cards' clips by their tasks, not every live clip
    assert "songs_clip_project_id" not in plans, plans  # "anything pending?" by its partial indexes
    assert "songs_generationtask_charged_team_id" not in plans, plans  # today's credits by (team, day)


def test_fast_links_are_the_links_reverse_makes():
    uid = uuid.uuid4()
    assert reverse_fast("songs:clip_media", uid, "audio") == reverse("songs:clip_media", args=[uid, "audio"])
    assert reverse_fast("songs:clip_like", uid) == reverse("songs:clip_like", args=[uid])
    assert reverse_fast("songs:continue_form", 42) == reverse("songs:continue_form", args=[42])
    set_script_prefix("/studio/")  # served under a prefix: the links carry it, as reverse()'s do
    try:
        assert reverse_fast("songs:clip_like", uid) == f"/studio/library/clips/{uid}/like/"
    finally:
        set_script_prefix("/")
    assert reverse_fast("songs:clip_like", uid) == f"/library/clips/{uid}/like/"
