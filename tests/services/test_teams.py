"""Teams, roles, invites and project moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from songs.models import GenerationTask, Invite, Membership, Project, Team
from songs.services import teams

pytestmark = pytest.mark.django_db


def test_sign_up_makes_an_account_with_a_personal_team(client, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "",
            "password1": "a-Long-pass-phrase-7",
            "password2": "a-Long-pass-phrase-7",
        },
    )
    assert response.status_code == 302
    user = django_user_model.objects.get(username="newbie")
    assert Team.objects.get(personal_for=user).memberships.get().role == "owner"
    assert client.get(reverse("songs:project_list")).status_code == 200  # logged in


def test_sign_up_applies_djangos_password_rules_and_keeps_the_username(client):
    body = client.post(
        reverse("signup"), {"username": "newbie", "password1": "123", "password2": "123"}
    ).content
    assert b"This password is too short" in body and b'value="newbie"' in body


def test_a_viewer_listens_but_cannot_create(client_for, project, viewer):
    client = client_for(viewer)
    page = client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "You are a viewer" in page and 'id="create-panel"' not in page
    response = client.post(reverse("songs:song_create", args=[project.pk]), {"mode": "custom"})
    assert response.status_code == 403 and not GenerationTask.objects.exists()


def test_an_editor_creates_songs_in_the_teams_project(
    client_for, project, editor, django_capture_on_commit_callbacks
):
    client = client_for(editor)
    with django_capture_on_commit_callbacks():
        client.post(
            reverse("songs:song_create", args=[project.pk]),
            {"mode": "custom", "lyrics": "[Verse]\nla", "tags": "pop", "title": "T", "mv": "chirp-v3-5"},
        )
    assert GenerationTask.objects.get().user == editor


def test_only_owners_reach_project_settings(client_for, project, editor, owner):
    url = reverse("songs:project_settings", args=[project.pk])
    assert client_for(editor).get(url).status_code == 403
    assert client_for(owner).get(url).status_code == 200


def test_an_invite_is_single_use(client_for, project, owner, django_user_model):
    invite = teams.invite_create(team=project.team, user=owner, role="viewer")
    first = django_user_model.objects.create_user(username="first", password="pw-123456!")
    second = django_user_model.objects.create_user(username="second", password="pw-123456!")
    url = reverse("songs:invite_accept", args=[invite.token])
    assert client_for(first).post(url).status_code == 302
    assert Membership.objects.get(team=project.team, user=first).role == "viewer"
    response = client_for(second).post(url)
    assert response.status_code == 410 and b"already been used" in response.content
    assert not Membership.objects.filter(team=project.team, user=second).exists()


def test_an_expired_invite_lets_nobody_in(client_for, project, owner, stranger):
    invite = teams.invite_create(team=project.team, user=owner, role="editor")
    Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = client_for(stranger)
    url = reverse("songs:invite_accept", args=[invite.token])
    assert client.get(url).status_code == 410
    assert client.post(url).status_code == 410
    assert not Membership.objects.filter(team=project.team, user=stranger).exists()


def test_only_owners_make_invites(client_for, project, editor):
    response = client_for(editor).post(
        reverse("songs:invite_create", args=[project.team.pk]), {"role": "owner", "days": 7}
    )
    assert response.status_code == 403 and not Invite.objects.exists()


def test_the_last_owner_cannot_step_down(client_for, project, owner):
    own = Membership.objects.get(team=project.team, user=owner)
    client_for(owner).post(reverse("songs:member_update", args=[project.team.pk, own.pk]), {"role": "viewer"})
    own.refresh_from_db()
    assert own.role == "owner"


def test_an_owner_changes_roles_and_removes_members(client_for, project, owner, editor):
    membership = Membership.objects.get(team=project.team, user=editor)
    client = client_for(owner)
    client.post(reverse("songs:member_update", args=[project.team.pk, membership.pk]), {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    client.post(reverse("songs:member_remove", args=[project.team.pk, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_moving_a_project_needs_ownership_on_both_sides(client_for, project, owner, django_user_model):
    band = teams.team_create(user=owner, name="The Band")
    other_owner = django_user_model.objects.create_user(username="other", password="pw-123456!")
    elsewhere = teams.team_create(user=other_owner, name="Elsewhere")
    Membership.objects.create(team=elsewhere, user=owner, role="editor")
    url = reverse("songs:project_settings", args=[project.pk])
    client_for(owner).post(url, {"move": "1", "team": elsewhere.pk})
    assert Project.objects.get(pk=project.pk).team == project.team  # only an editor there
    client_for(owner).post(url, {"move": "1", "team": band.pk})
    assert Project.objects.get(pk=project.pk).team == band


def test_deleting_a_project_needs_its_name(client_for, project, owner):
    url = reverse("songs:project_settings", args=[project.pk])
    client_for(owner).post(url, {"delete": "1", "confirm": "wrong"})
    assert Project.objects.filter(pk=project.pk).exists()
    client_for(owner).post(url, {"delete": "1", "confirm": project.name})
    assert not Project.objects.filter(pk=project.pk).exists()


def test_team_pages_are_for_members(client_for, project, stranger, viewer):
    url = reverse("songs:team_detail", args=[project.team.pk])
    assert client_for(stranger).get(url).status_code == 404
    page = client_for(viewer).get(url).content.decode()
    assert "Members" in page and "Credits today" not in page  # usage is for owners


def test_an_admin_made_user_gets_a_personal_team_on_first_visit(client_for, django_user_model):
    user = django_user_model.objects.create_user(username="late", password="pw-123456!")
    client_for(user).get(reverse("songs:project_list"))
    assert Team.objects.filter(personal_for=user).exists()


def test_projects_of_all_my_teams_are_listed(client_for, owner, stranger):
    shared = teams.team_create(user=stranger, name="Shared")
    Membership.objects.create(team=shared, user=owner, role="viewer")
    teams.project_create(user=stranger, name="Their song", team=shared)
    page = client_for(owner).get(reverse("songs:project_list")).content.decode()
    assert "Their song" in page and "Shared" in page


def test_a_user_changes_their_password(client_for, owner):
    client = client_for(owner)
    page = client.get("/accounts/password_change/").content.decode()
    assert "Change your password" in page
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "an-Other-long-phrase-9",
            "new_password2": "an-Other-long-phrase-9",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("an-Other-long-phrase-9")


# --- A logged-out invitee (issue 19, new user item 6) ---------------------------------------------------


def test_a_logged_out_invitee_is_told_what_they_are_invited_to_and_can_sign_up_to_join(
    client, project, owner
):
    invite = teams.invite_create(team=project.team, user=owner, role="editor")
    url = reverse("songs:invite_accept", args=[invite.token])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Join alice&#x27;s team" in body and "<strong>editor</strong>" in body
    assert "alice invited you to make songs together" in body
    assert f'href="{reverse("signup")}?next={url}"' in body
    assert f'href="{reverse("login")}?next={url}"' in body
    assert client.post(url).status_code == 302 and not Membership.objects.filter(role="editor").exists()

    signed_up = client.post(
        reverse("signup") + f"?next={url}",
        {"username": "carol", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9",
         "next": url},
    )  # fmt: skip
    assert signed_up.status_code == 302 and signed_up["Location"] == url  # back to the invite
    assert client.post(url).status_code == 302
    assert Membership.objects.get(team=project.team, user__username="carol").role == "editor"


def test_a_logged_out_visitor_with_a_dead_invite_learns_only_that(client, project, owner):
    invite = teams.invite_create(team=project.team, user=owner, role="editor")
    Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(reverse("songs:invite_accept", args=[invite.token]))
    assert page.status_code == 410 and "alice" not in page.content.decode()
    assert client.get(reverse("songs:invite_accept", args=["no-such-token"])).status_code == 410


def test_a_viewer_is_not_told_to_write_lyrics(client_for, project, viewer):
    page = client_for(viewer).get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "No lyric drafts yet." in page and "Write some from a short prompt" not in page
