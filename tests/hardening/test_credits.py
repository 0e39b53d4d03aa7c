"""Issue 9, item 3: charges stay with the team that spent them, and new teams do not add allowance."""

from __future__ import annotations

import pytest
from django.urls import reverse

from songs import selectors
from songs.services import quotas, requests, teams

pytestmark = pytest.mark.django_db


def _music(project, user):
    return requests.music_request(
        project=project, user=user, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop", title="T"
    )


def test_moving_a_project_does_not_take_its_charges_away_from_the_team_that_spent_them(project, owner):
    capped = project.team
    capped.daily_credits = 20
    capped.save()
    _music(project, owner)
    _music(project, owner)
    elsewhere = teams.team_create(user=owner, name="Elsewhere")
    teams.project_move(project=project, user=owner, team=elsewhere)
    assert selectors.credits_used_today(team=capped) == 20
    assert selectors.credits_used_today(team=elsewhere) == 0
    other = teams.project_create(user=owner, name="Another", team=capped)
    with pytest.raises(quotas.QuotaExceeded):
        _music(other, owner)


def test_the_team_list_counts_charges_by_the_team_that_spent_them(project, owner):
    _music(project, owner)
    elsewhere = teams.team_create(user=owner, name="Elsewhere")
    teams.project_move(project=project, user=owner, team=elsewhere)
    from songs.models import Team

    used = {t.pk: t.credits_used_today for t in selectors.with_credits_used_today(Team.objects.all())}
    assert used[elsewhere.pk] == 0
    assert used[teams.team_personal(user=owner).pk] == 10


def test_a_new_team_starts_with_no_credits_until_staff_raise_them(owner):
    band = teams.team_create(user=owner, name="The Band")
    assert band.daily_credits == 0
    project = teams.project_create(user=owner, name="Demo", team=band)
    with pytest.raises(quotas.QuotaExceeded) as refusal:
        _music(project, owner)
    assert "staff" in str(refusal.value)


def test_the_team_page_explains_the_credit_rule(owner_client, owner):
    band = teams.team_create(user=owner, name="The Band")
    page = owner_client.get(reverse("songs:team_detail", args=[band.pk])).content.decode()
    assert "New teams start with 0 credits" in page
    assert "stay with the team that spent them" in page
