"""Issue 9, items 14 and 15: a refused lyrics request says why; lyric drafts have a length limit."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from songs import catalog
from songs.services import drafts

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def test_a_lyrics_request_refused_for_credits_says_why(owner_client, project):
    project.team.daily_credits = 0
    project.team.save()
    response = owner_client.post(
        reverse("songs:lyrics_write", args=[project.pk]),
        {"prompt": "a night train", "request_key": str(uuid.uuid4())},
        **HX,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "credits today" in page and 'role="alert"' in page
    assert 'value="a night train"' in page  # the prompt is kept


def test_a_lyrics_request_refused_without_htmx_says_why_too(owner_client, project):
    project.team.daily_credits = 0
    project.team.save()
    response = owner_client.post(
        reverse("songs:lyrics_write", args=[project.pk]), {"prompt": "a night train"}
    )
    assert "credits today" in response.content.decode()


def test_a_lyric_draft_longer_than_any_model_takes_is_refused_and_kept(owner_client, project, owner):
    draft = drafts.draft_create(project=project, user=owner, title="T", text="[Verse]\nla")
    longest = max(m.lyrics for m in catalog.MODELS)
    text = "la " * (longest // 3 + 10)
    response = owner_client.post(reverse("songs:draft_detail", args=[draft.pk]), {"title": "T", "text": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"at most {longest} characters" in page
    assert text.strip() in page  # the text stays in the form
    draft.refresh_from_db()
    assert draft.text == "[Verse]\nla"


def test_a_lyric_draft_within_the_limit_saves(owner_client, project, owner):
    draft = drafts.draft_create(project=project, user=owner, title="T", text="[Verse]\nla")
    longest = max(m.lyrics for m in catalog.MODELS)
    response = owner_client.post(
        reverse("songs:draft_detail", args=[draft.pk]), {"title": "T", "text": "a" * longest}
    )
    assert response.status_code == 302
