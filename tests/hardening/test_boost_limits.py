"""Issue 19 item 7: Boost is free but each one is an upstream call, so it is limited per person and per
team in a window (settings), with a plain message beside the button when the limit is reached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from songs.models import StyleBoost

pytestmark = pytest.mark.django_db


def boost(client, project):
    url = reverse("songs:boost_create", args=[project.pk])
    return client.post(url, {"tags": "folk"}, HTTP_HX_REQUEST="true")


def test_a_person_over_the_limit_is_told_to_try_later_and_nothing_is_asked(owner_client, project, settings):
    settings.BOOST_RATE_LIMIT, settings.BOOST_RATE_WINDOW_MINUTES = 2, 60
    assert [boost(owner_client, project).status_code for _ in range(2)] == [200, 200]

    refused = boost(owner_client, project)

    assert refused.status_code == 200  # swapped in beside the button
    assert "You have boosted 2 styles in the last 60 minutes" in refused.content.decode()
    assert StyleBoost.objects.count() == 2


def test_a_team_over_its_limit_is_told_so_whoever_asks(client_for, owner, editor, project, settings):
    settings.BOOST_RATE_LIMIT, settings.BOOST_TEAM_RATE_LIMIT = 10, 3
    for _ in range(2):
        boost(client_for(owner), project)
    assert boost(client_for(editor), project).status_code == 200

    refused = boost(client_for(editor), project).content.decode()

    assert "Your team has boosted 3 styles" in refused
    assert StyleBoost.objects.count() == 3


def test_boosts_older_than_the_window_no_longer_count(owner_client, project, settings):
    settings.BOOST_RATE_LIMIT, settings.BOOST_RATE_WINDOW_MINUTES = 1, 60
    boost(owner_client, project)
    StyleBoost.objects.update(created_at=timezone.now() - timedelta(minutes=61))

    boost(owner_client, project)

    assert StyleBoost.objects.count() == 2


def test_the_limit_message_is_in_chinese_for_a_chinese_page(owner_client, project, settings):
    settings.BOOST_RATE_LIMIT = 0
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = boost(owner_client, project).content.decode()
    assert "风格" in html and "You have boosted" not in html
