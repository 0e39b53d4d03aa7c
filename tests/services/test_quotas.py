"""Credits per team per day: refused before anything is sent, refunded when a task fails."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from songs import catalog, selectors
from songs.models import GenerationTask
from songs.services import quotas, requests, teams

pytestmark = [pytest.mark.backends, pytest.mark.django_db]


def _music(project, owner):
    return requests.music_request(
        project=project, user=owner, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop", title="T"
    )


def test_each_request_is_charged_its_cost(project, owner):
    task = _music(project, owner)
    assert task.cost == catalog.COSTS["MUSIC"] == 10
    assert selectors.credits_used_today(team=project.team) == 10


def test_a_request_over_quota_is_refused_before_anything_is_saved_or_sent(
    project, owner, django_capture_on_commit_callbacks
):
    project.team.daily_credits = 15
    project.team.save()
    _music(project, owner)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(quotas.QuotaExceeded) as refusal:
        _music(project, owner)
    assert "used 10 of its 15 credits" in str(refusal.value)
    assert GenerationTask.objects.count() == 1 and callbacks == []


def test_a_failed_task_gives_its_credits_back(project, owner):
    project.team.daily_credits = 10
    project.team.save()
    task = _music(project, owner)
    GenerationTask.objects.filter(pk=task.pk).update(status="failed", fail_reason="gateway said no")
    assert selectors.credits_used_today(team=project.team) == 0
    _music(project, owner)  # allowed again


def test_the_create_form_says_why_it_was_refused(owner_client, project):
    project.team.daily_credits = 5
    project.team.save()
    response = owner_client.post(
        reverse("songs:song_create", args=[project.pk]),
        {
            "mode": "custom",
            "lyrics": "[Verse]\nla",
            "tags": "pop",
            "title": "T",
            "mv": "chirp-v3-5",
            "request_key": str(uuid.uuid4()),
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "used 0 of its 5 credits" in body and "this needs 10" in body
    assert "[Verse]\nla</textarea>" in body  # the user's text stays


def test_owners_see_their_teams_usage(owner_client, project, owner):
    _music(project, owner)
    page = owner_client.get(reverse("songs:team_detail", args=[project.team.pk])).content.decode()
    assert "<strong>10</strong> of 1000 used" in page


def test_quotas_are_per_team(project, owner, stranger):
    project.team.daily_credits = 10
    project.team.save()
    _music(project, owner)
    other = teams.project_create(user=stranger, name="Theirs")
    _music(other, stranger)  # another team's credits are untouched


# --- Where people create: what is left and what it costs (issue 19, new user item 1) --------------------


def test_the_create_panel_says_what_is_left_today_and_what_a_song_costs(owner_client, project, owner):
    _music(project, owner)
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "<strong>990</strong> of 1000 credits left today" in page
    assert "Costs 10 credits: 1 × 10" in page


def test_a_whole_song_is_free_by_default_and_every_price_is_a_setting(project, owner, settings):
    assert catalog.COSTS["CONCAT"] == 0  # as at Suno
    settings.CREDIT_COSTS = {**settings.CREDIT_COSTS, "MUSIC": 25}
    assert _music(project, owner).cost == 25
    assert selectors.credits_used_today(team=project.team) == 25


def test_the_balance_is_read_with_the_project_not_in_a_query_of_its_own(
    owner_client, project, django_assert_max_num_queries
):
    url = reverse("songs:project_detail", args=[project.pk])
    owner_client.get(url)  # warm: session, language
    with django_assert_max_num_queries(10):
        assert "credits left today" in owner_client.get(url).content.decode()
