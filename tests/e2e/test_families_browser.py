"""A songwriter in a real browser, with the studio in front of AceDataCloud or a local ACE-Step 1.5 (their
stand-ins, tests/standins/, relaying the built-in engine) and the real poller: Custom, Inspiration,
Continue, stems, cover, and a failure of each kind, as a person sees them."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from songs.gateway import client as gateway_client
from tests.e2e.conftest import log_in, poller_running
from tests.e2e.test_flow import LYRICS
from tests.standins.acedata import AceDataStandIn
from tests.standins.acestep import AceStepStandIn
from tests.standins.families import ACEDATA_KEY, ACESTEP_KEY
from tests.standins.serving import serving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SONG_TIMEOUT = 90_000


def point_at(settings, live_server, url: str, key: str, api_format: str) -> None:
    settings.SUNO_GATEWAY_URL, settings.SUNO_GATEWAY_KEY, settings.SUNO_API_FORMAT = url, key, api_format
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SUNO_MEDIA_ORIGINS = [live_server.url]
    gateway_client.transport_override = None


def create_custom(page: Page, title: str, lyrics: str = LYRICS, style: str = "emotional punk") -> None:
    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill(lyrics)
    page.get_by_label("Style of music").fill(style)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Create").click()


def create_inspiration(page: Page, description: str) -> None:
    page.get_by_text("Inspiration", exact=True).click()
    page.get_by_label("Song description").fill(description)
    page.get_by_role("button", name="Create").click()


def card_titled(page: Page, title: str):
    return page.locator("article.card", has_text=title).first


def continue_first_clip(page: Page, card, at: str, lyrics: str) -> None:
    card.locator("input.at").first.fill(at)
    card.get_by_role("button", name="Continue from here").first.click()
    expect(page.locator(".continuing")).to_contain_text("Continuing")
    page.get_by_label("Lyrics", exact=True).fill(lyrics)
    page.get_by_role("button", name="Continue", exact=True).click()


def cover_first_clip(card, style: str) -> None:
    card.locator("details.extra-form summary", has_text="Cover in another style").first.click()
    card.get_by_label("Style for the cover").first.fill(style)
    card.get_by_role("button", name="Make the cover").first.click()


def test_a_songwriter_works_through_acedatacloud(
    live_server, settings, page: Page, owner, project, artifacts_dir
):
    app = AceDataStandIn(upstream_url=live_server.url, upstream_key=settings.ENGINE_API_KEY, key=ACEDATA_KEY)
    with serving(app) as url, poller_running():
        point_at(settings, live_server, url, ACEDATA_KEY, "acedata")
        log_in(page, live_server.url, "alice", "correct-horse-battery")
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        expect(page.get_by_label("Exclude styles")).to_have_count(1)  # style_negative: offered here

        create_custom(page, "City Lights")
        song = card_titled(page, "City Lights")
        expect(song.locator("audio[src^='/clips/']")).to_have_count(2, timeout=SONG_TIMEOUT)

        create_inspiration(page, "a quiet song about winter")
        expect(card_titled(page, "a quiet song about winter").locator("audio[src^='/clips/']")).to_have_count(
            2, timeout=SONG_TIMEOUT
        )

        continue_first_clip(page, card_titled(page, "City Lights"), "0:02", "[Verse]\nStill walking on")
        continuation = page.locator("article.card").first
        expect(continuation).to_contain_text("Continued from “City Lights” at 0:02", timeout=SONG_TIMEOUT)
        expect(continuation.locator("audio[src^='/clips/']")).to_have_count(2, timeout=SONG_TIMEOUT)
        expect(continuation.get_by_role("button", name="Get whole song").first).to_be_visible()

        source = card_titled(page, "City Lights").locator("[id^=clip-]").last
        source.get_by_role("button", name="Split stems").click()
        stems = source.locator("[data-stems] audio[data-stem][src^='/clips/']")
        expect(stems).to_have_count(2, timeout=SONG_TIMEOUT)

        cover_first_clip(card_titled(page, "City Lights"), "bossa nova")
        covered = page.locator("article.card", has_text="bossa nova").first  # its own card
        expect(covered.locator("audio[src^='/clips/']")).to_have_count(2, timeout=SONG_TIMEOUT)

        # Refused lyrics: the card says why, in plain words, and the credits come back.
        create_custom(page, "Borrowed", lyrics="[Verse]\nSome copyrighted words")
        refused = card_titled(page, "Borrowed")
        expect(refused).to_contain_text("refused the lyrics, style or title", timeout=30_000)
        # A generation that fails upstream: its reason on the card.
        settings.ENGINE_FAIL_RATE = 1.0
        create_custom(page, "Doomed")
        expect(card_titled(page, "Doomed")).to_contain_text("ENGINE_FAIL_RATE", timeout=SONG_TIMEOUT)
        page.screenshot(path=os.path.join(artifacts_dir, "through-acedatacloud.png"), full_page=True)
    actions = [body.get("action") for path, body in app.received if path == "/suno/audios"]
    assert {"generate", "extend", "stems", "cover"} <= set(actions)


def test_a_songwriter_works_on_a_local_ace_step(
    live_server, settings, page: Page, owner, project, artifacts_dir, tmp_path
):
    app = AceStepStandIn(
        upstream_url=live_server.url,
        upstream_key=settings.ENGINE_API_KEY,
        key=ACESTEP_KEY,
        audio_dir=tmp_path / "api_audio",
    )
    with serving(app) as url, poller_running():
        point_at(settings, live_server, url, ACESTEP_KEY, "acestep")
        log_in(page, live_server.url, "alice", "correct-horse-battery")
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        # What ACE-Step has no call for is not offered: a note instead of the lyrics form, no upload.
        expect(page.locator("[data-no-lyrics-call]")).to_be_visible()
        expect(page.get_by_role("button", name="Write lyrics")).to_have_count(0)
        expect(page.get_by_label("Exclude styles")).to_have_count(0)
        expect(page.get_by_label("Model")).to_have_count(0)  # its own model makes every song
        page.get_by_text("Custom", exact=True).click()
        # The counters follow the (hidden) default model's limits, as the server checks them.
        expect(page.locator("[data-counter-for=id_lyrics]")).to_have_text("0 / 5000")

        app.full_answers = 2  # its queue is full for a moment: the song waits, then is made
        create_custom(page, "City Lights")
        song = card_titled(page, "City Lights")
        expect(song).to_contain_text("queue is full", timeout=30_000)
        expect(song.locator("audio[src^='/clips/']")).to_have_count(2, timeout=SONG_TIMEOUT)
        expect(song).not_to_contain_text("Get whole song")

        create_inspiration(page, "a soft Bengali love song")
        expect(card_titled(page, "a soft Bengali love song").locator("audio[src^='/clips/']")).to_have_count(
            2, timeout=SONG_TIMEOUT
        )

        continue_first_clip(page, card_titled(page, "City Lights"), "0:02", "[Verse]\nStill walking on")
        continuation = page.locator("article.card").first
        expect(continuation).to_contain_text("Continued from “City Lights” at 0:02", timeout=SONG_TIMEOUT)
        expect(continuation.locator("audio[src^='/clips/']")).to_have_count(2, timeout=SONG_TIMEOUT)

        source = card_titled(page, "City Lights").locator("[id^=clip-]").last
        source.get_by_role("button", name="Split stems").click()
        expect(source.locator("[data-stems] audio[data-stem][src^='/clips/']")).to_have_count(
            1, timeout=SONG_TIMEOUT
        )
        expect(source.locator("[data-stems]")).to_contain_text("Vocals")

        cover_first_clip(card_titled(page, "City Lights"), "bossa nova")
        covered = page.locator("article.card", has_text="bossa nova").first  # its own card
        expect(covered.locator("audio[src^='/clips/']")).to_have_count(2, timeout=SONG_TIMEOUT)

        settings.ENGINE_FAIL_RATE = 1.0  # the GPU's job fails: its reason on the card
        create_custom(page, "Doomed")
        expect(card_titled(page, "Doomed")).to_contain_text("ENGINE_FAIL_RATE", timeout=SONG_TIMEOUT)
        page.screenshot(path=os.path.join(artifacts_dir, "through-ace-step.png"), full_page=True)
    types = [body.get("task_type") for body in app.received]
    assert {"text2music", "repaint", "extract", "cover"} <= set(types)
