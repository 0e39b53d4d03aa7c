"""Sketch in the browser: a studio whose gateway is a stock new-api relay (tests/standins/newapi.py) offers a
free sketch from the real built-in engine beside it. The relay never hears of it: no request, no credits."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from songs.gateway import client as gateway_client
from songs.models import GenerationTask
from songs.selectors import credits_used_today
from tests.conftest import RELAY_KEY
from tests.e2e.conftest import log_in, poller_running
from tests.e2e.test_flow import LYRICS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


class Counting:
    """The relay, with every request it receives counted (whatever it does with it)."""

    def __init__(self, app) -> None:
        self.app, self.paths = app, []

    def __call__(self, environ, start_response):
        self.paths.append(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}")
        return self.app(environ, start_response)


def test_a_songwriter_hears_a_free_local_sketch_before_spending_credits(
    live_server, settings, page: Page, browser, owner, project, artifacts_dir
):
    from tests.conftest import NewApiStandIn, serving

    relay = Counting(
        NewApiStandIn(
            upstream_url=live_server.url,
            upstream_key=settings.ENGINE_API_KEY,
            key=RELAY_KEY,
            refresh_every=1.0,
        )
    )
    with serving(relay) as url, poller_running():
        settings.SUNO_GATEWAY_URL, settings.SUNO_GATEWAY_KEY = url, RELAY_KEY
        settings.SUNO_API_FORMAT = "task"
        settings.SKETCH_ENABLED = True
        settings.ENGINE_MAX_SECONDS = 16.0  # past the intro: words are sung, and karaoke shows them
        settings.SKETCH_GATEWAY_URL, settings.SKETCH_GATEWAY_KEY = live_server.url, settings.ENGINE_API_KEY
        gateway_client.transport_override = None  # real sockets all the way
        log_in(page, live_server.url, "alice", "correct-horse-battery")
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        page.get_by_text("Custom", exact=True).click()
        page.get_by_label("Lyrics", exact=True).fill(LYRICS)
        page.get_by_label("Style of music").fill("lofi chill")
        page.get_by_label("Title", exact=True).fill("City Lights")
        page.get_by_role("button", name="Sketch first · 0 credits").click()

        card = page.locator("article.card").first
        expect(card).to_contain_text("Local sketch", timeout=90_000)  # tests submit inline, render included
        expect(card).to_contain_text("not the gateway’s song")
        expect(card.locator("audio[src^='/clips/']")).to_have_count(2, timeout=90_000)
        karaoke = card.locator("details.karaoke").first
        expect(karaoke).to_be_visible(timeout=30_000)
        karaoke.locator("summary").click()
        expect(karaoke).to_contain_text("city lights", ignore_case=True, timeout=30_000)
        card.locator("details.downloads summary").first.click()
        expect(card.get_by_role("link", name="MP3").first).to_be_visible()
        expect(card.get_by_role("button", name="Continue from here")).to_have_count(0)
        page.screenshot(path=os.path.join(artifacts_dir, "sketch-en-desktop.png"), full_page=True)
        for locale, size in (("en-US", "phone"), ("zh-CN", "desktop"), ("zh-CN", "phone")):
            _screenshot(browser, live_server.url, project, locale, size, artifacts_dir)

    task = GenerationTask.objects.get()
    assert task.sketch and task.status == "succeeded" and task.cost == 0
    assert credits_used_today(team=project.team) == 0
    assert relay.paths == []  # not one request reached the real gateway


def _screenshot(browser, base: str, project, locale: str, size: str, artifacts_dir: str) -> None:
    context = browser.new_context(viewport=SIZES[size], locale=locale)
    page = context.new_page()
    try:
        log_in(page, base, "alice", "correct-horse-battery") if locale == "en-US" else _log_in_zh(page, base)
        page.goto(f"{base}/projects/{project.pk}/")
        expect(page.locator("article.card").first.locator("audio")).to_have_count(2)
        button = "Sketch first · 0 credits" if locale == "en-US" else "先听小样 · 0 积分"
        expect(page.get_by_role("button", name=button)).to_be_visible()
        badge = "Local sketch" if locale == "en-US" else "本地小样"
        expect(page.locator("article.card").first).to_contain_text(badge)
        name = f"sketch-{locale[:2]}-{size}.png"
        page.screenshot(path=os.path.join(artifacts_dir, name), full_page=True)
    finally:
        context.close()


def _log_in_zh(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("correct-horse-battery")
    page.get_by_role("button", name="登录").click()
