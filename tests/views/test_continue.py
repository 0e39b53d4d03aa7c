"""Continue from a timestamp, get the whole song, replace a section: the studio's side."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from songs.models import ClipTiming, GenerationTask
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clip(project):
    clip = make_stored_clip(
        make_task(project, status="succeeded", upstream_id="task-origin"), title="City Lights"
    )
    clip.duration, clip.tags = 95.0, "emotional punk"
    clip.save(update_fields=["duration", "tags"])
    return clip


def _continue(client, project, clip, **overrides):
    data = {
        "mode": "continue",
        "clip": str(clip.uid),
        "continue_at": "1:20",
        "lyrics": "[Verse]\nStill walking",
        "tags": "emotional punk",
        "title": "City Lights",
        "mv": "chirp-v3-5",
        "request_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)


def test_continue_from_here_presets_the_form_with_the_clip_time_and_style(owner_client, project, clip):
    response = owner_client.get(
        reverse("songs:continue_form", args=[project.pk]),
        {"clip": clip.uid, "at": "1:20", "mode": "continue"},
        **HX,
    )
    body = response.content.decode()
    assert "Continuing “City Lights”" in body and 'value="1:20"' in body
    assert 'value="emotional punk"' in body and "</textarea>" in body  # lyrics left empty for new words
    assert ">Continue</button>" in body


def test_a_continue_request_carries_the_clip_the_time_and_the_origin_task(owner_client, project, clip):
    _continue(owner_client, project, clip)
    task = GenerationTask.objects.filter(mode="continue").get()
    assert task.request_payload == {
        "prompt": "[Verse]\nStill walking",
        "tags": "emotional punk",
        "mv": "chirp-v3-5",
        "title": "City Lights",
        "make_instrumental": False,
        "continue_clip_id": clip.upstream_id,
        "continue_at": 80.0,
        "task_id": "task-origin",
    }
    assert task.parent_clip == clip and task.continue_at == 80.0


@pytest.mark.parametrize("at", ["0", "0:00", "1:35", "2:00", "soon"])
def test_a_time_outside_the_clip_is_refused_beside_the_field(owner_client, project, clip, at):
    body = _continue(owner_client, project, clip, continue_at=at).content.decode()
    assert 'id="id_continue_at_error"' in body and "Continuing “City Lights”" in body
    assert not GenerationTask.objects.filter(mode="continue").exists()


def test_continuing_an_upload_uses_the_upload_variant_and_sends_no_task_id(owner_client, project, clip):
    clip.clip_type = "upload"
    clip.save(update_fields=["clip_type"])
    _continue(owner_client, project, clip, mv="chirp-v3-5")
    payload = GenerationTask.objects.get(mode="continue").request_payload
    assert payload["mv"] == "chirp-v3-5-upload" and "task_id" not in payload  # an upload has no origin task


def test_a_clip_from_another_project_cannot_be_continued_here(owner_client, owner, project, clip):
    from songs.services import teams

    other = teams.project_create(user=owner, name="Other")
    body = _continue(owner_client, other, clip).content.decode()
    assert "Pick a finished clip of this project" in body
    assert (
        owner_client.get(reverse("songs:continue_form", args=[other.pk]), {"clip": clip.uid}).status_code
        == 404
    )


def test_a_stranger_cannot_open_the_continue_form(stranger_client, project, clip):
    url = reverse("songs:continue_form", args=[project.pk])
    assert stranger_client.get(url, {"clip": clip.uid}).status_code == 404


def test_the_card_shows_lineage_and_offers_the_whole_song(owner_client, project, clip):
    task = make_task(project, status="succeeded", parent_clip=clip, continue_at=80.0)
    child = make_stored_clip(task, title="City Lights")
    child.parent, child.continue_at = clip, 80.0
    child.save(update_fields=["parent", "continue_at"])
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "Continued from “City Lights” at 1:20" in page
    assert reverse("songs:whole_song", args=[child.uid]) in page
    assert reverse("songs:whole_song", args=[clip.uid]) not in page  # nothing to join before it


def test_get_whole_song_submits_a_concat_of_the_chain_end(owner_client, project, clip):
    child = make_stored_clip(make_task(project, status="succeeded"), title="City Lights")
    child.parent, child.continue_at = clip, 80.0
    child.save(update_fields=["parent", "continue_at"])
    response = owner_client.post(reverse("songs:whole_song", args=[child.uid]), **HX)
    task = GenerationTask.objects.get(action="CONCAT")
    assert task.request_payload == {"clip_id": child.upstream_id, "is_infill": False}
    assert task.parent_clip == child
    assert (
        f'id="task-{task.pk}"' in response.content.decode()
        and "Whole song: City Lights" in response.content.decode()
    )


def test_whole_song_of_a_clip_without_a_chain_is_404(owner_client, clip):
    assert owner_client.post(reverse("songs:whole_song", args=[clip.uid]), **HX).status_code == 404


def test_a_stranger_cannot_ask_for_the_whole_song(stranger_client, project, clip):
    child = make_stored_clip(make_task(project, status="succeeded"))
    child.parent = clip
    child.save(update_fields=["parent"])
    assert stranger_client.post(reverse("songs:whole_song", args=[child.uid])).status_code == 404
    assert not GenerationTask.objects.filter(action="CONCAT").exists()


def test_replace_section_and_excluded_styles_are_offered_only_where_the_format_carries_them(
    owner_client, project, clip, settings
):
    settings.SUNO_API_FORMAT = "task"  # what a remote relay gets by default
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "Replace section" not in page and "Exclude styles" not in page
    settings.SUNO_API_FORMAT = "v2"
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "Replace section" in page and "Exclude styles" in page


def test_a_replace_section_request_carries_both_ends(owner_client, project, clip, settings):
    settings.SUNO_API_FORMAT = "v2"
    _continue(
        owner_client,
        project,
        clip,
        mode="infill",
        continue_at="0:30",
        infill_end="0:45",
        negative_tags="autotune",
    )
    payload = GenerationTask.objects.get(mode="infill").request_payload
    assert payload["infill_start_s"] == 30.0 and payload["infill_end_s"] == 45.0
    assert payload["continue_at"] == 30.0 and payload["negative_tags"] == "autotune"


def test_a_replace_section_shorter_than_two_seconds_is_refused(owner_client, project, clip, settings):
    settings.SUNO_API_FORMAT = "v2"
    body = _continue(
        owner_client, project, clip, mode="infill", continue_at="0:30", infill_end="0:31"
    ).content
    assert b'id="id_infill_end_error"' in body
    assert not GenerationTask.objects.filter(mode="infill").exists()


def test_excluded_styles_are_never_sent_in_the_task_format(owner_client, project, clip, settings):
    settings.SUNO_API_FORMAT = "task"
    _continue(owner_client, project, clip, negative_tags="drums")
    assert "negative_tags" not in GenerationTask.objects.get(mode="continue").request_payload


def test_the_card_shows_where_each_part_of_the_chain_sits(owner_client, project, clip):
    first = make_stored_clip(make_task(project, status="succeeded"), title="Part Two")
    first.parent, first.continue_at, first.duration = clip, 80.0, 40.0
    first.save(update_fields=["parent", "continue_at", "duration"])
    second = make_stored_clip(make_task(project, status="succeeded"), title="Part Three")
    second.parent, second.continue_at, second.duration = first, 30.0, 30.0  # 0:30 into Part Two
    second.save(update_fields=["parent", "continue_at", "duration"])
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "0:00–1:20 City Lights → 1:20–1:50 Part Two → 1:50–2:20 Part Three = 2:20" in page


# --- Replace section, one step (issue 19, new user item 2) ---------------------------------------------

SONG = "[Verse]\nOne\nTwo\n[Chorus]\nThree\nFour\n[Verse]\nFive\nSix"


def test_replace_section_opens_with_its_own_labels_and_the_lyrics_of_that_section(
    owner_client, project, clip, settings
):
    settings.SUNO_API_FORMAT = "v2"
    clip.lyrics, clip.duration = SONG, 60.0
    clip.save(update_fields=["lyrics", "duration"])
    url = reverse("songs:continue_form", args=[project.pk])
    body = owner_client.get(url, {"clip": clip.uid, "mode": "infill", "at": "0:21", "end": "0:39"}, **HX)
    page = body.content.decode()
    assert "Replace from (m:ss)" in page and "Continue from (m:ss)" not in page
    lyrics = page.split('name="lyrics"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert lyrics.strip() == "[Chorus]\nThree\nFour"  # lines 3-4 of 6 sit at 0:20-0:40
    single = owner_client.get(url, {"clip": clip.uid, "mode": "infill", "at": "0:21"}, **HX).content.decode()
    assert 'value="0:31"' in single  # a single time picks the next ten seconds


def test_replace_section_takes_the_lines_sung_there_from_the_aligned_words(
    owner_client, project, clip, settings
):
    settings.SUNO_API_FORMAT = "v2"
    clip.lyrics, clip.duration = SONG, 60.0
    clip.save(update_fields=["lyrics", "duration"])
    words = [
        {"word": "[Verse]\nOne\n", "start_s": 1, "end_s": 2},
        {"word": "Two\n", "start_s": 3, "end_s": 4},
        {"word": "[Chorus]\nThree\n", "start_s": 5, "end_s": 6},
        {"word": "Four\n", "start_s": 40, "end_s": 41},
    ]
    ClipTiming.objects.create(clip=clip, words=words)
    url = reverse("songs:continue_form", args=[project.pk])
    page = owner_client.get(url, {"clip": clip.uid, "mode": "infill", "at": "0:02.5", "end": "0:10"}).content
    lyrics = page.decode().split('name="lyrics"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert lyrics.strip() == "Two\n[Chorus]\nThree"


def test_a_replace_section_without_an_end_is_refused_beside_the_field(owner_client, project, clip, settings):
    settings.SUNO_API_FORMAT = "v2"
    body = _continue(owner_client, project, clip, mode="infill", continue_at="0:30", infill_end="").content
    assert b'id="id_infill_end_error"' in body and b"Say where the section to replace ends." in body
    assert not GenerationTask.objects.filter(mode__in=("infill", "continue")).exists()  # nor continued


def _section_with_stitch(project, clip, stitch_status: str):
    infill = make_task(project, status="succeeded", mode="infill")
    infill.request_payload = {"infill_start_s": 30.0, "infill_end_s": 45.0}
    infill.save(update_fields=["request_payload"])
    section = make_stored_clip(infill, title="City Lights")
    section.parent, section.continue_at, section.metadata = clip, 30.0, {"infill": True}
    section.save(update_fields=["parent", "continue_at", "metadata"])
    stitch = make_task(project, status=stitch_status, action="CONCAT", mode="infill")
    stitch.parent_clip = section
    stitch.save(update_fields=["parent_clip"])
    return infill, section, stitch


def test_a_replaced_section_shows_on_its_card_as_the_whole_song(owner_client, project, clip, settings):
    settings.SUNO_API_FORMAT = "v2"
    infill, section, stitch = _section_with_stitch(project, clip, "running")
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "Putting the new section into the song" in page
    assert f'id="task-{stitch.pk}"' not in page  # no card of its own
    whole = make_stored_clip(stitch, title="City Lights")
    whole.parent, whole.clip_type, whole.duration = section, "concat_infilling", 95.0
    whole.save(update_fields=["parent", "clip_type", "duration"])
    GenerationTask.objects.filter(pk=stitch.pk).update(status="succeeded")
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    card = page.split(f'id="task-{infill.pk}"', 1)[1].split("</article>", 1)[0]
    assert f'id="clip-{whole.pk}"' in card and f'id="clip-{section.pk}"' not in card
    assert "Whole song with 0:30–0:45 replaced" in card
    assert "Continue from here" in card and "Replace section" in card  # it goes on like any song


def test_a_stitch_that_failed_says_why_and_offers_it_again(owner_client, project, clip, settings):
    settings.SUNO_API_FORMAT = "v2"
    infill, section, stitch = _section_with_stitch(project, clip, "failed")
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    card = page.split(f'id="task-{infill.pk}"', 1)[1].split("</article>", 1)[0]
    assert "could not be put into the song" in card and "Stitch into the song" in card
    response = owner_client.post(reverse("songs:whole_song", args=[section.uid]), **HX)
    assert response.status_code == 200 and f'id="task-{infill.pk}"' in response.content.decode()
    again = GenerationTask.objects.filter(action="CONCAT", mode="infill", parent_clip=section).latest("pk")
    assert again.pk != stitch.pk and again.cost == 0 and again.request_payload["is_infill"] is True
