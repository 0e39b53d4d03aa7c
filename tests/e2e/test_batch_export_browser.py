"""Batch variations and the project ZIP in a real browser, against the built-in engine over HTTP (no mocks):
two variations from one click, both finish, then "Download ZIP" on the project page."""

from __future__ import annotations

import io
import os
import wave
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from songs import catalog
from songs.models import Clip, GenerationTask
from tests.e2e.conftest import log_in, poller_running

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EACH = catalog.COSTS["MUSIC"]


@pytest.fixture
def studio(live_server, settings):
    settings.SUNO_GATEWAY_URL = live_server.url
    with poller_running():
        yield live_server


def test_two_variations_finish_and_the_project_exports_as_one_zip(
    studio, page: Page, owner, project, artifacts_dir, tmp_path
):
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill("[Verse]\nTwo takes of the night\n\n[Chorus]\nPick the one")
    page.get_by_label("Style of music").fill("synthwave")
    page.get_by_label("Title", exact=True).fill("Two Takes")
    page.get_by_label("Model").select_option("chirp-v3-5")

    cost = page.locator("[data-cost-text]")
    expect(cost).to_have_text(f"Costs {EACH} credits: 1 × {EACH}, each request its own card.")
    page.locator(".variations").get_by_text("4", exact=True).click()
    expect(cost).to_have_text(f"Costs {4 * EACH} credits: 4 × {EACH}, each request its own card.")
    page.locator(".variations").get_by_text("2", exact=True).click()
    expect(cost).to_have_text(f"Costs {2 * EACH} credits: 2 × {EACH}, each request its own card.")
    page.screenshot(path=os.path.join(artifacts_dir, "batch-variations-cost.png"), full_page=True)
    page.get_by_role("button", name="Create").click()

    cards = page.locator("article.card")
    expect(cards).to_have_count(2)  # one card per request
    for index in range(2):
        expect(cards.nth(index).locator(".chip.good")).to_have_text("Done", timeout=90_000)
        expect(cards.nth(index).locator("audio[src^='/clips/']")).to_have_count(2, timeout=90_000)
    page.screenshot(path=os.path.join(artifacts_dir, "batch-variations-done.png"), full_page=True)
    tasks = list(GenerationTask.objects.filter(project=project))
    assert len(tasks) == 2 and [t.cost for t in tasks] == [EACH, EACH]  # charged once per request
    assert tasks[0].request_key != tasks[1].request_key

    with page.expect_download() as download_info:
        page.locator(".project-actions").get_by_role("link", name="Download ZIP").click()
    download = download_info.value
    assert download.suggested_filename == "Night Drive.zip"
    path = tmp_path / "export.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        folders = sorted({name.split("/")[0] for name in names})
        assert folders == ["Two Takes", "Two Takes (2)", "Two Takes (3)", "Two Takes (4)"]  # 2 tasks x 2
        clips = list(Clip.objects.filter(project=project).order_by("created_at", "id"))
        for folder, clip in zip(folders, clips, strict=True):
            stored = (Path(settings.MEDIA_ROOT) / clip.audio_file.name).read_bytes()
            assert archive.read(f"{folder}/Two Takes.mp3") == stored
            with wave.open(io.BytesIO(archive.read(f"{folder}/Two Takes.wav"))) as wav:
                assert abs(wav.getnframes() / wav.getframerate() - clip.duration) < 0.2
            assert f"{folder}/Two Takes - cover.jpeg" in names
            assert "Two Takes" in archive.read(f"{folder}/Two Takes - metadata.json").decode()
