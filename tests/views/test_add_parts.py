"""Add vocals / Add instrumental on a user's own upload: offered on an uploaded clip's card where the family
carries them (sunoapi), hidden elsewhere, refused for a song made here; a new card, charged as one song."""

from __future__ import annotations

import pytest
from django.urls import reverse

from songs.models import Clip, GenerationTask
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
LABEL = "Add vocals or an instrumental"


@pytest.fixture
def uploaded(project):
    clip = make_stored_clip(
        make_task(project, status="succeeded", action="UPLOAD", mode="upload"), title="Hum"
    )
    Clip.objects.filter(pk=clip.pk).update(clip_type="upload", upstream_id=f"upload:{clip.uid}")
    clip.refresh_from_db()
    return clip


@pytest.fixture
def sung(project):
    return make_stored_clip(make_task(project, status="succeeded"), title="City Lights")


def page(client, project) -> str:
    return client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()


@pytest.mark.parametrize("api_format", ["task", "v2", "acedata", "acestep"])
def test_other_families_offer_no_such_button_and_refuse_the_request(
    owner_client, project, uploaded, settings, api_format
):
    settings.SUNO_API_FORMAT = api_format
    assert LABEL not in page(owner_client, project)
    url = reverse("songs:add_part_create", args=[uploaded.uid])
    response = owner_client.post(url, {"part": "vocals", "tags": "pop", "lyrics": "la"}, **HX)
    assert response.status_code == 404 and not GenerationTask.objects.filter(mode="add_vocals").exists()


def test_sunoapi_offers_it_on_an_upload_only(owner_client, project, uploaded, sung, settings):
    settings.SUNO_API_FORMAT = "sunoapi"
    html = page(owner_client, project)
    assert html.count(LABEL) == 1 and reverse("songs:add_part_create", args=[uploaded.uid]) in html
    url = reverse("songs:add_part_create", args=[sung.uid])
    assert owner_client.post(url, {"part": "vocals", "tags": "pop", "lyrics": "la"}, **HX).status_code == 404


def test_the_form_says_what_is_missing_beside_the_fields(owner_client, project, uploaded, settings):
    settings.SUNO_API_FORMAT = "sunoapi"
    url = reverse("songs:add_part_create", args=[uploaded.uid])
    assert 'name="part"' in owner_client.get(url, **HX).content.decode()
    html = owner_client.post(url, {"part": "vocals", "tags": " ", "title": "Mine"}, **HX).content.decode()
    assert "Give the style" in html and "Give the lyrics the vocals sing." in html and 'value="Mine"' in html
    assert not GenerationTask.objects.filter(mode__in=["add_vocals", "add_instr"]).exists()


@pytest.mark.parametrize(
    "part, mode, task",
    [("vocals", "add_vocals", "add_vocals"), ("instrumental", "add_instr", "add_instrumental")],
)
def test_each_makes_a_new_card_charged_as_one_song(
    owner_client, project, uploaded, settings, part, mode, task
):
    settings.SUNO_API_FORMAT = "sunoapi"
    url = reverse("songs:add_part_create", args=[uploaded.uid])
    data = {"part": part, "tags": "soft pop", "title": "", "lyrics": "[Verse]\nla", "request_key": ""}
    html = owner_client.post(url, data, **HX).content.decode()
    made = GenerationTask.objects.get(mode=mode)
    assert "afterbegin:#cards" in html and made.parent_clip == uploaded
    assert made.cost == settings.CREDIT_COSTS["MUSIC"] and made.request_payload["task"] == task
    assert made.request_payload["title"] == "Hum" and made.request_payload["tags"] == "soft pop"
    assert made.request_payload["prompt"] == ("[Verse]\nla" if part == "vocals" else "")


def test_the_styles_to_exclude_are_sent_and_left_empty_the_required_key_still_goes(
    owner_client, project, uploaded, settings
):
    """sunoapi requires negativeTags on add-vocals and add-instrumental (docs/protocol.md 8.1): the box
    takes the Create form's "Exclude styles"; given none, the key is still sent, empty."""
    settings.SUNO_API_FORMAT = "sunoapi"
    url = reverse("songs:add_part_create", args=[uploaded.uid])
    assert 'name="negative_tags"' in owner_client.get(url, **HX).content.decode()
    data = {"part": "instrumental", "tags": "folk", "negative_tags": " heavy drums ", "request_key": ""}
    owner_client.post(url, data, **HX)
    owner_client.post(url, {"part": "vocals", "tags": "folk", "lyrics": "la", "request_key": ""}, **HX)

    excluded = GenerationTask.objects.get(mode="add_instr").request_payload
    plain = GenerationTask.objects.get(mode="add_vocals").request_payload
    assert excluded["negative_tags"] == "heavy drums"
    assert "negative_tags" in plain and plain["negative_tags"] == ""
    from songs.gateway.sunoapi import music_request

    body = music_request({**plain, "upload_url": "https://studio.example.com/u/t/"}).json
    assert body["negativeTags"] == ""  # present, as the family requires


def test_a_viewer_cannot_add_parts(client_for, viewer, project, uploaded, settings):
    settings.SUNO_API_FORMAT = "sunoapi"
    url = reverse("songs:add_part_create", args=[uploaded.uid])
    response = client_for(viewer).post(url, {"part": "vocals", "tags": "pop", "lyrics": "la"}, **HX)
    assert (
        response.status_code in (403, 404) and not GenerationTask.objects.filter(mode="add_vocals").exists()
    )


def test_without_an_address_the_gateway_can_reach_it_says_so_and_saves_nothing(
    owner_client, project, uploaded, settings
):
    settings.SUNO_API_FORMAT = "sunoapi"
    settings.SUNO_BASE_URL, settings.PUBLIC_BASE_URL = "https://api.sunoapi.org", ""
    url = reverse("songs:add_part_create", args=[uploaded.uid])
    assert "set PUBLIC_BASE_URL" in owner_client.get(url, **HX).content.decode()
    data = {"part": "instrumental", "tags": "pop", "title": "x"}
    assert "set PUBLIC_BASE_URL" in owner_client.post(url, data, **HX).content.decode()
    assert not GenerationTask.objects.filter(mode="add_instr").exists()


def test_the_new_card_names_the_upload_it_was_made_from(owner_client, project, uploaded, settings):
    settings.SUNO_API_FORMAT = "sunoapi"
    url = reverse("songs:add_part_create", args=[uploaded.uid])
    owner_client.post(url, {"part": "instrumental", "tags": "soft pop", "title": "Backing"}, **HX)
    made = make_stored_clip(GenerationTask.objects.get(mode="add_instr"), title="Backing")
    Clip.objects.filter(pk=made.pk).update(parent=uploaded)
    assert "An instrumental for “Hum”" in page(owner_client, project)
