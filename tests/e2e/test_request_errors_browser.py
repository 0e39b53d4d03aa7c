"""Every failed request in the browser says so, in plain words, and keeps what the person typed: a server
error, a refusal, and no answer at all."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from songs.services import requests
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LYRICS = "[Verse]\nA line I will not type twice"


@pytest.fixture
def studio(live_server, settings):
    settings.SUNO_GATEWAY_URL = live_server.url
    return live_server


def fill_song(page: Page) -> None:
    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill(LYRICS)
    page.get_by_label("Style of music").fill("dream pop")
    page.get_by_label("Title", exact=True).fill("Kept")


def test_a_server_error_on_create_says_so_and_keeps_the_lyrics(
    studio, page: Page, owner, project, monkeypatch, artifacts_dir
):
    def broken(**kwargs):
        raise RuntimeError("a bug in the studio")

    monkeypatch.setattr(requests, "music_requests", broken)  # the live server runs in this process
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    fill_song(page)
    page.get_by_role("button", name="Create").click()

    toast = page.locator("#toasts .toast")
    expect(toast).to_contain_text("Something went wrong in the studio and that was not done")
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value(LYRICS)
    expect(page.get_by_label("Title", exact=True)).to_have_value("Kept")
    assert "RuntimeError" not in page.content() and "Traceback" not in page.content()
    page.screenshot(path=os.path.join(artifacts_dir, "request-error-500.png"), full_page=True)


def test_no_answer_at_all_says_so_and_keeps_the_lyrics(studio, page: Page, owner, project, artifacts_dir):
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.goto(f"{studio.url}/projects/{project.pk}/")
    fill_song(page)
    page.route("**/songs/", lambda route: route.abort("connectionrefused"))  # the server is gone
    page.get_by_role("button", name="Create").click()

    expect(page.locator("#toasts .toast")).to_contain_text("The studio did not answer")
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value(LYRICS)
    expect(page.get_by_role("button", name="Create")).to_be_enabled()  # ready for another try
    page.screenshot(path=os.path.join(artifacts_dir, "request-error-no-answer.png"), full_page=True)


def test_a_refusal_says_so_in_chinese_too(studio, page: Page, owner, project, artifacts_dir):
    log_in(page, studio.url, "alice", "correct-horse-battery")
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": studio.url}])
    page.goto(f"{studio.url}/projects/{project.pk}/")
    page.get_by_text("自定义模式", exact=True).click()
    page.get_by_label("歌词", exact=True).fill(LYRICS)
    page.route("**/songs/", lambda route: route.fulfill(status=403, body="Forbidden"))
    page.locator("form button[type=submit]", has_text="创作").first.click()

    expect(page.locator("#toasts .toast")).to_contain_text("操作被拒绝")
    expect(page.get_by_label("歌词", exact=True)).to_have_value(LYRICS)
    page.screenshot(path=os.path.join(artifacts_dir, "request-error-403-zh.png"), full_page=True)
