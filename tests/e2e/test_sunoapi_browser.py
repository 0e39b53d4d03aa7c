"""The studio in front of sunoapi.org / kie.ai (tests/standins/sunoapi.py, in front of the engine), in a real
browser: Custom, Continue, stems and a cover with callbacks on (no poller at all: the gateway's signed
callbacks wake each request), Inspiration with callbacks off (the poller), and a failure's plain reason in
English and Chinese, on a desktop and a phone."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from songs.models import GenerationTask
from tests.e2e.conftest import log_in, poller_running
from tests.e2e.test_browser import LYRICS
from tests.standins.sunoapi import calling_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def custom_song(page: Page, title: str = "City Lights") -> None:
    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill(LYRICS)
    page.get_by_label("Style of music").fill("emotional punk")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Model").select_option("chirp-auk")
    page.get_by_role("button", name="Create").click()


def test_with_callbacks_a_songwriter_makes_continues_splits_and_covers_without_any_poll(
    callbacks_on, page: Page, owner, project, artifacts_dir, live_server
):
    with calling_back(callbacks_on):
        log_in(page, live_server.url, "alice", "correct-horse-battery")
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        expect(page.get_by_role("button", name="Get whole song")).to_have_count(0)  # the family has no concat
        custom_song(page)
        first = page.locator("article.card").first
        expect(first.locator("audio[src^='/clips/']")).to_have_count(2, timeout=60_000)

        player = first.locator("audio").first  # continue from 0:02, where the listener stopped
        player.evaluate(
            "a => new Promise(r => { a.addEventListener('seeked', r, {once: true}); a.currentTime = 2.0; })"
        )
        expect(first.locator("input.at").first).to_have_value("0:02")
        first.get_by_role("button", name="Continue from here").first.click()
        expect(page.get_by_label("Continue from (m:ss)")).to_have_value("0:02")
        page.get_by_label("Lyrics", exact=True).fill("[Verse]\nStill walking on\nInto the dawn")
        page.get_by_role("button", name="Continue", exact=True).click()
        continued = page.locator("article.card").first
        expect(continued).to_contain_text("Continued from “City Lights”", timeout=60_000)
        expect(continued.locator("audio[src^='/clips/']")).to_have_count(2, timeout=60_000)

        source_pk = GenerationTask.objects.filter(mode="custom").get().clips.order_by("id").first().pk
        source = page.locator(f"#clip-{source_pk}")
        source.get_by_role("button", name="Split stems").click()
        stems = source.locator("[data-stems] audio[data-stem][src^='/clips/']")
        expect(stems).to_have_count(2, timeout=60_000)

        source.get_by_text("Cover in another style").click()
        source.get_by_label("Style for the cover").fill("acoustic folk")
        source.get_by_role("button", name="Make the cover").click()
        cover = page.locator("article.card").first
        expect(cover).to_contain_text("Cover of “City Lights”", timeout=60_000)
        expect(cover.locator("audio[src^='/clips/']")).to_have_count(2, timeout=60_000)
        page.screenshot(path=os.path.join(artifacts_dir, "sunoapi-callbacks.png"), full_page=True)

    paths = [path for path, _body in callbacks_on.sent]
    assert paths == [
        "/api/v1/generate",
        "/api/v1/generate/extend",
        "/api/v1/vocal-removal/generate",
        "/api/v1/generate/upload-cover",
    ]
    assert all(
        body["callBackUrl"].startswith(f"{live_server.url}/hooks/gateway/") for _p, body in callbacks_on.sent
    )
    assert {c["status"] for c in callbacks_on.callbacks} == {200}  # every callback taken


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 390)])
def test_without_callbacks_inspiration_is_polled_and_a_refused_song_says_why(
    behind_sunoapi, page: Page, owner, project, artifacts_dir, live_server, language, width
):
    page.set_viewport_size({"width": width, "height": 900})
    with poller_running():
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill("alice")
        page.locator("input[name=password]").fill("correct-horse-battery")
        page.locator("form button.primary[type=submit]").click()
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        page.locator("label.mode").nth(0).click()  # Inspiration (灵感)
        page.locator("textarea[name=description]").fill("乡愁, a quiet folk song about home")
        page.locator("#create-panel button[type=submit]").first.click()
        card = page.locator("article.card").first
        expect(card.locator("audio[src^='/clips/']")).to_have_count(2, timeout=60_000)

        behind_sunoapi.fail_next = "SENSITIVE_WORD_ERROR"
        page.locator("label.mode").nth(0).click()
        page.locator("textarea[name=description]").fill("a song the gateway refuses")
        page.locator("#create-panel button[type=submit]").first.click()
        refused = page.locator("article.card").first
        words = "网关认为歌词" if language != "en" else "The gateway refused the lyrics, style or title"
        expect(refused).to_contain_text(words, timeout=60_000)
        page.screenshot(
            path=os.path.join(artifacts_dir, f"sunoapi-refused-{language}-{width}.png"), full_page=True
        )

    assert behind_sunoapi.callbacks == []
    assert all(body["callBackUrl"] == "https://callback.invalid/" for _path, body in behind_sunoapi.sent)


def test_a_songwriter_adds_vocals_and_an_instrumental_to_their_own_upload(
    callbacks_on, page: Page, owner, project, artifacts_dir, live_server, tmp_path
):
    from tests.factories import wav_bytes

    sketch = tmp_path / "Humming Sketch.wav"
    sketch.write_bytes(wav_bytes(seconds=6.0))
    with calling_back(callbacks_on):
        log_in(page, live_server.url, "alice", "correct-horse-battery")
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        page.get_by_label("Audio file (MP3 or WAV)").set_input_files(str(sketch))
        page.get_by_role("button", name="Upload").click()
        upload = page.locator("article.card").first
        expect(upload).to_contain_text("Upload: Humming Sketch", timeout=30_000)
        expect(upload.locator("audio[src^='/clips/']")).to_have_count(1, timeout=30_000)

        for part, lineage in (("Vocals", "Vocals added to"), ("An instrumental", "An instrumental for")):
            box = upload.locator("details.extra-form", has_text="Add vocals or an instrumental")
            if not box.evaluate("d => d.open"):  # after the first, the box stays open for another
                box.locator("summary").click()
            box.get_by_label(part, exact=True).check()
            box.get_by_label("Style", exact=True).fill("soft pop")
            if part == "Vocals":
                box.get_by_label("Lyrics to sing").fill("[Verse]\nHumming on and on")
            box.get_by_role("button", name="Make it").click()
            made = page.locator("article.card").first
            expect(made).to_contain_text(f"{lineage} “Humming Sketch”", timeout=60_000)
            expect(made.locator("audio[src^='/clips/']")).to_have_count(2, timeout=60_000)
            upload = page.locator("article.card", has_text="Upload: Humming Sketch")
        page.screenshot(path=os.path.join(artifacts_dir, "sunoapi-add-parts.png"), full_page=True)

    paths = [path for path, _body in callbacks_on.sent]
    assert paths == ["/api/v1/generate/add-vocals", "/api/v1/generate/add-instrumental"]
    assert all(body["uploadUrl"].startswith(f"{live_server.url}/u/") for _p, body in callbacks_on.sent)
