"""Public share links: who may make and stop them, what a link opens, and what it never opens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from songs.models import ShareLink
from songs.services import sharing, teams
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + bytes(200) + b"\xff\xd9"


@pytest.fixture
def clip(project):
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="City Lights")
    clip.tags = "emotional punk"
    clip.lyrics = "[Verse]\nWalking down the streets\nBeneath the city lights"
    clip.duration = 80.0
    name = f"clips/images/{clip.uid}.jpeg"
    (Path(settings.MEDIA_ROOT) / name).parent.mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / name).write_bytes(JPEG)
    clip.image_file = name
    clip.save()
    return clip


@pytest.fixture
def link(clip, owner):
    return sharing.share_create(user=owner, clip=clip)


def media(link, clip, kind="audio") -> str:
    return reverse("songs:share_media", args=[link.token, clip.uid, kind])


def meta(page: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    return found.group(1) if found else ""


# --- the public page ---------------------------------------------------------------------------


def test_it_shows_the_clip_to_anyone_without_login(client, link, clip):
    response = client.get(link.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "City Lights" in page and "emotional punk" in page and "Beneath the city lights" in page
    assert f'<audio controls preload="metadata" src="http://testserver{media(link, clip)}"' in page
    assert "1:20" in page and "Made with" in page


def test_it_shows_nothing_private_on_the_public_page(client, link, clip, project, owner):
    other = make_stored_clip(make_task(project, status="succeeded"), title="Unreleased Demo")
    page = client.get(link.get_absolute_url()).content.decode()
    assert "Unreleased Demo" not in page and str(other.uid) not in page
    assert project.team.name not in page and owner.username not in page
    assert "/clips/" not in page and "Log out" not in page


def test_it_has_open_graph_and_twitter_tags_with_absolute_urls(client, link, clip):
    page = client.get(link.get_absolute_url()).content.decode()
    base = "http://testserver"
    assert meta(page, "og:title") == "City Lights"
    assert meta(page, "og:description") == "emotional punk · 1:20"
    assert meta(page, "og:type") == "music.song"
    assert meta(page, "og:url") == f"{base}/s/{link.token}/"
    assert meta(page, "og:image") == base + media(link, clip, "cover")
    assert meta(page, "og:audio") == base + media(link, clip, "audio")
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:title") == "City Lights"
    assert meta(page, "twitter:description") == "emotional punk · 1:20"
    assert meta(page, "twitter:image") == base + media(link, clip, "cover")


def test_it_shows_where_a_continuation_came_from(client, project, clip, owner):
    child = make_stored_clip(make_task(project, status="succeeded"), title="City Lights, part two")
    child.parent, child.continue_at = clip, 80.0
    child.save()
    page = client.get(sharing.share_create(user=owner, clip=child).get_absolute_url()).content.decode()
    assert "Continued from “City Lights” at 1:20" in page


def test_it_plays_a_stored_video_through_the_link(client, link, clip):
    name = f"clips/video/{clip.uid}.mp4"
    (Path(settings.MEDIA_ROOT) / name).parent.mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / name).write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    clip.video_file = name
    clip.save(update_fields=["video_file"])
    page = client.get(link.get_absolute_url()).content.decode()
    assert f'src="http://testserver{media(link, clip, "video")}"' in page
    response = client.get(media(link, clip, "video"))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"


def test_it_shows_a_projects_finished_clips(client, project, clip, owner):
    hidden = make_stored_clip(make_task(project, status="succeeded"), title="Staff Hid This")
    hidden.hidden_from_sharing = True
    hidden.save()
    trashed = make_stored_clip(make_task(project, status="succeeded"), title="Binned")
    trashed.trashed_at = timezone.now()
    trashed.save()
    link = sharing.share_create(user=owner, project=project)
    page = client.get(link.get_absolute_url()).content.decode()
    assert "Night Drive" in page and "City Lights" in page and "emotional punk" in page
    assert "Staff Hid This" not in page and "Binned" not in page
    assert meta(page, "og:type") == "website" and meta(page, "og:title") == "Night Drive"
    assert meta(page, "og:image") == "http://testserver" + media(link, clip, "cover")
    assert client.get(media(link, clip)).status_code == 200


# --- the media behind a link -------------------------------------------------------------------


def test_it_serves_media_anonymously_with_range(client, link, clip):
    whole = client.get(media(link, clip))
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Type"] == "audio/mpeg"
    part = client.get(media(link, clip), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and len(b"".join(part.streaming_content)) == 100
    assert client.get(media(link, clip, "cover")).status_code == 200


def test_it_answers_404_for_page_and_media_once_revoked(client, link, clip, owner):
    sharing.share_revoke(link=link, user=owner)
    assert client.get(link.get_absolute_url()).status_code == 404
    assert client.get(media(link, clip)).status_code == 404
    assert client.get(media(link, clip, "cover")).status_code == 404


def test_it_answers_404_for_an_unknown_token(client, clip):
    assert client.get(reverse("songs:share_page", args=["not-a-real-token"])).status_code == 404
    assert client.get(reverse("songs:share_media", args=["nope", clip.uid, "audio"])).status_code == 404


def test_it_keeps_other_clips_out_of_reach(client, link, project, owner, stranger):
    sibling = make_stored_clip(make_task(project, status="succeeded"), title="Sibling")
    elsewhere = teams.project_create(user=stranger, name="Other")
    foreign = make_stored_clip(make_task(elsewhere, status="succeeded"), title="Foreign")
    assert client.get(media(link, sibling)).status_code == 404  # a clip link opens that clip only
    project_link = sharing.share_create(user=owner, project=project)
    assert client.get(media(project_link, sibling)).status_code == 200
    assert client.get(media(project_link, foreign)).status_code == 404


def test_it_hides_trashed_and_staff_hidden_clips(client, link, clip):
    clip.trashed_at = timezone.now()
    clip.save()
    assert client.get(link.get_absolute_url()).status_code == 404
    assert client.get(media(link, clip)).status_code == 404
    clip.trashed_at, clip.hidden_from_sharing = None, True
    clip.save()
    assert client.get(link.get_absolute_url()).status_code == 404
    assert client.get(media(link, clip)).status_code == 404
    clip.hidden_from_sharing = False
    clip.save()
    assert client.get(link.get_absolute_url()).status_code == 200


def test_it_answers_404_for_media_not_stored_or_not_shareable(client, link, clip):
    assert client.get(media(link, clip, "video")).status_code == 404  # no video stored
    assert client.get(media(link, clip, "wav")).status_code == 404


def test_it_keeps_the_studios_own_media_members_only(client_for, link, clip, stranger):
    url = reverse("songs:clip_media", args=[clip.uid, "audio"])
    assert client_for(None).get(url).status_code == 302
    assert client_for(stranger).get(url).status_code == 404


# --- making and stopping links -----------------------------------------------------------------


def test_a_viewer_cannot_share_but_an_editor_can(client_for, clip, project, viewer, editor):
    url = reverse("songs:clip_share", args=[clip.uid])
    assert client_for(viewer).post(url).status_code == 403
    assert client_for(viewer).post(reverse("songs:project_share", args=[project.pk])).status_code == 403
    assert not ShareLink.objects.exists()
    response = client_for(editor).post(url, HTTP_HX_REQUEST="true")
    link = ShareLink.objects.get()
    assert response.status_code == 200 and link.created_by == editor and link.clip == clip
    assert f"http://testserver/s/{link.token}/" in response.content.decode()
    assert "Stop sharing" in response.content.decode()
    assert len(link.token) >= 32


def test_an_editor_shares_a_whole_project(client_for, project, editor):
    response = client_for(editor).post(
        reverse("songs:project_share", args=[project.pk]), HTTP_HX_REQUEST="true"
    )
    link = ShareLink.objects.get()
    assert response.status_code == 200 and link.project == project and link.clip is None


def test_a_stranger_cannot_share_or_revoke(client_for, clip, project, link, stranger):
    client = client_for(stranger)
    assert client.post(reverse("songs:clip_share", args=[clip.uid])).status_code == 404
    assert client.post(reverse("songs:project_share", args=[project.pk])).status_code == 404
    assert client.post(reverse("songs:share_revoke", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.is_live and ShareLink.objects.count() == 1


def test_the_creator_can_revoke(client_for, clip, editor):
    link = sharing.share_create(user=editor, clip=clip)
    response = client_for(editor).post(reverse("songs:share_revoke", args=[link.pk]), HTTP_HX_REQUEST="true")
    link.refresh_from_db()
    assert response.status_code == 200 and not link.is_live
    assert ">Share</button>" in response.content.decode()  # the box offers a new link


def test_an_owner_can_revoke_a_team_mates_link(client_for, clip, editor, owner):
    link = sharing.share_create(user=editor, clip=clip)
    assert client_for(owner).post(reverse("songs:share_revoke", args=[link.pk])).status_code == 302
    link.refresh_from_db()
    assert not link.is_live


def test_another_editor_cannot_revoke(client_for, clip, editor, member):
    link = sharing.share_create(user=editor, clip=clip)
    assert (
        client_for(member("editor", "eve")).post(reverse("songs:share_revoke", args=[link.pk])).status_code
        == 403
    )
    link.refresh_from_db()
    assert link.is_live
    with pytest.raises(PermissionDenied):
        sharing.share_revoke(link=link, user=member("viewer", "vic"))


def test_sharing_twice_returns_the_same_live_link(client_for, clip, project, editor):
    client = client_for(editor)
    client.post(reverse("songs:clip_share", args=[clip.uid]))
    client.post(reverse("songs:clip_share", args=[clip.uid]))
    client.post(reverse("songs:project_share", args=[project.pk]))
    client.post(reverse("songs:project_share", args=[project.pk]))
    assert ShareLink.objects.filter(clip=clip).count() == 1
    assert ShareLink.objects.filter(project=project).count() == 1
    first = ShareLink.objects.get(clip=clip)
    sharing.share_revoke(link=first, user=editor)
    again = sharing.share_create(user=editor, clip=clip)
    assert again.pk != first.pk and again.token != first.token  # a revoked link is never revived


def test_it_refuses_to_share_a_hidden_clip(client_for, clip, editor):
    clip.hidden_from_sharing = True
    clip.save()
    response = client_for(editor).post(reverse("songs:clip_share", args=[clip.uid]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert "cannot be shared" in response.content.decode() and not ShareLink.objects.exists()


# --- the studio's cards ------------------------------------------------------------------------


def test_the_project_page_shows_live_links_in_one_query(
    client_for, project, clip, editor, viewer, django_assert_max_num_queries
):
    link = sharing.share_create(user=editor, clip=clip)
    for n in range(4):
        make_stored_clip(make_task(project, status="succeeded"), title=f"More {n}")
    client = client_for(editor)
    url = reverse("songs:project_detail", args=[project.pk])
    client.get(url)  # warm up sessions and caches
    with django_assert_max_num_queries(30) as captured:
        page = client.get(url).content.decode()
    share_queries = [q for q in captured.captured_queries if "songs_sharelink" in q["sql"]]
    assert len(share_queries) == 1  # the clips' and the project's live links, in one query
    assert f"http://testserver/s/{link.token}/" in page and page.count(">Share</button>") == 4
    assert "Share project" in page
    assert "/share/" not in client_for(viewer).get(url).content.decode()  # viewers get no share controls


def test_a_team_mate_sees_the_live_link_but_only_an_owner_may_stop_it(
    client_for, project, clip, editor, owner
):
    link = sharing.share_create(user=editor, clip=clip)
    url = reverse("songs:project_detail", args=[project.pk])
    other = client_for(owner).get(url).content.decode()
    assert link.token in other and "made by editor-user" in other and "Stop sharing" in other


def test_a_shared_project_plays_20_songs_a_page_in_the_same_few_queries(client, project, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    link = sharing.share_create(user=owner, project=project)
    make_stored_clip(make_task(project, status="succeeded"), title="Song 00")
    with CaptureQueriesContext(connection) as few:
        client.get(link.get_absolute_url())
    for n in range(1, 25):
        make_stored_clip(make_task(project, status="succeeded"), title=f"Song {n:02d}")
    with CaptureQueriesContext(connection) as many:
        first = client.get(link.get_absolute_url()).content.decode()

    assert len(many.captured_queries) == len(few.captured_queries)
    assert first.count('class="share-track"') == 20 and "Song 24" in first and "Song 04" not in first
    assert meta(first, "og:description").startswith("25 songs")  # the whole project, not the page
    second = client.get(link.get_absolute_url(), {"page": 2}).content.decode()
    assert second.count('class="share-track"') == 5 and "Song 00" in second
    assert '<span class="share-no">21.</span>' in second and "Page 2 of 2" in second
