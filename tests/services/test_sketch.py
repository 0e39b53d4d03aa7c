"""Sketch: with a real gateway configured, the built-in engine beside it sings a song for free.

The real gateway here is an address nothing answers for (every request to it is recorded and refused);
the sketch engine is the engine of this very process, reached over HTTP semantics (WSGI), no mocks.
"""

from __future__ import annotations

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse

from songs.gateway import client as gateway_client
from songs.models import ClipTiming, GenerationTask
from songs.selectors import credits_used_today
from songs.services import polling, requests

pytestmark = pytest.mark.django_db(transaction=True)

GATEWAY = "http://gateway.test"
LYRICS = "[Verse]\nWalking down the streets\nBeneath the city lights\n\n[Chorus]\nCity lights\nShine on me"
SONG = {
    "mode": "custom",
    "mv": "chirp-v4",
    "lyrics": LYRICS,
    "tags": "lofi chill",
    "title": "Sketch of City Lights",
}


class Router(httpx.BaseTransport):
    """The sketch engine's address goes to the engine; anything sent to the real gateway is recorded."""

    def __init__(self) -> None:
        self.engine = httpx.WSGITransport(app=WSGIHandler())
        self.to_gateway: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "testserver":
            return self.engine.handle_request(request)
        if request.url.host == "gateway.test":
            self.to_gateway.append(f"{request.method} {request.url}")
        return httpx.Response(503, json={"code": "error", "message": "not here", "data": None})


@pytest.fixture
def beside_a_gateway(settings):
    settings.SUNO_GATEWAY_URL, settings.SUNO_GATEWAY_KEY = GATEWAY, "real-gateway-key"
    settings.SUNO_API_FORMAT = "task"
    settings.SKETCH_ENABLED = True
    settings.ENGINE_MAX_SECONDS = 16.0  # past the intro: words are sung (and timed)
    settings.SKETCH_GATEWAY_URL, settings.SKETCH_GATEWAY_KEY = "http://testserver", settings.ENGINE_API_KEY
    router = Router()
    gateway_client.transport_override = router
    yield router
    gateway_client.transport_override = None


def settle(task: GenerationTask, cycles: int = 6) -> GenerationTask:
    for _ in range(cycles):
        polling.work_resume_due()
        GenerationTask.objects.filter(pk=task.pk, status__in=GenerationTask.PENDING).update(
            next_poll_at="2000-01-01T00:00:00Z"
        )
        polling.tasks_poll_due()
        task.refresh_from_db()
        if not task.is_pending:
            break
    return task


def test_it_sings_a_sketch_for_free_without_a_word_to_the_real_gateway(project, owner, beside_a_gateway):
    task = settle(requests.sketch_request(project=project, user=owner, **SONG))
    assert task.status == "succeeded", task.fail_reason
    assert task.sketch and task.cost == 0 and credits_used_today(team=project.team) == 0
    clips = list(task.clips.order_by("id"))
    assert len(clips) == 2
    for clip in clips:
        assert clip.media_state == "stored" and clip.audio_file, clip.media_error
        assert ClipTiming.objects.get(clip=clip).words  # karaoke, from the engine
    assert beside_a_gateway.to_gateway == []


def test_a_song_in_the_same_studio_still_goes_to_the_real_gateway(project, owner, beside_a_gateway):
    task = requests.music_request(project=project, user=owner, **SONG)
    task.refresh_from_db()
    assert beside_a_gateway.to_gateway and all(GATEWAY in sent for sent in beside_a_gateway.to_gateway)
    assert not task.sketch and task.cost == 10


def test_it_drops_the_real_gateways_persona_from_a_sketch(project, owner, beside_a_gateway):
    extras = {
        "task": "artist_consistency",
        "persona_id": "p-1",
        "artist_clip_id": "c-1",
        "mv": "chirp-v4-tau",
    }
    task = requests.sketch_request(
        project=project, user=owner, **SONG, extras={**extras, "vocal_gender": "f"}
    )
    payload = task.request_payload
    assert payload["mv"] == "chirp-v4" and payload["vocal_gender"] == "f"
    assert not {"task", "persona_id", "artist_clip_id"} & set(payload)


def test_a_person_waits_for_two_sketches_before_asking_for_a_third(
    project, owner, beside_a_gateway, settings
):
    settings.SKETCH_GATEWAY_URL = "http://engine-down.test"  # nothing answers: they stay in progress
    for _ in range(requests.SKETCHES_PENDING_MAX):
        requests.sketch_request(project=project, user=owner, **SONG)
    with pytest.raises(requests.SketchRefused, match="Wait for your sketches"):
        requests.sketch_request(project=project, user=owner, **SONG)
    assert beside_a_gateway.to_gateway == []


def test_the_sketch_button_and_card_in_the_project_page(project, owner, owner_client, beside_a_gateway):
    page = reverse("songs:project_detail", args=[project.pk])
    assert "data-sketch" in owner_client.get(page).content.decode()
    data = {**SONG, "sketch": "1", "variations": "3"}
    html = owner_client.post(reverse("songs:song_create", args=[project.pk]), data, HTTP_HX_REQUEST="true")
    html = html.content.decode()
    task = GenerationTask.objects.get()  # one sketch, whatever the variations said
    assert task.sketch and "Local sketch" in html and "not the gateway’s song" in html
    settle(task)
    html = owner_client.get(page).content.decode()
    assert "Local sketch" in html and "Continue from here" not in html and "Split stems" not in html
    assert beside_a_gateway.to_gateway == []


@pytest.mark.parametrize("change", [{"SKETCH_ENABLED": False}, {"SKETCH_GATEWAY_URL": GATEWAY}])
def test_no_sketch_when_turned_off_or_when_the_engine_is_the_gateway(
    project, owner, owner_client, beside_a_gateway, settings, change
):
    for name, value in change.items():
        setattr(settings, name, value)
    assert (
        "data-sketch"
        not in owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    )
    with pytest.raises(requests.SketchRefused):
        requests.sketch_request(project=project, user=owner, **SONG)
    data = {**SONG, "sketch": "1"}
    owner_client.post(reverse("songs:song_create", args=[project.pk]), data, HTTP_HX_REQUEST="true")
    assert not GenerationTask.objects.filter(sketch=True).exists()
