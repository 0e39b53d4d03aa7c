"""The whole studio in a real browser: live server, built-in engine over HTTP, the real poller loop."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in, poller_running

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LYRICS = """[Verse]
Walking down the streets
Beneath the city lights
Neon signs flickering
Lighting up the night

[Chorus]
City lights, city lights
Carry me home tonight"""


@pytest.fixture
def studio(live_server, settings):
    """The live server is both the studio and its gateway; a thread runs the real poller loop."""
    settings.SUNO_GATEWAY_URL = live_server.url
    with poller_running():
        yield live_server


def test_a_songwriter_makes_a_custom_song_and_hears_two_clips(studio, page: Page, owner, artifacts_dir):
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.get_by_label("Name").fill("Night Drive")
    page.get_by_role("button", name="New project").click()
    expect(page.get_by_role("heading", name="Night Drive")).to_be_visible()
    page.screenshot(path=os.path.join(artifacts_dir, "project-empty.png"), full_page=True)

    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill(LYRICS)
    page.get_by_label("Style of music").fill("emotional punk")
    page.get_by_label("Title", exact=True).fill("City Lights")
    page.get_by_label("Model").select_option("chirp-v3-5")
    expect(page.locator("[data-counter-for=id_lyrics]")).to_have_text(f"{len(LYRICS)} / 3000")
    page.get_by_role("button", name="Create").click()

    card = page.locator("article.card").first
    expect(card).to_contain_text("City Lights")  # the request renders inline in tests
    players = card.locator("audio")
    expect(players).to_have_count(2)
    expect(card.locator(".chip.good")).to_have_text("Done")
    expect(card.locator("audio[src^='/clips/']")).to_have_count(2)  # our stored copies
    page.screenshot(path=os.path.join(artifacts_dir, "project-two-clips.png"), full_page=True)

    for index in range(2):
        src = players.nth(index).get_attribute("src")
        response = page.request.get(f"{studio.url}{src}")
        assert response.status == 200 and response.headers["content-type"] == "audio/mpeg"
        assert len(response.body()) > 10_000
        duration = players.nth(index).evaluate(
            "a => new Promise(r => a.readyState >= 1 ? r(a.duration) : a.addEventListener('loadedmetadata', "
            "() => r(a.duration)))"
        )
        assert duration > 1

    # The polling stopped by itself once nothing was pending.
    expect(page.locator("#poller[hx-trigger]")).to_have_count(0)


def test_a_bad_form_keeps_the_text_and_says_what_is_wrong(studio, page: Page, owner, project, artifacts_dir):
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill("[Verse]\nOnly words, no style")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#id_tags_error")).to_contain_text("Give a style")
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value("[Verse]\nOnly words, no style")
    page.screenshot(path=os.path.join(artifacts_dir, "create-form-error.png"), full_page=True)


def make_song(page: Page, base: str, title: str = "City Lights") -> None:
    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill(LYRICS)
    page.get_by_label("Style of music").fill("emotional punk")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Create").click()


def test_a_songwriter_continues_from_the_players_position_and_gets_the_whole_song(
    studio, page: Page, owner, project, artifacts_dir
):
    from songs.models import Clip

    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    make_song(page, studio.url)
    first_card = page.locator("article.card").first
    expect(first_card.locator("audio[src^='/clips/']")).to_have_count(2)

    # Move the first player to 0:02, as a listener would, and continue from there.
    player = first_card.locator("audio").first
    player.evaluate(
        "a => new Promise(r => { a.addEventListener('seeked', r, {once: true}); a.currentTime = 2.0; })"
    )
    expect(first_card.locator("input.at").first).to_have_value("0:02")
    first_card.get_by_role("button", name="Continue from here").first.click()
    expect(page.locator(".continuing")).to_contain_text("Continuing “City Lights”")
    expect(page.get_by_label("Continue from (m:ss)")).to_have_value("0:02")
    page.get_by_label("Lyrics", exact=True).fill("[Verse]\nStill walking on\nInto the dawn")
    page.get_by_role("button", name="Continue", exact=True).click()

    continuation = page.locator("article.card").first
    expect(continuation).to_contain_text("Continued from “City Lights” at 0:02")
    expect(continuation.locator("audio[src^='/clips/']")).to_have_count(2)
    page.screenshot(path=os.path.join(artifacts_dir, "continued.png"), full_page=True)

    continuation.get_by_role("button", name="Get whole song").first.click()
    whole = page.locator("article.card").first
    expect(whole).to_contain_text("Whole song: City Lights")
    expect(whole.locator("audio[src^='/clips/']")).to_have_count(1)
    page.screenshot(path=os.path.join(artifacts_dir, "whole-song.png"), full_page=True)

    joined = Clip.objects.get(clip_type="concat")
    part = joined.parent
    assert part.continue_at == pytest.approx(2.0, abs=0.05)
    assert joined.duration == pytest.approx(2.0 + part.duration, abs=0.1)  # the kept 2 s + the new part
    heard = whole.locator("audio").first.evaluate(
        "a => new Promise(r => a.readyState >= 1 ? r(a.duration) : a.addEventListener('loadedmetadata', "
        "() => r(a.duration)))"
    )
    assert heard == pytest.approx(joined.duration, abs=0.15)


def test_a_songwriter_uploads_a_sketch_and_continues_it(
    studio, page: Page, owner, project, artifacts_dir, tmp_path, settings
):
    from songs.models import GenerationTask

    settings.SUNO_DEFAULT_MODEL = "chirp-v3-5"  # a model with an -upload variant
    from tests.factories import wav_bytes

    sketch = tmp_path / "Humming Sketch.wav"
    sketch.write_bytes(wav_bytes(seconds=6.0))
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    page.get_by_label("Audio file (MP3 or WAV)").set_input_files(str(sketch))
    page.get_by_role("button", name="Upload").click()

    card = page.locator("article.card").first
    expect(card).to_contain_text("Upload: Humming Sketch")
    expect(card.locator("audio[src^='/clips/']")).to_have_count(1)
    expect(card).to_contain_text("Uploaded by you")

    card.locator("input.at").fill("0:03")
    card.get_by_role("button", name="Continue from here").click()
    expect(page.locator(".continuing")).to_contain_text("Continuing “Humming Sketch”")
    page.get_by_label("Style of music").fill("lofi chill piano")
    page.get_by_label("Lyrics", exact=True).fill("[Verse]\nHumming on and on")
    page.get_by_role("button", name="Continue", exact=True).click()

    continuation = page.locator("article.card").first
    expect(continuation).to_contain_text("Continued from “Humming Sketch” at 0:03")
    expect(continuation.locator("audio[src^='/clips/']")).to_have_count(2)
    page.screenshot(path=os.path.join(artifacts_dir, "upload-continued.png"), full_page=True)
    assert GenerationTask.objects.get(mode="continue").request_payload["mv"] == "chirp-v3-5-upload"
