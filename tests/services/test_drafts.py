from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from songs.models import GenerationTask, LyricDraft
from songs.services import drafts, teams

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(project, owner):
    return drafts.draft_create(project=project, user=owner, title="Homesick", text="[Verse]\nFar from home")


def test_an_edit_adds_a_version_and_keeps_the_earlier_one(owner_client, draft):
    response = owner_client.post(
        reverse("songs:draft_detail", args=[draft.pk]),
        {"title": "Homesick", "text": "[Verse]\nFar from home\nOn a night train"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.text.endswith("On a night train")
    assert [(r.number, r.text) for r in draft.revisions.all()] == [
        (2, "[Verse]\nFar from home\nOn a night train"),
        (1, "[Verse]\nFar from home"),
    ]


def test_saving_without_changes_adds_no_version(owner_client, draft):
    owner_client.post(
        reverse("songs:draft_detail", args=[draft.pk]), {"title": "Homesick", "text": draft.text}
    )
    assert draft.revisions.count() == 1


def test_restoring_brings_an_old_version_back_as_the_newest(owner_client, owner, draft):
    drafts.draft_save(draft=draft, user=owner, title="Homesick", text="rewritten")
    owner_client.post(reverse("songs:draft_restore", args=[draft.pk, 1]))
    draft.refresh_from_db()
    assert draft.text == "[Verse]\nFar from home"
    assert [r.note for r in draft.revisions.all()] == ["Restored version 1", "Edited", "First version"]


def test_empty_lyrics_are_refused_beside_the_field(owner_client, draft):
    response = owner_client.post(reverse("songs:draft_detail", args=[draft.pk]), {"title": "x", "text": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert draft.revisions.count() == 1


def test_the_editor_offers_section_tags_and_the_history(owner_client, draft):
    page = owner_client.get(reverse("songs:draft_detail", args=[draft.pk])).content.decode()
    for tag in ("[Intro]", "[Verse]", "[Chorus]", "[Bridge]", "[Outro]"):
        assert f'data-insert-tag="{tag}"' in page
    assert "Version 1" in page and "Use these lyrics" in page


def test_use_these_lyrics_fills_the_custom_form(owner_client, project, draft):
    page = owner_client.get(
        reverse("songs:project_detail", args=[project.pk]), {"draft": draft.pk}
    ).content.decode()
    assert "Far from home</textarea>" in page and 'value="Homesick"' in page
    assert 'value="custom" id="id_mode_1" required checked' in page


def test_someone_elses_draft_is_404(stranger_client, project, draft):
    assert stranger_client.get(reverse("songs:draft_detail", args=[draft.pk])).status_code == 404
    assert stranger_client.post(reverse("songs:draft_restore", args=[draft.pk, 1])).status_code == 404
    assert (
        stranger_client.get(
            reverse("songs:project_detail", args=[project.pk]), {"draft": draft.pk}
        ).status_code
        == 404
    )


def test_a_draft_from_another_project_cannot_be_used_here(owner_client, owner, draft):
    other = teams.project_create(user=owner, name="Other")
    assert (
        owner_client.get(reverse("songs:project_detail", args=[other.pk]), {"draft": draft.pk}).status_code
        == 404
    )


def test_write_lyrics_saves_the_prompt_and_shows_it_pending(
    owner_client, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        response = owner_client.post(
            reverse("songs:lyrics_write", args=[project.pk]),
            {"prompt": "homesick on a night train", "request_key": str(uuid.uuid4())},
            HTTP_HX_REQUEST="true",
        )
    task = GenerationTask.objects.get()
    assert task.action == "LYRICS" and task.request_payload == {"prompt": "homesick on a night train"}
    body = response.content.decode()
    assert "Writing “homesick on a night train”" in body and 'hx-trigger="every 2s"' in body


def test_an_empty_prompt_is_refused(owner_client, project):
    response = owner_client.post(
        reverse("songs:lyrics_write", args=[project.pk]), {"prompt": ""}, HTTP_HX_REQUEST="true"
    )
    assert "This field is required." in response.content.decode()
    assert not GenerationTask.objects.exists() and not LyricDraft.objects.exists()
