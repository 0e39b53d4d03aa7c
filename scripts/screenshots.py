"""Screenshots of the studio's pages, for looking at what we build: `make screenshots`.

Starts `runstudio` on a spare port with a throw-away database, drives Debian's Chromium
through a songwriter's session in each language (the browser's language picks it, as for a visitor)
at desktop and phone width, and writes PNGs to test-artifacts/screens/<language>/<width>/.
The session finds buttons and fields by their labels in that language, read from locale/*/django.po.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.livestudio import CHROMIUM, CHROMIUM_ARGS, live_studio  # noqa: E402

OUT = ROOT / "test-artifacts" / "screens"
PORT = int(os.environ.get("SCREENSHOT_PORT", "8766"))
LYRICS = (
    "[Verse]\nWalking down the streets\nBeneath the city lights\nNeon signs flickering\n"
    "Lighting up the night\n\n[Chorus]\nCity lights, city lights\nCarry me home tonight"
)


# How long a page may take to show a state on a busy machine (a bound, not a wait).
WAIT = 300_000
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# Each language: the browser locale that asks for it, and its catalog (None: the English source).
LANGUAGES = {"en": ("en-US", None), "zh-hans": ("zh-CN", "zh_Hans")}
_where = {"folder": OUT}
_words: dict[str, str] = {}


def T(english: str) -> str:
    """A label as the page shows it in the language being shot."""
    return _words.get(english) or english


def load_words(catalog: str | None) -> None:
    _words.clear()
    if catalog:
        with (ROOT / "locale" / catalog / "LC_MESSAGES" / "django.po").open("rb") as f:
            _words.update({m.id: m.string for m in read_po(f) if isinstance(m.id, str) and m.string})


def shoot(page, name: str) -> None:
    path = _where["folder"] / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print("wrote", path)


def session(page, base: str) -> None:
    page.goto(f"{base}/")
    shoot(page, "00-front-page")
    page.goto(f"{base}/accounts/login/")
    shoot(page, "01-login")
    page.get_by_label(T("Username")).fill("alice")
    page.get_by_label(T("Password")).fill("correct-horse-battery")
    page.get_by_role("button", name=T("Log in")).click()
    page.get_by_label(T("Name")).fill("Night Drive")
    page.get_by_role("button", name=T("New project")).click()
    page.get_by_text(T("Custom"), exact=True).click()
    page.get_by_label(T("Lyrics"), exact=True).fill(LYRICS)
    page.get_by_label(T("Style of music")).fill("emotional punk")
    page.get_by_label(T("Title"), exact=True).fill("City Lights")
    page.get_by_role("button", name=T("Create"), exact=True).click()
    page.wait_for_selector("article.card .spinner")
    page.screenshot(path=str(_where["folder"] / "02a-after-create-window.png"))  # what the window shows
    shoot(page, "02-project-pending")
    page.wait_for_selector("article.card audio", timeout=WAIT)
    shoot(page, "03-project-streaming")
    page.wait_for_selector("article.card .chip.good", timeout=WAIT)
    page.wait_for_selector("article.card audio[src^='/clips/']", timeout=WAIT)
    page.get_by_label(T("Write lyrics about")).fill("homesick on a night train")
    page.get_by_role("button", name=T("Write lyrics")).click()
    page.wait_for_selector(".draft-actions", timeout=WAIT)
    shoot(page, "04-project-done")
    page.locator("details.downloads summary").first.click()
    shoot(page, "05-downloads-open")
    page.locator("details.downloads summary").first.click()
    page.get_by_text(T("Cover in another style")).first.click()  # the form comes when the box opens
    page.wait_for_selector("input[id^=cover-tags-]", timeout=WAIT)
    page.locator("details.lib-menu summary").first.click()  # so do the "⋯" menu's items
    page.wait_for_selector("[data-closes-menu]", timeout=WAIT)
    shoot(page, "05b-cover-form-and-menu")
    page.locator("button", has_text=T("Continue from here")).first.click()
    page.wait_for_selector(".continuing")
    shoot(page, "06-continue-form")
    page.goto(page.url.split("?")[0])
    page.locator("input.at").first.fill("0:01")
    page.locator("button", has_text=T("Replace section")).first.click()
    page.wait_for_selector(".continuing")
    shoot(page, "06b-replace-section-form")
    page.locator("#create-panel button[type=submit]").click()
    page.wait_for_selector("article.card:nth-child(2)", timeout=WAIT)  # the Replace section card, on top
    page.wait_for_selector("article.card:first-child .chip.good", timeout=WAIT)  # stitched too
    page.wait_for_selector("article.card:first-child audio[src^='/clips/']", timeout=WAIT)
    shoot(page, "06c-replace-section-whole-song")
    page.goto(page.url.split("?")[0])
    page.locator(".draft-actions a", has_text=T("Edit")).first.click()
    shoot(page, "07-draft-editor")
    page.goto(f"{base}/")
    shoot(page, "08-project-list")
    more_pages(page, base)


def more_pages(page, base: str) -> None:
    """Teams, settings, sharing, the library, trash, accounts and the admin."""
    page.get_by_role("link", name="Night Drive").first.click()
    project_url = page.url
    page.get_by_role("button", name=T("Share")).first.click()
    page.wait_for_selector(".share-box input, .share-box a", timeout=WAIT)
    shoot(page, "09-clip-shared")
    share_url = page.locator(".share-box input").first.input_value()
    page.get_by_role("link", name=T("Project settings")).click()
    shoot(page, "10-project-settings")
    page.goto(f"{base}/teams/")
    page.get_by_label(T("Team name")).fill("The Band")
    page.get_by_role("button", name=T("Create team")).click()
    page.get_by_role("button", name=T("Make invite link")).click()
    shoot(page, "11-team-with-invite")
    invite_url = re.search(r"https?://\S+", page.locator(".messages li").first.inner_text()).group()
    page.goto(invite_url)
    shoot(page, "11b-invite")
    page.goto(f"{base}/projects/999999/")
    shoot(page, "11c-not-found")
    page.goto(f"{base}/library/?q=city")
    shoot(page, "12-library-search")
    page.goto(f"{base}/library/trash/")
    shoot(page, "13-trash")
    page.goto(f"{base}/accounts/password_change/")
    shoot(page, "14-password-change")
    page.goto(f"{base}/admin/songs/generationtask/")
    shoot(page, "15-admin-tasks")
    page.goto(f"{base}/admin/songs/gatewayfeature/")
    shoot(page, "15b-admin-gateway-features")
    page.goto(project_url)
    page.context.clear_cookies()
    page.goto(share_url)
    shoot(page, "16-public-share")
    page.goto(f"{base}/accounts/signup/")
    shoot(page, "17-signup")
    page.goto(invite_url)
    shoot(page, "18-invite-logged-out")
    page.get_by_role("link", name=T("Log in")).last.click()
    shoot(page, "19-login-for-invite")


def main() -> None:
    account = {"username": "alice", "password": "correct-horse-battery", "superuser": True}
    only = [x for x in os.environ.get("SCREENSHOT_LANGUAGES", "").split(",") if x]  # e.g. zh-hans
    with live_studio(port=PORT, **account) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        for language, (locale, catalog) in LANGUAGES.items():
            if only and language not in only:
                continue
            load_words(catalog)
            for name, (width, height) in WIDTHS.items():  # every page at desktop and at phone width
                _where["folder"] = OUT / language / name
                _where["folder"].mkdir(parents=True, exist_ok=True)
                page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
                page.set_default_timeout(WAIT)
                session(page, base)
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
