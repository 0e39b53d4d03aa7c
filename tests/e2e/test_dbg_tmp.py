"""Issue 9, item 16 in a real browser: htmx, the players, the share box, the library menu and the admin
work under the Content-Security-Policy (tests/e2e/conftest.py fails a test on any violation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from songs.services import sharing
from tests.e2e.test_browser import log_in
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_share_box_and_the_library_menu_work_under_the_policy(live_server, page: Page, owner, project):
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="City Lights")
    sharing.share_create(user=owner, clip=clip)
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    log_in(page, live_server.url, "alice", "correct-horse-battery")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").first.click()
    expect(page.get_by_role("button", name="Copied").first).to_be_visible()
    player = page.locator("audio[data-clip-player]").first
    expect(player).to_have_attribute("src", f"/clips/{clip.uid}/audio")
    page.wait_for_function("document.querySelector('audio[data-clip-player]').readyState >= 1")

    page.on("request", lambda r: print("REQ", r.method, r.url))
    page.on("console", lambda m: print("CONSOLE", m.text))
    page.goto(f"{live_server.url}/library/")
    page.get_by_label("More for City Lights").first.click()
    page.get_by_role("button", name="Rename").first.click()
    box = page.get_by_label("New title")
    expect(box).to_be_visible()
    expect(page.locator("details.lib-menu[open]")).to_have_count(0)  # the menu closed itself
    print("BOX", page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0,120)"))
    box.press("Escape")
    page.wait_for_timeout(500)
    print("AFTER", page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0,120)"))
    expect(page.get_by_label("New title")).to_have_count(0)
    page.get_by_label("More for City Lights").first.click()
    page.get_by_role("button", name="Rename").first.click()
    page.get_by_label("New title").fill("Neon Nights")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Neon Nights").first).to_be_visible()


def test_the_admin_works_under_the_policy(live_server, page: Page, django_user_model, project):
    django_user_model.objects.create_superuser("root", "root@example.com", "root-password-long")
    make_task(project, status="running")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("root-password-long")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(f"{live_server.url}/admin/songs/generationtask/")
    page.locator("#result_list tbody input.action-select").first.check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.goto(f"{live_server.url}/admin/songs/team/")
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("#team_form")).to_be_visible()
