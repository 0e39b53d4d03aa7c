"""Issue 9, item 16: a Content-Security-Policy on every page, and pages that need nothing it forbids
(no inline scripts, event handlers, style attributes or htmx expressions that need eval)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from songs.services import sharing
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_every_page_has_a_strict_content_security_policy(client):
    policy = _policy(client.get("/accounts/login/"))
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_htmx_is_loaded_with_the_pages_nonce_and_told_not_to_inject_styles(owner_client):
    response = owner_client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    page = response.content.decode()
    assert f'nonce="{nonce}"' in page
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page


INLINE = [
    (r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)[^>]*>", "inline script"),
    (r"\son[a-z]+=", "inline event handler"),
    (r"\sstyle=\"", "style attribute"),
    (r"<style", "style element"),
    (r"hx-on", "hx-on (needs eval)"),
    (r"hx-trigger=\"[^\"]*\[", "htmx trigger filter (needs eval)"),
]


def _assert_csp_clean(page: str) -> None:
    for pattern, what in INLINE:
        found = re.search(pattern, page)
        assert found is None, f"{what}: {page[max(0, found.start() - 80) : found.end() + 80]}"


def test_the_studio_pages_need_nothing_the_policy_forbids(owner_client, project, owner):
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="Song")
    link = sharing.share_create(user=owner, clip=clip)
    urls = [
        "/",
        reverse("songs:project_detail", args=[project.pk]),
        reverse("songs:library"),
        reverse("songs:library_trash"),
        reverse("songs:team_list"),
        reverse("songs:team_detail", args=[project.team.pk]),
        reverse("songs:project_settings", args=[project.pk]),
        reverse("songs:clip_rename", args=[clip.uid]),
        link.get_absolute_url(),
    ]
    for url in urls:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        _assert_csp_clean(response.content.decode())
    trashed = owner_client.post(
        reverse("songs:clip_trash", args=[clip.uid]), {"place": "row"}, HTTP_HX_REQUEST="true"
    )
    _assert_csp_clean(trashed.content.decode())


def test_the_admin_task_list_needs_no_inline_style(client, django_user_model, project):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "root-password-long")
    client.force_login(admin)
    page = client.get(reverse("admin:songs_generationtask_changelist")).content.decode()
    assert "<style" not in page
