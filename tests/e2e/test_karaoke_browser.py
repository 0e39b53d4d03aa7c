"""Karaoke and the waveform in a real browser, against the built-in engine over HTTP and the real poller:
the highlight follows the song, a line click seeks, the arrow keys move the slider, and a range dragged
on the waveform fills in Replace section."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from songs.forms import parse_timestamp
from tests.e2e.conftest import log_in, poller_running
from tests.e2e.test_browser import make_song

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CURRENT = ".karaoke-seek.is-current"


@pytest.fixture
def studio(live_server, settings):
    settings.SUNO_GATEWAY_URL = live_server.url
    settings.SUNO_API_FORMAT = "v2"  # the format with Replace section
    settings.ENGINE_MAX_SECONDS = 14.0  # long enough for the lyric lines to take turns
    with poller_running():
        yield live_server


def test_karaoke_follows_the_song_and_the_waveform_picks_times(
    studio, page: Page, owner, project, artifacts_dir
):
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    make_song(page, studio.url)
    card = page.locator("article.card").first
    expect(card.locator("audio[src^='/clips/']")).to_have_count(2)
    expect(card.locator("[data-waveform] svg")).to_have_count(2)
    expect(card.locator("details.karaoke")).to_have_count(2)  # the timed words arrived
    # The videos come last; once they are in, nothing redraws the card while the test plays it.
    expect(card.locator("details.video")).to_have_count(2)

    clip = card.locator("li.clip").first
    player, wave = clip.locator("audio"), clip.get_by_role("slider")

    # Playing opens the lyrics beside the clip, and the highlight moves through them as it is sung.
    player.evaluate("a => { a.currentTime = 0; return a.play(); }")
    lines = clip.locator(".karaoke-seek")
    expect(lines.first).to_be_visible()
    expect(clip.locator(CURRENT)).to_have_count(1)
    first_line = clip.locator(CURRENT).inner_text()
    expect(clip.locator(CURRENT)).not_to_have_text(first_line)  # the next line's turn
    assert clip.locator(f"{CURRENT} .is-sung").count() >= 1  # and its words as they are sung
    page.screenshot(path=os.path.join(artifacts_dir, "karaoke-playing.png"), full_page=True)
    played_to = float(wave.get_attribute("aria-valuenow"))
    assert played_to >= 1  # the slider followed the player

    # A click on the last line plays from there.
    last = lines.last
    last.click()
    at = float(last.get_attribute("data-seek"))
    expect(last).to_have_class("karaoke-seek is-current")
    assert player.evaluate("a => a.currentTime") >= at - 0.05

    # The keyboard: Home, then the right arrow moves the slider 5 s, said as "0:05 of 0:14".
    player.evaluate("a => a.pause()")
    wave.focus()
    page.keyboard.press("Home")
    expect(wave).to_have_attribute("aria-valuenow", "0")
    page.keyboard.press("ArrowRight")
    expect(wave).to_have_attribute("aria-valuenow", "5")
    total = player.evaluate("a => a.duration")
    expect(wave).to_have_attribute("aria-valuetext", f"0:05 of 0:{int(total):02d}")
    assert player.evaluate("a => a.currentTime") == pytest.approx(5.0, abs=0.05)
    expect(clip.locator("input.at")).to_have_value("0:05")  # "Continue from here" takes the time

    # A range dragged on the waveform fills in Replace section.
    box = wave.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.7, y, steps=5)
    page.mouse.up()
    expect(page.locator(".continuing")).to_contain_text("Replacing a section of “City Lights”")
    start = parse_timestamp(page.get_by_label("Replace from (m:ss)").input_value())
    end = parse_timestamp(page.get_by_label("Replace until (m:ss)").input_value())
    assert start == pytest.approx(total * 0.2, abs=0.25) and end == pytest.approx(total * 0.7, abs=0.25)
    # The lyrics box holds the lines sung in that range, not the whole song's (nor the last form's).
    section = page.get_by_label("Lyrics", exact=True).input_value().splitlines()
    sung = [line for line in section if not line.startswith("[")]
    assert 0 < len(sung) < lines.count()
    page.screenshot(path=os.path.join(artifacts_dir, "waveform-replace-range.png"), full_page=True)

    # One step: the card gives the whole song back with that part replaced, as Suno's does.
    page.locator("#create-panel").get_by_role("button", name="Replace section", exact=True).click()
    replaced = page.locator("article.card").first
    expect(replaced).to_contain_text("Whole song with")
    expect(replaced.locator("audio[src^='/clips/']")).to_have_count(2)
    assert page.locator("article.card").count() == 2  # the stitches are not cards of their own
    loaded = "a => new Promise(r => a.duration ? r(a.duration) : a.onloadedmetadata = () => r(a.duration))"
    whole = replaced.locator("audio").first.evaluate(loaded)
    assert whole == pytest.approx(total, abs=0.3)  # the whole song, not the section
    expect(replaced.get_by_role("button", name="Continue from here")).to_have_count(2)
    page.screenshot(path=os.path.join(artifacts_dir, "replace-section-whole-song.png"), full_page=True)
