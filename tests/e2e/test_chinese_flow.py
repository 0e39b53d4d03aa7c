"""The whole studio in Chinese, found by its Chinese labels: a browser whose language is Chinese signs up,
makes a project, creates in 自定义模式 and 灵感模式, 续写s, gets the 完整歌曲, shares it and finds it in the
曲库. Live server, the built-in engine over HTTP and the real poller loop, as in test_browser.py.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import poller_running

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 90_000  # renders are quick in tests, but the machine is shared: be generous
LYRICS = (
    "[Verse]\n小时候\n乡愁是一枚小小的邮票\n我在这头\n母亲在那头\n\n[Chorus]\n长大后\n乡愁是一张窄窄的船票"
)
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_CHROME = ("Log out", "Library", "Projects", "Create", "Lyrics", "Untitled", "Share", "Download")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser set to Simplified Chinese: it sends Accept-Language: zh-CN."""
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture
def studio(live_server, settings):
    settings.SUNO_GATEWAY_URL = live_server.url
    with poller_running():
        yield live_server


def no_english_chrome(page: Page) -> None:
    text = page.locator("body").inner_text()
    leftovers = [word for word in ENGLISH_CHROME if re.search(rf"\b{word}\b", text)]
    assert leftovers == [], leftovers


def shot(page: Page, artifacts_dir: str, name: str) -> None:
    os.makedirs(os.path.join(artifacts_dir, "zh-hans"), exist_ok=True)
    page.screenshot(path=os.path.join(artifacts_dir, "zh-hans", name), full_page=True)


def test_the_whole_flow_in_chinese(studio, page: Page, artifacts_dir):
    from songs.models import Clip, UserLanguage

    page.set_default_timeout(WAIT)
    # Sign up: the browser's language alone makes the page Chinese.
    page.goto(f"{studio.url}/accounts/signup/")
    expect(page.get_by_role("heading", name="创建账号")).to_be_visible()
    page.get_by_label("用户名").fill("xiaoming")
    page.get_by_label("密码", exact=True).fill("correct-horse-battery")
    page.get_by_label("密码确认").fill("correct-horse-battery")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="我的项目")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("欢迎！")

    # The choice is kept on the account once made with the switcher (here: English, then back).
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="我的项目")).to_be_visible()
    assert UserLanguage.objects.get(user__username="xiaoming").language == "zh-hans"

    # A project.
    page.get_by_label("名称").fill("乡愁专辑")
    page.get_by_role("button", name="新建项目").click()
    expect(page.get_by_role("heading", name="乡愁专辑")).to_be_visible()
    no_english_chrome(page)

    # 自定义模式: lyrics, a style and a title, in Chinese.
    page.get_by_text("自定义模式", exact=True).click()
    page.get_by_label("歌词", exact=True).fill(LYRICS)
    page.get_by_label("音乐风格").fill("民谣，钢琴，温柔的女声")
    page.get_by_label("标题", exact=True).fill("乡愁")
    page.get_by_label("模型").select_option("chirp-v3-5")
    page.get_by_role("button", name="创作", exact=True).click()
    custom = page.locator("article.card").first
    expect(custom).to_contain_text("乡愁", timeout=WAIT)
    expect(custom.locator(".chip.good")).to_have_text("完成", timeout=WAIT)
    expect(custom.locator("audio[src^='/clips/']")).to_have_count(2, timeout=WAIT)
    shot(page, artifacts_dir, "flow-custom.png")

    # 灵感模式: a description only; the engine writes a Chinese title, style and lyrics.
    page.get_by_text("灵感模式", exact=True).click()
    page.get_by_label("歌曲描述").fill("乡愁")
    page.get_by_role("button", name="创作", exact=True).click()
    inspired = page.locator("article.card").first
    expect(inspired.get_by_text("灵感模式")).to_be_visible(timeout=WAIT)
    expect(inspired.locator("audio[src^='/clips/']")).to_have_count(2, timeout=WAIT)
    made = Clip.objects.filter(task__mode="inspiration").first()
    assert CJK.search(made.title), made.title  # a Chinese title for a Chinese description
    assert "upbeat" not in made.tags.lower(), made.tags  # 乡愁 is not upbeat pop

    # 续写 the custom song from 0:02.
    custom = page.locator("article.card", has_text="民谣，钢琴").first
    custom.locator("input.at").first.fill("0:02")
    custom.get_by_role("button", name="从这里续写").first.click()
    expect(page.locator(".continuing")).to_contain_text("续写“乡愁”")
    expect(page.get_by_label("续写起点（分:秒）")).to_have_value("0:02")
    page.get_by_label("歌词", exact=True).fill("[Verse]\n不知何时\n乡愁是一湾浅浅的海峡")
    page.get_by_role("button", name="续写", exact=True).click()
    continuation = page.locator("article.card").first
    expect(continuation).to_contain_text("从 “乡愁” 的 0:02 处续写", timeout=WAIT)
    expect(continuation.locator("audio[src^='/clips/']")).to_have_count(2, timeout=WAIT)

    # 拼接完整歌曲 on the continuation.
    continuation.get_by_role("button", name="拼接完整歌曲").first.click()
    whole = page.locator("article.card").first
    expect(whole).to_contain_text("完整歌曲：乡愁", timeout=WAIT)
    expect(whole.locator("audio[src^='/clips/']")).to_have_count(1, timeout=WAIT)
    expect(whole.get_by_text("下载", exact=True)).to_be_visible()
    no_english_chrome(page)
    shot(page, artifacts_dir, "flow-whole-song.png")

    # 分享 the project: its public page (and its preview) stays in Chinese.
    page.get_by_role("button", name="分享项目").click()
    link = page.locator(".project-actions input.share-url")
    expect(link).to_have_value(re.compile(r"/s/"), timeout=WAIT)
    expect(page.locator(".project-actions")).to_contain_text("公开链接")
    public = link.input_value()
    page.goto(public)
    expect(page.get_by_role("heading", name="乡愁专辑")).to_be_visible()
    expect(page.locator("meta[property='og:title']")).to_have_attribute("content", "乡愁专辑")
    expect(page.locator(".share-footer")).to_contain_text("由")
    no_english_chrome(page)
    shot(page, artifacts_dir, "flow-share.png")

    # 曲库: a search for 乡愁 finds the songs.
    page.go_back()
    page.get_by_role("link", name="曲库").first.click()
    expect(page.get_by_role("heading", name="曲库")).to_be_visible()
    page.get_by_label("搜索", exact=True).fill("乡愁")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator(".lib-count")).to_contain_text("首歌曲", timeout=WAIT)
    expect(page.locator(".lib-row").first).to_contain_text("乡愁")
    no_english_chrome(page)
    shot(page, artifacts_dir, "flow-library.png")
