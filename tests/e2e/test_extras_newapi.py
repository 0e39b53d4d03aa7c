"""The studio in front of a stock new-api relay (tests/standins/newapi.py) whose channel is the engine: the
relay drops task, cover_clip_id, persona_id and vocal_gender, so stems, covers, personas and finer control
are never offered there; it has no act/tags, so Boost is learnt missing on its first use and hidden."""

from __future__ import annotations

import pytest
from django.urls import reverse

from songs.models import GatewayFeature, GenerationTask, StyleBoost
from songs.services import boost, features, stems
from tests.e2e.test_flow import request_song
from tests.e2e.test_newapi_chain import behind_newapi, settle  # noqa: F401 - a fixture and a helper

pytestmark = pytest.mark.django_db(transaction=True)
HIDDEN = ("Split stems", "Cover in another style", "Make a persona", "Vocal gender", "More control", "Singer")


@pytest.mark.usefixtures("behind_newapi")
def test_behind_new_api_the_extras_are_hidden_and_boost_is_learnt_missing(
    project, owner, owner_client, relay_clock
):
    task = settle(request_song(project, owner), relay_clock)
    assert task.status == "succeeded", task.fail_reason
    clip = task.clips.first()
    url = reverse("songs:project_detail", args=[project.pk])
    html = owner_client.get(url).content.decode()
    assert clip.title in html and not [label for label in HIDDEN if label in html]
    with pytest.raises(features.FeatureMissing):  # refused before it is saved or charged
        stems.stems_request(clip=clip, user=owner)
    assert not GenerationTask.objects.filter(mode="stems").exists()

    assert "data-boost" in html
    made = boost.boost_request(project=project, user=owner, tags="student")  # the worker runs on commit
    made.refresh_from_db()
    assert made.status == StyleBoost.Status.FAILED and made.reason_code == "not_supported"
    assert GatewayFeature.objects.filter(name="boost", missing_since__isnull=False).exists()
    state = owner_client.get(reverse("songs:boost_state", args=[made.uid])).content.decode()
    assert "does not offer style boost" in state
    assert "data-boost" not in owner_client.get(url).content.decode()
