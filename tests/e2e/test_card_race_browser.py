"""An answer is not lost when the page's poller redraws the card whose button is waiting for it.

htmx looks for an answer's out-of-band targets from the element that asked, so a card redrawn (and its
button detached) while a click is in flight used to drop the answer: "Get whole song" made a song that never
appeared. static/js/studio.js holds the poller's version of such a card until the answer is in.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from songs.services.common import card_touch
from tests.e2e.conftest import log_in, wait_until
from tests.factories import make_task
from tests.views.test_project_pages import chain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_whole_song_asked_for_while_the_card_is_redrawn_still_appears(
    live_server, settings, page: Page, owner, project
):
    settings.SUNO_GATEWAY_URL = live_server.url
    end = chain(project, 2)  # "Part 0", continued by "Part 1": Part 1's card offers "Get whole song"
    make_task(project, status="running")  # something pending: the page keeps polling every 2 s
    log_in(page, live_server.url, "alice", "correct-horse-battery")
    page.goto(f"{live_server.url}/projects/{project.pk}/")

    waiting = []
    page.route("**/whole-song/", lambda route: waiting.append(route))  # the click's answer is held back
    card = page.locator(f"#task-{end.task_id}")
    card.get_by_role("button", name="Get whole song").click()
    wait_until(page, lambda: waiting, "the click's request")

    # Meanwhile the card changes on the server; the next poll brings its new version.
    with page.expect_response(lambda r: "/updates/" in r.url and f'id="task-{end.task_id}"' in r.text()):
        card_touch(task_id=end.task_id)
    waiting[0].continue_()

    expect(page.locator("article.card").first).to_contain_text("Whole song: Part 1")


def test_a_time_typed_in_a_card_survives_the_poller_redrawing_it(
    live_server, settings, page: Page, owner, project
):
    settings.SUNO_GATEWAY_URL = live_server.url
    end = chain(project, 2)
    make_task(project, status="running")  # something pending: the page keeps polling every 2 s
    log_in(page, live_server.url, "alice", "correct-horse-battery")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    card = page.locator(f"#task-{end.task_id}")
    card.locator("input.at").first.fill("0:07")  # the person is typing where to continue from

    # Meanwhile the card changes on the server; the poll brings its new version, and the next poll shows
    # the first one has been handled.
    new_version = f'id="task-{end.task_id}"'
    with page.expect_response(lambda r: "/updates/" in r.url and new_version in r.text()):
        card_touch(task_id=end.task_id)
    with page.expect_response(lambda r: "/updates/" in r.url):
        pass

    expect(card.locator("input.at").first).to_have_value("0:07")  # what they typed is still there
    card.get_by_role("button", name="Continue from here").first.click()
    expect(page.locator("#id_continue_at")).to_have_value("0:07")
