"""The studio in front of a stock new-api relay whose Suno channel is the built-in engine, all over real HTTP.

The chain the seed documents describe ("设置 渠道->添加渠道"): studio -> new-api (tests/standins/newapi.py,
written from its observed behaviour) -> engine. The relay has MUSIC and LYRICS only: whole songs and
uploads are refused once, learnt, hidden, and their credits given back.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from songs import selectors
from songs.gateway import client as gateway_client
from songs.models import GatewayFeature, GenerationTask, LyricDraft
from songs.services import features, polling, requests, uploads
from tests.conftest import RELAY_KEY
from tests.e2e.conftest import log_in, poller_running
from tests.e2e.test_flow import LYRICS, request_song
from tests.factories import wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def behind_newapi(newapi, settings, live_server):
    """The studio's gateway is the relay; the relay's upstream is the engine on the live server."""
    # Only what the studio talks to changes: the engine in this same process stays mounted as the
    # relay's channel (in production it would be a studio of its own with no SUNO_BASE_URL).
    settings.SUNO_GATEWAY_URL, settings.SUNO_GATEWAY_KEY = newapi.url, RELAY_KEY
    settings.SUNO_API_FORMAT = "task"  # the default with SUNO_BASE_URL: what a relay carries
    settings.PUBLIC_BASE_URL = live_server.url  # where a gateway would fetch an upload from
    settings.SUNO_MEDIA_ORIGINS = [live_server.url]  # the relay's upstream (the engine) serves the media
    gateway_client.transport_override = None  # real sockets all the way
    return newapi


def settle(task: GenerationTask, relay_clock, rounds: int = 6) -> GenerationTask:
    """Poll as the poller would, letting the relay's 15 s refresh come round between polls."""
    for _ in range(rounds):
        relay_clock.now += 15
        GenerationTask.objects.filter(pk=task.pk, status__in=GenerationTask.PENDING).update(
            next_poll_at="2000-01-01T00:00:00Z"
        )
        polling.poll_cycle()
        task.refresh_from_db()
        if not task.is_pending:
            break
    return task


def test_a_song_and_its_continuation_are_made_through_the_relay(project, owner, behind_newapi, relay_clock):
    task = request_song(project, owner)
    task.refresh_from_db()
    assert task.upstream_id.startswith("task_") and len(task.upstream_id) == 37  # the relay's own id
    assert behind_newapi.sent[-1][0] == "/suno/submit/MUSIC"

    task = settle(task, relay_clock)
    assert task.status == "succeeded", task.fail_reason
    first = task.clips.order_by("id").first()
    assert task.clips.count() == 2 and first.media_state == "stored", first.media_error

    continuation = request_song(
        project, owner, parent_clip=first, continue_at=2.5, lyrics="[Verse]\nOn and on"
    )
    continuation.refresh_from_db()
    assert continuation.request_payload["task_id"] == task.upstream_id  # the relay's id, forwarded
    continuation = settle(continuation, relay_clock)
    assert continuation.status == "succeeded", continuation.fail_reason
    part = continuation.clips.first()
    assert part.parent == first and part.continue_at == pytest.approx(2.5) and part.media_state == "stored"


def test_lyrics_are_written_through_the_relay(project, owner, behind_newapi, relay_clock):
    task = requests.lyrics_request(project=project, user=owner, prompt="乡愁")
    task = settle(task, relay_clock)
    assert task.status == "succeeded", task.fail_reason
    draft = LyricDraft.objects.get(task=task)
    assert "[Verse" in draft.text and draft.title


def test_a_whole_song_is_refused_once_then_hidden_with_the_credits_back(
    project, owner, behind_newapi, relay_clock
):
    song = settle(request_song(project, owner), relay_clock)
    used_by_songs = selectors.credits_used_today(team=project.team)
    assert selectors.gateway_capabilities().concat is True

    whole = requests.concat_request(clip=song.clips.first(), user=owner)
    whole.refresh_from_db()

    assert (whole.status, whole.reason_code) == ("failed", "not_supported")
    assert whole.attempts == 1  # one answer was enough: not retried
    assert selectors.credits_used_today(team=project.team) == used_by_songs  # its 200 credits back
    assert selectors.gateway_capabilities().concat is False
    assert GatewayFeature.objects.get(name="concat").missing_since is not None
    with pytest.raises(features.FeatureMissing):
        requests.concat_request(clip=song.clips.first(), user=owner)


def test_an_upload_is_refused_once_then_hidden(project, owner, behind_newapi, tmp_path):
    sketch = tmp_path / "sketch.wav"
    sketch.write_bytes(wav_bytes(seconds=3.0))
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("sketch.wav", sketch.read_bytes(), content_type="audio/wav")
    task = uploads.upload_create(project=project, user=owner, file=file)
    task.refresh_from_db()

    assert (task.status, task.reason_code) == ("failed", "not_supported")
    assert "not sent again" not in task.fail_reason  # nothing was accepted: not an unknown outcome
    assert selectors.credits_used_today(team=project.team) == 0
    assert selectors.gateway_capabilities().upload is False


@pytest.mark.browser
def test_a_songwriter_makes_a_song_a_continuation_and_lyrics_through_new_api(
    live_server, settings, page: Page, owner, project, artifacts_dir
):
    from tests.conftest import NewApiStandIn, serving

    relay = NewApiStandIn(
        upstream_url=live_server.url, upstream_key=settings.ENGINE_API_KEY, key=RELAY_KEY, refresh_every=1.0
    )
    with serving(relay) as url, poller_running():
        settings.SUNO_GATEWAY_URL, settings.SUNO_GATEWAY_KEY = url, RELAY_KEY
        settings.SUNO_API_FORMAT = "task"
        settings.SUNO_MEDIA_ORIGINS = [live_server.url]
        log_in(page, live_server.url, "alice", "correct-horse-battery")
        page.goto(f"{live_server.url}/projects/{project.pk}/")

        page.get_by_text("Custom", exact=True).click()
        page.get_by_label("Lyrics", exact=True).fill(LYRICS)
        page.get_by_label("Style of music").fill("emotional punk")
        page.get_by_label("Title", exact=True).fill("City Lights")
        page.get_by_role("button", name="Create").click()
        card = page.locator("article.card").first
        expect(card.locator("audio[src^='/clips/']")).to_have_count(2, timeout=90_000)

        card.locator("input.at").first.fill("0:02")
        card.get_by_role("button", name="Continue from here").first.click()
        expect(page.locator(".continuing")).to_contain_text("Continuing “City Lights”")
        page.get_by_label("Lyrics", exact=True).fill("[Verse]\nStill walking on")
        page.get_by_role("button", name="Continue", exact=True).click()
        continuation = page.locator("article.card").first
        expect(continuation).to_contain_text("Continued from “City Lights” at 0:02", timeout=90_000)
        expect(continuation.locator("audio[src^='/clips/']")).to_have_count(2, timeout=90_000)
        # Whole song: offered until the relay says it has no channel for it, then gone.
        continuation.get_by_role("button", name="Get whole song").first.click()
        whole = page.locator("article.card").first
        expect(whole).to_contain_text("does not offer whole songs")
        page.reload()
        expect(page.get_by_role("button", name="Get whole song")).to_have_count(0)

        page.get_by_label("Write lyrics about").fill("乡愁")
        page.get_by_role("button", name="Write lyrics").click()
        expect(page.locator("#lyrics-list")).to_contain_text("Use these lyrics", timeout=90_000)
        page.screenshot(path=os.path.join(artifacts_dir, "through-new-api.png"), full_page=True)
    assert [path for path, _body in relay.sent].count("/suno/submit/MUSIC") == 2
