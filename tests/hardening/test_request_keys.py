"""Issue 9, item 12: a request key only finds a task of the same person in the same project."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from songs.models import GenerationTask, Membership
from songs.services import requests, teams

pytestmark = pytest.mark.django_db


def _music(project, user, key):
    return requests.music_request(
        project=project,
        user=user,
        request_key=key,
        mode="custom",
        mv="chirp-v3-5",
        lyrics="la",
        tags="pop",
        title="Team secret",
    )


def test_a_removed_member_replaying_a_request_key_gets_a_new_task_not_the_teams(project, editor):
    key = uuid.uuid4()
    team_task = _music(project, editor, key)
    Membership.objects.filter(team=project.team, user=editor).delete()
    own = teams.project_create(user=editor, name="Mine")
    replay = _music(own, editor, key)
    assert replay.pk != team_task.pk and replay.project == own


def test_the_replayed_request_shows_nothing_of_the_team(client_for, project, editor):
    key = uuid.uuid4()
    _music(project, editor, key)
    Membership.objects.filter(team=project.team, user=editor).delete()
    own = teams.project_create(user=editor, name="Mine")
    response = client_for(editor).post(
        reverse("songs:song_create", args=[own.pk]),
        {
            "mode": "custom",
            "lyrics": "[Verse]\nla",
            "tags": "pop",
            "title": "Mine",
            "mv": "chirp-v3-5",
            "request_key": str(key),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Team secret" not in response.content.decode()
    assert GenerationTask.objects.filter(project=own).count() == 1


def test_a_double_click_still_makes_one_task(project, owner):
    key = uuid.uuid4()
    assert _music(project, owner, key).pk == _music(project, owner, key).pk
