"""A clip's extras (stems, cover, persona), Boost and finer control on the pages: offered only where the
gateway carries them, to editors only, with clear messages beside the fields."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from songs.models import Clip, GenerationTask, Persona
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
EXTRAS = ("Split stems", "Cover in another style", "Make a persona", "Vocal gender", "More control")


@pytest.fixture
def v2(settings):
    settings.SUNO_API_FORMAT = "v2"


@pytest.fixture
def sung(project):
    clip = make_stored_clip(make_task(project, status="succeeded"), title="City Lights")
    Clip.objects.filter(pk=clip.pk).update(lyrics="[Verse]\nla la", tags="pop")
    clip.refresh_from_db()
    return clip


def page(client, project) -> str:
    return client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()


def create(client, project, **fields):
    data = {
        "mode": "custom",
        "lyrics": "[Verse]\nla",
        "tags": "pop",
        "title": "T",
        "mv": "chirp-crow",
        **fields,
    }
    return client.post(reverse("songs:song_create", args=[project.pk]), data, **HX)


def test_the_task_format_offers_none_of_the_task_fields_that_relays_drop(
    owner_client, project, sung, settings
):
    settings.SUNO_API_FORMAT = "task"
    html = page(owner_client, project)
    assert not any(label in html for label in EXTRAS)
    assert "Boost" in html  # a call of its own: learnt missing where a gateway lacks it
    response = owner_client.post(reverse("songs:stems_split", args=[sung.uid]), **HX)
    assert response.status_code == 404 and not GenerationTask.objects.filter(mode="stems").exists()


def test_the_v2_format_offers_them_to_editors_and_shows_viewers_none(
    v2, owner_client, client_for, viewer, project, sung
):
    assert all(label in page(owner_client, project) for label in EXTRAS)
    html = page(client_for(viewer), project)
    assert not any(label in html for label in ("Split stems", "Cover in another style", "Make a persona"))


def test_suno_features_narrows_them(v2, settings, owner_client, project, sung):
    settings.SUNO_FEATURES = ["concat", "cover"]
    html = page(owner_client, project)
    assert "Cover in another style" in html and "Split stems" not in html and "Make a persona" not in html


def test_split_stems_saves_one_charged_request_and_the_card_says_it_is_splitting(
    v2, owner_client, project, sung
):
    url = reverse("songs:stems_split", args=[sung.uid])
    first = owner_client.post(url, **HX).content.decode()
    owner_client.post(url, **HX)  # a double click
    task = GenerationTask.objects.get(mode="stems")
    assert (
        task.request_payload["task"] == "gen_stem"
        and task.request_payload["continue_clip_id"] == sung.upstream_id
    )
    assert task.parent_clip == sung and task.cost == 10
    assert "Splitting into vocals and instrumental" in first and 'id="poller"' in first
    # not a card of its own: it sits on the source's
    assert page(owner_client, project).count('class="card status-') == 1


def test_the_stems_panel_plays_both_stems_with_mute_solo_volume_and_downloads(
    v2, client_for, viewer, project, sung
):
    stems_task = make_task(project, status="succeeded", mode="stems", parent_clip=sung)
    for part in ("Vocals", "Instrumental"):
        stem = make_stored_clip(stems_task, title=f"City Lights - {part}")
        Clip.objects.filter(pk=stem.pk).update(parent=sung, clip_type="stem")
    html = page(client_for(viewer), project)  # viewers play and download
    assert (
        html.count("data-stem=") == 2 and 'data-stem="vocals"' in html and 'data-stem="instrumental"' in html
    )
    assert html.count("data-stem-mute") == 2 and html.count("data-stem-solo") == 2
    assert html.count("data-stem-volume") == 2 and html.count('?download=1" download>Download MP3') == 2
    assert html.count('class="card status-') == 1
    # A WAV is made by a worker: until then its link answers a "being prepared" page, which a download
    # attribute would save as the file.
    wav_links = re.findall(r'<a [^>]*href="/clips/[^"]+/wav"[^>]*>', html)
    assert len(wav_links) >= 2 and not any(" download" in link for link in wav_links)


def test_a_cover_form_with_no_style_says_so_beside_the_field_and_keeps_the_title(
    v2, owner_client, project, sung
):
    url = reverse("songs:cover_create", args=[sung.uid])
    html = owner_client.post(url, {"tags": " ", "title": "My cover"}, **HX).content.decode()
    assert "Give the new style" in html and 'value="My cover"' in html
    assert not GenerationTask.objects.filter(mode="cover").exists()


def test_a_cover_makes_a_new_card_that_names_its_source(v2, owner_client, project, sung):
    url = reverse("songs:cover_create", args=[sung.uid])
    html = owner_client.post(url, {"tags": "acoustic folk", "title": ""}, **HX).content.decode()
    task = GenerationTask.objects.get(mode="cover")
    assert (
        task.request_payload["cover_clip_id"] == sung.upstream_id
        and task.request_payload["tags"] == "acoustic folk"
    )
    assert task.request_payload["title"] == "City Lights" and task.request_payload["prompt"] == sung.lyrics
    cover = make_stored_clip(task, title="City Lights")
    Clip.objects.filter(pk=cover.pk).update(parent=sung)
    assert "afterbegin:#cards" in html
    assert "Cover of “City Lights”" in page(owner_client, project)
    assert "Get whole song" not in page(owner_client, project)  # a cover is not a continuation


def test_make_a_persona_saves_it_pending_and_the_team_page_lists_it(
    v2, owner_client, client_for, viewer, project, sung
):
    url = reverse("songs:persona_create", args=[sung.uid])
    html = owner_client.post(url, {"name": "Ann", "description": "warm alto"}, **HX).content.decode()
    persona = Persona.objects.get()
    assert persona.team == project.team and persona.task.action == "PERSONA" and persona.task.cost == 100
    assert "Being made" in html and reverse("songs:persona_state", args=[persona.pk]) in html
    team_page = client_for(viewer).get(reverse("songs:team_detail", args=[project.team.pk])).content.decode()
    assert "Ann" in team_page and "warm alto" in team_page and "Being made" in team_page
    GenerationTask.objects.filter(pk=persona.task_id).update(
        status="failed", reason_code="not_supported", reason_detail="persona"
    )
    state = owner_client.get(reverse("songs:persona_state", args=[persona.pk]), **HX).content.decode()
    assert "Failed" in state and "does not offer personas" in state


def test_a_persona_without_a_name_says_so_beside_the_field(v2, owner_client, project, sung):
    html = owner_client.post(
        reverse("songs:persona_create", args=[sung.uid]), {"name": ""}, **HX
    ).content.decode()
    assert "Give the persona a name" in html
    assert not Persona.objects.exists()


def test_singer_offers_the_teams_ready_personas_and_sings_with_one(v2, owner_client, project, sung):
    ready = Persona.objects.create(team=project.team, name="Ann", source_clip=sung, upstream_id="p-ann")
    Persona.objects.create(team=project.team, name="Pending Pat", source_clip=sung)
    html = page(owner_client, project)
    assert ">Ann<" in html and "Pending Pat" not in html.split('name="persona"')[1].split("</select>")[0]
    create(owner_client, project, persona=str(ready.pk), mv="chirp-v4")
    payload = GenerationTask.objects.filter(mode="custom").latest("pk").request_payload
    assert payload["task"] == "artist_consistency" and payload["persona_id"] == "p-ann"
    assert payload["artist_clip_id"] == sung.upstream_id and payload["mv"] == "chirp-v4-tau"


def test_finer_control_is_checked_beside_its_fields(v2, owner_client, project):
    html = create(owner_client, project, mv="chirp-v4", target_duration="2:00").content.decode()
    assert "Only models v5, v5.5, v6 take this" in html and 'value="2:00"' in html
    html = create(owner_client, project, target_duration="0:05").content.decode()
    assert "Pick a duration from 10 s to 8 minutes" in html
    html = create(owner_client, project, weirdness="150").content.decode()
    assert "less than or equal to 100" in html
    assert not GenerationTask.objects.exists()
    create(owner_client, project, target_duration="2:30", style_weight="40", weirdness="80", vocal_gender="f")
    payload = GenerationTask.objects.get().request_payload
    assert (payload["duration"], payload["style_weight"], payload["weirdness_constraint"]) == (150, 0.4, 0.8)
    assert payload["vocal_gender"] == "f"


def test_the_task_format_never_sends_finer_control(owner_client, project, settings):
    settings.SUNO_API_FORMAT = "task"
    create(owner_client, project, target_duration="2:30", vocal_gender="f", weirdness="80")
    payload = GenerationTask.objects.get().request_payload
    assert not {"duration", "vocal_gender", "weirdness_constraint"} & set(payload)


def test_boost_with_no_style_says_so(owner_client, project):
    html = owner_client.post(
        reverse("songs:boost_create", args=[project.pk]), {"tags": ""}, **HX
    ).content.decode()
    assert "Write a few words of style first" in html


def test_staff_see_personas_with_their_state(admin_client, project, sung):
    Persona.objects.create(team=project.team, name="Ann", source_clip=sung, upstream_id="p-ann")
    html = admin_client.get("/admin/songs/persona/").content.decode()
    assert "Ann" in html and "ready" in html and "p-ann" in html


def test_a_persona_song_names_its_singer_without_a_query_per_card(v2, owner_client, project, sung):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Persona.objects.create(team=project.team, name="Ann", source_clip=sung, upstream_id="p-ann")

    def persona_song():
        task = make_task(project, status="succeeded")
        task.request_payload.update(
            task="artist_consistency", persona_id="p-ann", artist_clip_id=sung.upstream_id
        )
        task.save(update_fields=["request_payload"])
        make_stored_clip(task, title="Iron")

    persona_song()
    with CaptureQueriesContext(connection) as one:
        assert "Sung by the persona “Ann”" in page(owner_client, project)
    for _ in range(5):
        persona_song()
    with CaptureQueriesContext(connection) as six:
        assert page(owner_client, project).count("Sung by the persona “Ann”") == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_failed_stems_say_why_on_the_card_and_can_be_asked_for_again(v2, owner_client, project, sung):
    make_task(
        project,
        status="failed",
        mode="stems",
        parent_clip=sung,
        reason_code="no_channel",
        fail_reason="no channel",
    )
    html = page(owner_client, project)
    assert "Splitting stems failed:" in html and "no channel for this model" in html
    assert "Split stems" in html  # a new request, since the failed one charged nothing
    owner_client.post(reverse("songs:stems_split", args=[sung.uid]), **HX)
    assert GenerationTask.objects.filter(mode="stems", status="queued").count() == 1


def test_a_boost_whose_job_was_lost_ends_with_a_reason_and_the_button_back(
    owner_client, project, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from songs.models import StyleBoost
    from songs.services import common, polling

    monkeypatch.setattr(
        common, "async_task", lambda *args, **kwargs: None
    )  # its worker dies: the job is lost
    owner_client.post(reverse("songs:boost_create", args=[project.pk]), {"tags": "student"}, **HX)
    boost = StyleBoost.objects.get()
    polling.work_resume_due(now=timezone.now() + timedelta(seconds=30))
    assert StyleBoost.objects.get().status == "pending"  # a slow one is not failed too soon

    polling.work_resume_due(now=timezone.now() + timedelta(minutes=3))  # the poller's safety net, later on
    html = owner_client.get(
        reverse("songs:boost_state", args=[boost.uid]), {"left": "3"}, **HX
    ).content.decode()
    assert StyleBoost.objects.get().status == "failed"
    assert "took too long" in html and "data-boost>" in html  # the reason, and Boost to press again
