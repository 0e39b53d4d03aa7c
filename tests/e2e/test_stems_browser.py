"""The stems mixer in a real browser: live server, built-in engine over HTTP (v2 format), the real poller."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from songs.models import GenerationTask
from tests.e2e.conftest import log_in, poller_running
from tests.e2e.test_flow import request_song
from tests.waiting import until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def studio(live_server, settings):
    settings.SUNO_GATEWAY_URL = live_server.url
    settings.SUNO_API_FORMAT = "v2"  # the format that carries task: gen_stem
    settings.ENGINE_MAX_SECONDS = 12.0
    with poller_running():
        yield live_server


def finished(task: GenerationTask) -> GenerationTask:
    def settled() -> bool:
        task.refresh_from_db()
        return not task.is_pending and not task.clips.filter(media_state="pending").exists()

    until(settled, what=f"task {task.pk} finishing with its copies stored")
    return task


def test_a_songwriter_splits_stems_mutes_the_vocals_and_boosts_a_style(
    studio, page: Page, owner, project, artifacts_dir
):
    task = finished(request_song(project, owner, mv="chirp-auk"))
    assert task.status == "succeeded", task.fail_reason
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    source = page.locator(f"#clip-{task.clips.order_by('id').first().pk}")
    source.get_by_role("button", name="Split stems").click()

    panel = source.locator("[data-stems]")
    expect(panel).to_contain_text("Splitting into vocals and instrumental")
    stems = panel.locator("audio[data-stem][src^='/clips/']")  # our stored copies
    expect(stems).to_have_count(2)
    expect(page.locator("article.card")).to_have_count(1)  # the stems are not a card of their own

    panel.get_by_role("button", name="Play stems").click()
    vocals = panel.locator("[data-stem-row=vocals]")
    vocals.get_by_role("button", name="Mute").click()
    expect(vocals.get_by_role("button", name="Mute")).to_have_attribute("aria-pressed", "true")
    state = panel.evaluate(
        """panel => Array.from(panel.querySelectorAll("audio[data-stem]")).map(a => (
             {part: a.dataset.stem, muted: a.muted, paused: a.paused, time: a.currentTime}))"""
    )
    by_part = {s["part"]: s for s in state}
    assert by_part["vocals"]["muted"] is True and by_part["instrumental"]["muted"] is False
    assert not by_part["vocals"]["paused"] and not by_part["instrumental"]["paused"]
    assert abs(by_part["vocals"]["time"] - by_part["instrumental"]["time"]) < 0.15  # in sync

    # unmute the vocals and solo the instrumental: now only the instrumental is heard
    vocals.get_by_role("button", name="Mute").click()
    panel.locator("[data-stem-row=instrumental]").get_by_role("button", name="Solo").click()
    muted = panel.evaluate(
        """p => Object.fromEntries(
             Array.from(p.querySelectorAll("audio[data-stem]")).map(a => [a.dataset.stem, a.muted]))"""
    )
    assert muted == {"vocals": True, "instrumental": False}
    page.screenshot(path=os.path.join(artifacts_dir, "stems-panel.png"), full_page=True)

    # the Create form: Boost fills the style (a worker asks the gateway, the button area polls), Undo
    # restores it; the finer controls show only for the newest models
    page.get_by_text("Custom", exact=True).click()
    style = page.get_by_label("Style of music")
    style.fill("student")
    page.get_by_role("button", name="Boost").click()
    expect(style).not_to_have_value("student")
    assert len(style.input_value()) > 40
    page.screenshot(path=os.path.join(artifacts_dir, "style-boosted.png"), full_page=True)
    page.get_by_role("button", name="Undo").click()
    expect(style).to_have_value("student")
    expect(page.get_by_text("Style boosted.")).to_be_hidden()  # it no longer is
    expect(page.get_by_text("Style restored.")).to_be_visible()
    page.get_by_role("button", name="Boost").click()  # and it can be boosted again
    expect(style).not_to_have_value("student")
    page.get_by_role("button", name="Undo").click()
    expect(style).to_have_value("student")
    expect(page.locator("[data-fine-control]")).to_be_visible()  # the default model is the newest
    page.get_by_label("Model").select_option("chirp-v4")
    expect(page.locator("[data-fine-control]")).to_be_hidden()
