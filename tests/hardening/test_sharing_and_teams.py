"""Issue 9, items 13 and 17: a share page shows only what its link may show; links end with their
creator's membership; an invalid invite form says what is wrong."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from songs.models import Membership
from songs.services import sharing
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = pytest.mark.django_db


def _continuation(project, parent_title="Secret Demo"):
    parent = make_stored_clip(
        make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title=parent_title
    )
    child = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="Encore")
    child.parent, child.continue_at = parent, 20.0
    child.save()
    return parent, child


@pytest.mark.parametrize("hide", ["trash", "staff"])
def test_a_clip_share_page_does_not_name_a_hidden_parent(client, project, owner, hide):
    parent, child = _continuation(project)
    if hide == "trash":
        parent.trashed_at = timezone.now()
    else:
        parent.hidden_from_sharing = True
    parent.save()
    link = sharing.share_create(user=owner, clip=child)
    page = client.get(link.get_absolute_url()).content.decode()
    assert "Secret Demo" not in page
    assert "Continued from an earlier clip at 0:20" in page


def test_a_project_share_page_does_not_name_a_hidden_parent(client, project, owner):
    parent, child = _continuation(project)
    parent.hidden_from_sharing = True
    parent.save()
    link = sharing.share_create(user=owner, project=project)
    page = client.get(link.get_absolute_url()).content.decode()
    assert "Secret Demo" not in page and "Encore" in page


def test_a_project_share_page_names_a_parent_it_shows(client, project, owner):
    _continuation(project, parent_title="Opening Act")
    link = sharing.share_create(user=owner, project=project)
    assert "Continued from “Opening Act” at 0:20" in client.get(link.get_absolute_url()).content.decode()


def test_a_share_link_stops_when_its_creator_leaves_the_team(client, project, editor):
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="Song")
    link = sharing.share_create(user=editor, clip=clip)
    assert client.get(link.get_absolute_url()).status_code == 200
    Membership.objects.filter(team=project.team, user=editor).delete()
    assert client.get(link.get_absolute_url()).status_code == 404
    media = reverse("songs:share_media", args=[link.token, clip.uid, "audio"])
    assert client.get(media).status_code == 404


def test_a_share_link_stops_when_its_creator_becomes_a_viewer(client, project, editor):
    link = sharing.share_create(user=editor, project=project)
    Membership.objects.filter(team=project.team, user=editor).update(role="viewer")
    assert client.get(link.get_absolute_url()).status_code == 404


def test_an_invalid_invite_form_says_what_is_wrong(owner_client, project):
    response = owner_client.post(
        reverse("songs:invite_create", args=[project.team.pk]), {"role": "owner", "days": "900"}, follow=True
    )
    page = response.content.decode()
    assert "No invite link was made" in page and "30" in page
