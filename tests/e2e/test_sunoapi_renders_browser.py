"""In a real browser, in front of the sunoapi stand-in with callbacks on: "Make video" and "Get the gateway's
WAV" on a song's card; each is woken by its callback, and the card plays the video and offers the WAV."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from songs.models import Clip
from tests.e2e.conftest import log_in
from tests.e2e.test_flow import request_song
from tests.standins.sunoapi import calling_back
from tests.waiting import until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_songwriter_makes_a_video_and_gets_the_gateways_wav_from_the_card(
    callbacks_on,
    page: Page,
    owner,
    project,
    live_server,
):
    with calling_back(callbacks_on):
        task = request_song(project, owner, mv="chirp-auk")
        until(
            lambda: Clip.objects.filter(task=task, media_state="stored").count() == 2,
            what="the song's two clips stored",
        )
        clip = task.clips.order_by("id").first()
        log_in(page, live_server.url, "alice", "correct-horse-battery")
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        row = page.locator(f"#clip-{clip.pk}")

        row.get_by_role("button", name="Make video").click()
        expect(row.locator("video[src^='/clips/']")).to_have_count(1, timeout=60_000)
        expect(row.get_by_role("button", name="Make video")).to_have_count(0)

        row.get_by_role("button", name="Get the gateway's WAV").click()
        expect(row.get_by_role("button", name="Get the gateway's WAV")).to_have_count(0, timeout=60_000)
        # Until the card says nothing is on its way (the WAV stored and the card redrawn), then its downloads.
        expect(row.locator("[data-renders] [role=status]")).to_have_count(0, timeout=60_000)
        row.get_by_text("Download", exact=True).click()
        expect(row.get_by_role("link", name="WAV (the gateway’s own)")).to_be_visible(timeout=60_000)

    paths = [path for path, _body in callbacks_on.sent]
    assert paths[-2:] == ["/api/v1/mp4/generate", "/api/v1/wav/generate"]
    assert {c["status"] for c in callbacks_on.callbacks} == {200}
