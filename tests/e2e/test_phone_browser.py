"""The studio on a phone (390 px), as a new user met it (issue 19, new user items 4 and 5): the new card
is shown after Create, the top menu takes two lines, an open Download menu or cover form leaves the
card's other buttons where they were."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in, poller_running
from tests.e2e.test_browser import make_song
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def where(locator) -> list[float]:
    """Where an element sits on the page (not in the window, which scrolls): x, y, width, height."""
    box = "e => { const r = e.getBoundingClientRect(); return [r.x, r.y + scrollY, r.width, r.height]; }"
    return locator.evaluate(box)


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def test_after_create_on_a_phone_the_new_card_is_shown(live_server, settings, phone: Page, owner, project):
    settings.SUNO_GATEWAY_URL = live_server.url
    with poller_running():
        log_in(phone, live_server.url, "alice", "correct-horse-battery")
        phone.goto(f"{live_server.url}/projects/{project.pk}/")
        make_song(phone, live_server.url)
        card = phone.locator("article.card").first
        expect(card).to_be_in_viewport()


def test_on_a_phone_the_menu_takes_two_lines_and_open_menus_leave_the_buttons_in_place(
    live_server, phone: Page, owner, project, settings
):
    settings.SUNO_API_FORMAT = "v2"  # covers and personas
    owner.is_staff = True  # the longest menu: with Admin
    owner.save(update_fields=["is_staff"])
    make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="City Lights")
    log_in(phone, live_server.url, "alice", "correct-horse-battery")
    phone.goto(f"{live_server.url}/projects/{project.pk}/")

    line = phone.locator(".brand").bounding_box()["height"]
    assert phone.locator(".topbar").bounding_box()["height"] < 3 * line + 40  # two lines and padding
    nav = phone.locator(".topbar nav")
    assert nav.bounding_box()["height"] < 1.8 * line  # its links in one line
    for name in ("Projects", "Library", "Teams", "Log out"):
        expect(nav.get_by_role("link", name=name).or_(nav.get_by_role("button", name=name))).to_have_count(1)

    share = phone.get_by_role("button", name="Share").first
    like = phone.locator(".clip-actions .lib-like button").first
    before = (where(share), where(like))
    phone.locator("details.downloads summary").first.click()
    expect(phone.get_by_role("link", name="MP3")).to_be_visible()
    assert (where(share), where(like)) == before  # the menu opens over them, not in between

    phone.locator("details.downloads summary").first.click()
    phone.get_by_text("Cover in another style").first.click()
    expect(phone.locator("input[id^=cover-tags-]")).to_be_visible()
    assert where(like)[2] == before[1][2]  # not squeezed by the open form
