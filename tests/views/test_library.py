"""The team library: search and filters, likes, trash and restore, renaming, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from songs.models import Clip, ClipLike, Membership
from songs.services import drafts, library, teams
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def make_clip(project, title="Song", *, mode="custom", mv="chirp-v3-5", **fields) -> Clip:
    task = make_task(project, status="succeeded", mode=mode)
    if mv != "chirp-v3-5":
        task.request_payload = {**task.request_payload, "mv": mv}
        task.save(update_fields=["request_payload"])
    clip = make_stored_clip(task, title=title)
    if fields:
        Clip.objects.filter(pk=clip.pk).update(**fields)
        clip.refresh_from_db()
    return clip


def titles(response) -> list[str]:
    return [clip.title for clip in response.context["clips"]]


def library_titles(client, **params) -> list[str]:
    response = client.get("/library/", params)
    assert response.status_code == 200
    return titles(response)


# --- search and filters ----------------------------------------------------------------------------


def test_it_searches_title_style_and_lyrics(owner_client, project):
    make_clip(project, "Neon Rain", tags="synthwave", lyrics="streets at night")
    make_clip(project, "Harbour", tags="sea shanty, accordion", lyrics="rope and salt")
    make_clip(project, "Morning", tags="folk", lyrics="the NEON sign hums")

    assert sorted(library_titles(owner_client, q="neon")) == ["Morning", "Neon Rain"]  # title and lyrics
    assert library_titles(owner_client, q="Accordion") == ["Harbour"]  # style, any case
    assert library_titles(owner_client, q="salt") == ["Harbour"]  # lyrics


def test_it_needs_every_search_word_to_match(owner_client, project):
    make_clip(project, "Neon Rain", tags="synthwave", lyrics="streets at night")
    make_clip(project, "Neon Dawn", tags="folk", lyrics="morning light")

    assert library_titles(owner_client, q="neon synthwave") == ["Neon Rain"]  # title + style
    assert library_titles(owner_client, q="  neon   night ") == ["Neon Rain"]  # title + lyrics
    assert library_titles(owner_client, q="neon jazz") == []


def test_it_filters_by_status(owner_client, project):
    make_clip(project, "Done")
    make_clip(project, "Playing", status="streaming")
    make_clip(project, "Broken", status="error")

    assert library_titles(owner_client, status="streaming") == ["Playing"]
    assert library_titles(owner_client, status="error") == ["Broken"]
    assert library_titles(owner_client, status="complete") == ["Done"]


def test_it_filters_by_model_reported_or_requested(owner_client, project):
    make_clip(project, "Old", model_name="chirp-v3")  # asked for chirp-v3-5, reported as the family
    make_clip(project, "New", mv="chirp-crow", model_name="chirp-crow")
    make_clip(project, "Other", mv="chirp-fenix", model_name="")

    assert library_titles(owner_client, model="chirp-crow") == ["New"]
    assert library_titles(owner_client, model="chirp-v3-5") == ["Old"]  # what was asked for
    assert library_titles(owner_client, model="chirp-v3") == ["Old"]  # what the gateway reported
    choices = dict(owner_client.get("/library/").context["form"].fields["model"].choices)
    assert "chirp-fenix" in choices and "chirp-v3" in choices  # the table, then the reported names


def test_it_filters_by_mode(owner_client, project):
    make_clip(project, "Described", mode="inspiration")
    make_clip(project, "Written", mode="custom")
    make_clip(project, "Longer", mode="continue")

    assert library_titles(owner_client, mode="inspiration") == ["Described"]
    assert library_titles(owner_client, mode="continue") == ["Longer"]


def test_it_filters_by_date_range(owner_client, project):
    now = timezone.now()
    make_clip(project, "Last month", created_at=now - timedelta(days=30))
    make_clip(project, "Last week", created_at=now - timedelta(days=7))
    make_clip(project, "Today", created_at=now)
    day = lambda delta: (timezone.localdate() - timedelta(days=delta)).isoformat()  # noqa: E731

    assert library_titles(owner_client, **{"from": day(10)}) == ["Today", "Last week"]
    assert library_titles(owner_client, to=day(10)) == ["Last month"]
    assert library_titles(owner_client, **{"from": day(8), "to": day(6)}) == ["Last week"]


def test_it_ignores_an_end_date_before_the_start_and_says_why(owner_client, project):
    make_clip(project, "Today")
    today = timezone.localdate()
    response = owner_client.get("/library/", {"from": today.isoformat(), "to": str(today - timedelta(1))})

    assert titles(response) == ["Today"]
    assert "This is before the start date." in response.content.decode()


def test_it_filters_to_the_songs_i_liked(client_for, owner, editor, project):
    mine = make_clip(project, "Mine")
    theirs = make_clip(project, "Theirs")
    make_clip(project, "Nobody's")
    ClipLike.objects.create(user=owner, clip=mine)
    ClipLike.objects.create(user=editor, clip=theirs)

    assert library_titles(client_for(owner), liked="on") == ["Mine"]
    assert library_titles(client_for(editor), liked="on") == ["Theirs"]


def test_it_combines_filters_and_keeps_them_in_the_url(owner_client, project):
    make_clip(project, "Neon One", mode="inspiration", status="streaming")
    make_clip(project, "Neon Two", mode="custom", status="streaming")
    make_clip(project, "Neon Three", mode="inspiration", status="complete")

    response = owner_client.get("/library/?q=neon&mode=inspiration&status=streaming")

    assert titles(response) == ["Neon One"]
    html = response.content.decode()
    assert 'value="neon"' in html and 'hx-push-url="true"' in html


# --- whose clips -----------------------------------------------------------------------------------


def test_it_shows_clips_of_every_team_i_am_in_and_none_of_a_strangers(
    client_for, owner, stranger, project, django_user_model
):
    band = teams.team_create(user=stranger, name="The Band")
    Membership.objects.create(team=band, user=owner, role="viewer")
    band_project = teams.project_create(team=band, user=stranger, name="Band songs")
    secret = teams.project_create(user=stranger, name="Stranger's own")
    make_clip(project, "Personal")
    make_clip(band_project, "Shared")
    make_clip(secret, "Secret")

    assert sorted(library_titles(client_for(owner))) == ["Personal", "Shared"]
    assert sorted(library_titles(client_for(stranger))) == ["Secret", "Shared"]
    assert library_titles(client_for(owner), team=band.pk) == ["Shared"]
    # A team that is not mine narrows nothing and shows nothing of it.
    assert sorted(library_titles(client_for(owner), team=secret.team.pk)) == ["Personal", "Shared"]


def test_it_pages_newest_first(owner_client, project):
    now = timezone.now()
    for n in range(35):
        make_clip(project, f"Song {n:02d}", created_at=now - timedelta(minutes=n))

    first = owner_client.get("/library/")
    second = owner_client.get("/library/", {"page": 2})

    assert titles(first)[:2] == ["Song 00", "Song 01"] and len(titles(first)) == 30
    assert titles(second) == [f"Song {n}" for n in range(30, 35)]
    assert "Page 1 of 2" in first.content.decode()


def test_htmx_gets_the_results_alone_and_a_history_restore_the_whole_page(owner_client, project):
    make_clip(project, "Neon")

    fragment = owner_client.get("/library/?q=neon", **HTMX)
    restore = owner_client.get("/library/?q=neon", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert "<html" not in fragment.content.decode() and "Neon" in fragment.content.decode()
    assert "<html" in restore.content.decode()
    assert "HX-Request" in fragment["Vary"]


def test_it_asks_anonymous_visitors_to_log_in(client):
    assert "/accounts/login/" in client.get("/library/")["Location"]
    assert "/accounts/login/" in client.get("/library/trash/")["Location"]


def test_the_library_page_runs_a_bounded_number_of_queries(
    owner_client, owner, project, django_assert_max_num_queries
):
    def fill(count: int) -> None:
        for n in range(count):
            clip = make_clip(project, f"Song {n}", tags="pop", image_url="https://cdn.example/c.jpg")
            if n % 2:
                ClipLike.objects.create(user=owner, clip=clip)

    fill(2)
    with django_assert_max_num_queries(10):
        owner_client.get("/library/?q=song&liked=")
    fill(28)
    with django_assert_max_num_queries(10):
        response = owner_client.get("/library/?q=song&liked=")
    assert len(titles(response)) == 30


# --- likes -----------------------------------------------------------------------------------------


def test_it_toggles_a_like_on_and_off(owner_client, owner, project):
    clip = make_clip(project)

    on = owner_client.post(f"/library/clips/{clip.uid}/like/", **HTMX)
    assert on.status_code == 200 and 'aria-pressed="true"' in on.content.decode()
    assert ClipLike.objects.filter(user=owner, clip=clip).exists()

    off = owner_client.post(f"/library/clips/{clip.uid}/like/", **HTMX)
    assert 'aria-pressed="false"' in off.content.decode()
    assert not ClipLike.objects.filter(user=owner, clip=clip).exists()


def test_a_like_sent_twice_stays_a_like(owner_client, owner, project):
    clip = make_clip(project)
    for _ in range(2):
        owner_client.post(f"/library/clips/{clip.uid}/like/", {"liked": "1"}, **HTMX)

    assert ClipLike.objects.filter(user=owner, clip=clip).count() == 1


def test_liked_by_me_is_per_user(client_for, owner, editor, project):
    clip = make_clip(project)
    ClipLike.objects.create(user=editor, clip=clip)

    assert [c.liked_by_me for c in client_for(editor).get("/library/").context["clips"]] == [True]
    assert [c.liked_by_me for c in client_for(owner).get("/library/").context["clips"]] == [False]


def test_a_plain_like_goes_back_where_it_came_from(owner_client, project):
    clip = make_clip(project)
    response = owner_client.post(f"/library/clips/{clip.uid}/like/", {"next": "/library/?q=x"})
    assert response["Location"] == "/library/?q=x"

    response = owner_client.post(f"/library/clips/{clip.uid}/like/", {"next": "https://evil.example/"})
    assert response["Location"] == project.get_absolute_url()


def test_the_project_card_shows_my_like_and_the_menu_for_editors(client_for, owner, viewer, project):
    clip = make_clip(project, "Card song")
    ClipLike.objects.create(user=viewer, clip=clip)

    as_viewer = client_for(viewer).get(project.get_absolute_url()).content.decode()
    as_owner = client_for(owner).get(project.get_absolute_url()).content.decode()

    menu = f"/library/clips/{clip.uid}/menu/"
    assert 'aria-pressed="true"' in as_viewer and menu not in as_viewer
    assert 'aria-pressed="false"' in as_owner and f'hx-get="{menu}?place=card"' in as_owner
    # The menu's items come when it is first opened: for editors only.
    items = client_for(owner).get(f"{menu}?place=card", HTTP_HX_REQUEST="true").content.decode()
    assert "Move to trash" in items and "Rename" in items and 'name="place" value="card"' in items
    assert client_for(viewer).get(f"{menu}?place=card", HTTP_HX_REQUEST="true").status_code == 403


def test_a_library_rows_menu_keeps_the_page_to_go_back_to(client_for, owner, project):
    clip = make_clip(project, "Row song")
    items = client_for(owner).get(
        f"/library/clips/{clip.uid}/menu/",
        {"place": "row", "next": "/library/?q=row"},
        HTTP_HX_REQUEST="true",
    )
    html = items.content.decode()
    assert 'name="place" value="row"' in html and 'name="next" value="/library/?q=row"' in html
    elsewhere = client_for(owner).get(
        f"/library/clips/{clip.uid}/menu/", {"place": "row", "next": "https://evil.example/"}
    )
    assert "evil.example" not in elsewhere.content.decode()


# --- permissions -----------------------------------------------------------------------------------


def test_viewers_can_like_but_cannot_trash_restore_or_rename(client_for, viewer, project):
    clip = make_clip(project, "Keep")
    draft = drafts.draft_create(project=project, user=project.created_by, title="Words", text="la")
    client = client_for(viewer)

    assert client.post(f"/library/clips/{clip.uid}/like/", **HTMX).status_code == 200
    assert client.post(f"/library/clips/{clip.uid}/trash/", **HTMX).status_code == 403
    assert client.post(f"/library/clips/{clip.uid}/restore/", **HTMX).status_code == 403
    assert client.get(f"/library/clips/{clip.uid}/rename/", **HTMX).status_code == 403
    assert client.post(f"/library/clips/{clip.uid}/rename/", {"title": "Mine"}, **HTMX).status_code == 403
    assert client.post(f"/library/drafts/{draft.pk}/trash/", **HTMX).status_code == 403
    assert client.post(f"/library/drafts/{draft.pk}/restore/", **HTMX).status_code == 403
    clip.refresh_from_db()
    assert clip.title == "Keep" and clip.trashed_at is None


def test_viewers_see_the_trash_without_restore_buttons(client_for, viewer, project):
    clip = make_clip(project, "Gone")
    library.clip_trash(clip=clip)

    html = client_for(viewer).get("/library/trash/").content.decode()

    assert "Gone" in html and f"/library/clips/{clip.uid}/restore/" not in html


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/library/clips/{clip}/like/"),
        ("post", "/library/clips/{clip}/trash/"),
        ("post", "/library/clips/{clip}/restore/"),
        ("get", "/library/clips/{clip}/rename/"),
        ("post", "/library/clips/{clip}/rename/"),
        ("post", "/library/drafts/{draft}/trash/"),
        ("post", "/library/drafts/{draft}/restore/"),
    ],
)
def test_strangers_get_404_on_every_action(stranger_client, project, method, path):
    clip = make_clip(project)
    draft = drafts.draft_create(project=project, user=project.created_by, title="Words", text="la")
    url = path.format(clip=clip.uid, draft=draft.pk)

    response = getattr(stranger_client, method)(url, {"title": "Mine"} if method == "post" else {}, **HTMX)

    assert response.status_code == 404


def test_actions_take_post_only(owner_client, project):
    clip = make_clip(project)
    assert owner_client.get(f"/library/clips/{clip.uid}/like/").status_code == 405
    assert owner_client.get(f"/library/clips/{clip.uid}/trash/").status_code == 405


# --- trash -----------------------------------------------------------------------------------------


def test_trash_hides_a_clip_from_the_project_page_and_the_library_and_restore_brings_it_back(
    owner_client, project
):
    clip = make_clip(project, "Maybe Later")
    make_clip(project, "Keeper")

    response = owner_client.post(f"/library/clips/{clip.uid}/trash/", {"place": "row"}, **HTMX)
    assert response.status_code == 200 and "Undo" in response.content.decode()
    assert "Maybe Later" not in owner_client.get(project.get_absolute_url()).content.decode()
    assert library_titles(owner_client) == ["Keeper"]
    assert "Maybe Later" in owner_client.get("/library/trash/").content.decode()

    owner_client.post(f"/library/clips/{clip.uid}/restore/", {"place": "trash"}, **HTMX)
    assert "Maybe Later" in owner_client.get(project.get_absolute_url()).content.decode()
    assert sorted(library_titles(owner_client)) == ["Keeper", "Maybe Later"]
    assert "Maybe Later" not in owner_client.get("/library/trash/").content.decode()


def test_undo_on_the_project_page_brings_the_whole_card_back(owner_client, project):
    clip = make_clip(project, "Oops")

    trashed = owner_client.post(f"/library/clips/{clip.uid}/trash/", {"place": "card"}, **HTMX)
    assert f'hx-target="#task-{clip.task_id}"' in trashed.content.decode()

    card = owner_client.post(f"/library/clips/{clip.uid}/restore/", {"place": "card"}, **HTMX)
    html = card.content.decode()
    assert f'id="task-{clip.task_id}"' in html and f'id="clip-{clip.pk}"' in html and "Oops" in html


def test_undo_in_the_library_brings_the_row_back(owner_client, owner, project):
    clip = make_clip(project, "Oops")
    ClipLike.objects.create(user=owner, clip=clip)
    owner_client.post(f"/library/clips/{clip.uid}/trash/", {"place": "row"}, **HTMX)

    row = owner_client.post(f"/library/clips/{clip.uid}/restore/", {"place": "row"}, **HTMX)

    html = row.content.decode()
    assert 'class="lib-row' in html and "Oops" in html and 'aria-pressed="true"' in html


def test_trashing_twice_keeps_the_first_time(project):
    clip = make_clip(project)
    first = library.clip_trash(clip=clip).trashed_at
    again = library.clip_trash(clip=Clip.objects.get(pk=clip.pk)).trashed_at

    assert again == first


def test_editors_trash_drafts_which_leave_the_list_and_come_back(client_for, editor, project):
    draft = drafts.draft_create(project=project, user=project.created_by, title="Night Train", text="la")
    client = client_for(editor)

    trashed = client.post(f"/library/drafts/{draft.pk}/trash/", {"place": "drafts"}, **HTMX)
    assert "Undo" in trashed.content.decode()
    draft.refresh_from_db()
    assert draft.trashed_at is not None
    assert "Night Train" not in client.get(project.get_absolute_url()).content.decode()
    assert "Night Train" in client.get("/library/trash/").content.decode()

    restored = client.post(f"/library/drafts/{draft.pk}/restore/", {"place": "trash"}, **HTMX)
    assert "is back in" in restored.content.decode()
    draft.refresh_from_db()
    assert draft.trashed_at is None
    assert "Night Train" in client.get(project.get_absolute_url()).content.decode()


def test_undo_in_the_drafts_list_returns_the_list(owner_client, project):
    draft = drafts.draft_create(project=project, user=project.created_by, title="Night Train", text="la")
    library.draft_trash(draft=draft)

    response = owner_client.post(f"/library/drafts/{draft.pk}/restore/", {"place": "drafts"}, **HTMX)

    html = response.content.decode()
    assert 'id="lyrics-list"' in html and "Night Train" in html


def test_plain_trash_and_restore_redirect_with_a_note(owner_client, project):
    clip = make_clip(project, "Plain")

    response = owner_client.post(f"/library/clips/{clip.uid}/trash/", follow=True)
    assert response.redirect_chain[-1][0] == project.get_absolute_url()
    assert "is in the trash" in response.content.decode()

    response = owner_client.post(f"/library/clips/{clip.uid}/restore/", {"next": "/library/trash/"})
    assert response["Location"] == "/library/trash/"


# --- titles ----------------------------------------------------------------------------------------


def test_editors_rename_a_clip_inline(client_for, editor, project):
    clip = make_clip(project, "Draft Name")
    client = client_for(editor)

    form = client.get(f"/library/clips/{clip.uid}/rename/", **HTMX).content.decode()
    assert 'name="title"' in form and 'value="Draft Name"' in form

    saved = client.post(f"/library/clips/{clip.uid}/rename/", {"title": "  City Lights  "}, **HTMX)
    assert saved.content.decode().strip() == "<strong>City Lights</strong>"
    clip.refresh_from_db()
    assert clip.title == "City Lights"
    assert library_titles(client) == ["City Lights"]


@pytest.mark.parametrize(
    ("title", "error"),
    [("   ", "Give it a title."), ("x" * 201, "At most 200 characters (this has 201).")],
)
def test_a_rename_is_validated_and_keeps_the_text(owner_client, project, title, error):
    clip = make_clip(project, "Original")

    response = owner_client.post(f"/library/clips/{clip.uid}/rename/", {"title": title}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200  # htmx 2 swaps only successful answers
    assert error in html and 'aria-invalid="true"' in html
    if title.strip():
        assert f'value="{title}"' in html
    clip.refresh_from_db()
    assert clip.title == "Original"


def test_a_title_of_200_characters_is_fine(project):
    clip = library.clip_rename(clip=make_clip(project), title="y" * 200)
    assert Clip.objects.get(pk=clip.pk).title == "y" * 200


def test_cancel_shows_the_title_again(owner_client, project):
    clip = make_clip(project, "Same")
    response = owner_client.get(f"/library/clips/{clip.uid}/rename/?show=title", **HTMX)
    assert response.content.decode().strip() == "<strong>Same</strong>"


def test_the_drafts_list_trash_button_is_for_editors_only(owner, viewer, project):
    from django.template.loader import render_to_string

    from songs import selectors

    draft = drafts.draft_create(project=project, user=owner, title="Words", text="la")
    for user, shown in ((owner, True), (viewer, False)):
        page_project = selectors.project_for_user(user=user, pk=project.pk)
        html = render_to_string(
            "songs/partials/library_draft_trash.html", {"draft": draft, "project": page_project}
        )
        assert (f"/library/drafts/{draft.pk}/trash/" in html) is shown


def test_viewers_see_likes_but_no_menu_in_the_library(client_for, viewer, project):
    make_clip(project, "Listen only")

    html = client_for(viewer).get("/library/").content.decode()

    assert "Listen only" in html and 'aria-pressed="false"' in html and "Move to trash" not in html


def test_each_restore_button_in_the_trash_swaps_its_own_row(owner_client, project):
    clip = make_clip(project, "Gone Song")
    library.clip_trash(clip=clip)
    draft = drafts.draft_create(project=project, user=project.created_by, title="Gone Words", text="la")
    library.draft_trash(draft=draft)
    page = owner_client.get("/library/trash/").content.decode()
    assert f'id="trash-clip-{clip.pk}"' in page and f'hx-target="#trash-clip-{clip.pk}"' in page
    assert f'id="trash-draft-{draft.pk}"' in page and f'hx-target="#trash-draft-{draft.pk}"' in page


def test_clips_with_one_title_are_told_apart_by_their_take_and_where_they_came_from(owner_client, project):
    task = make_task(project, status="succeeded")
    first, second = make_stored_clip(task, title="City Lights"), make_stored_clip(task, title="City Lights")
    more = make_stored_clip(make_task(project, status="succeeded", mode="continue"), title="City Lights")
    more.parent, more.continue_at = first, 80.0
    more.save(update_fields=["parent", "continue_at"])
    page = owner_client.get("/library/?q=city").content.decode()
    ids = (first.pk, second.pk, more.pk)
    rows = {pk: page.split(f'id="clip-{pk}"', 1)[1].split("</li>", 1)[0] for pk in ids}
    assert "take 1 of 2" in rows[first.pk] and "take 2 of 2" in rows[second.pk]
    assert "take" not in rows[more.pk] and "Continued from “City Lights” at 1:20" in rows[more.pk]
    filtered = owner_client.get("/library/?q=city&mode=custom").content.decode()
    assert "take 2 of 2" in filtered  # counted over the request's clips, not over what the filter left
