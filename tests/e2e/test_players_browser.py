"""A player keeps its controls through a card's redraw (issue 19, new user item 3): the poller redraws a
card when it finishes or its stems arrive, and its players, kept across the redraw (hx-preserve), showed as
an empty grey bar until a reload (htmx 2 moves them with Chromium's moveBefore, which left the controls
unpainted)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from songs.services.common import card_touch
from tests.e2e.conftest import log_in
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def painted(page: Page, player) -> int:
    """How many bright pixels the player shows: its play button and time are white on grey; an unpainted
    player is a plain grey bar with none."""
    player.scroll_into_view_if_needed()
    box = player.bounding_box()
    shot = page.screenshot(clip=box)
    return sum(1 for value in Image.open(io.BytesIO(shot)).convert("L").getdata() if value > 200)


def test_the_players_keep_their_controls_when_the_poller_redraws_their_card(
    live_server, page: Page, owner, project
):
    task = make_task(project, status="succeeded")
    for title in ("City Lights", "City Lights"):
        make_stored_clip(task, audio=mp3_bytes(2.0), title=title)
    make_task(project, status="running")  # something pending: the page keeps polling
    log_in(page, live_server.url, "alice", "correct-horse-battery")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    players = page.locator(f"#task-{task.pk} audio[data-clip-player]")
    expect(players).to_have_count(2)
    page.wait_for_function(
        f"[...document.querySelectorAll('#task-{task.pk} audio')].every(a => a.readyState >= 1)"
    )
    assert all(painted(page, players.nth(n)) > 50 for n in range(2))

    # The card changes on the server (stems arrived, say): the next poll redraws it around its players.
    page.evaluate(f"document.querySelector('#task-{task.pk}').dataset.before = 'yes'")
    with page.expect_response(lambda r: "/updates/" in r.url and f'id="task-{task.pk}"' in r.text()):
        card_touch(task_id=task.pk)
    expect(page.locator(f"#task-{task.pk}[data-before]")).to_have_count(0)  # redrawn
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert [painted(page, players.nth(n)) > 50 for n in range(2)] == [True, True]
