"""An answer is not lost when the page's poller redraws the card whose button is waiting for it.

htmx looks for an answer's out-of-band targets from the element that asked, so a card redrawn (and its
button detached) while a click is in flight used to drop the answer: "Get whole song" made a song that never
appeared. static/js/studio.js holds the poller's version of such a card until the answer is in.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from songs.models import Clip, GenerationTask
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


def _open_with_create_held(live_server, settings, page: Page, project, prepare=None):
    """The project page, with the answer to a Create held back until the test lets it go."""
    settings.SUNO_GATEWAY_URL = live_server.url
    end = chain(project, 2)
    if prepare is not None:
        prepare(end)
    log_in(page, live_server.url, "alice", "correct-horse-battery")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    held, continues = [], []
    page.route(lambda url: url.endswith("/songs/"), lambda route: held.append(route))
    page.on("request", lambda request: continues.append(request) if "/continue/" in request.url else None)
    page.get_by_text("Inspiration", exact=True).click()
    page.get_by_label("Song description").fill("a quiet song about snow")
    return page.locator(f"#task-{end.task_id}"), held, continues


def test_continue_clicked_while_a_create_is_on_its_way_gets_both(
    live_server, settings, page: Page, owner, project
):
    card, held, continues = _open_with_create_held(live_server, settings, page, project)
    page.get_by_role("button", name="Create").click()
    wait_until(page, lambda: held, "the Create request")
    card.locator("input.at").first.fill("0:01")
    card.get_by_role("button", name="Continue from here").first.click()  # before the Create has answered
    held[0].continue_()
    # Both answers go into the Create panel: the Continue waited for the Create's, so neither is lost.
    expect(page.locator("article.card").first).to_contain_text("a quiet song about snow")
    expect(page.locator(".continuing")).to_contain_text("Continuing")
    expect(page.locator("#id_continue_at")).to_have_value("0:01")
    assert len(continues) == 1


def test_create_clicked_while_a_continue_is_on_its_way_makes_no_hidden_song(
    live_server, settings, page: Page, owner, project
):
    card, held, continues = _open_with_create_held(live_server, settings, page, project)
    waiting = []
    page.route(lambda url: "/continue/" in url, lambda route: waiting.append(route))
    card.locator("input.at").first.fill("0:01")
    card.get_by_role("button", name="Continue from here").first.click()
    wait_until(page, lambda: waiting, "the Continue request")
    page.get_by_role("button", name="Create").click()  # in the panel the Continue is about to replace
    waiting[0].continue_()
    expect(page.locator(".continuing")).to_contain_text("Continuing")
    expect(page.locator("#id_continue_at")).to_have_value("0:01")
    # The Create waited behind the Continue, whose answer replaced its form: it was never sent, so no song
    # was made (and charged) that the page would never show. (Sent at the click, it would be held by now.)
    assert not held and GenerationTask.objects.count() == 2  # the chain's two parts only


def test_a_section_dragged_on_the_waveform_while_a_create_is_on_its_way_gets_both(
    live_server, settings, page: Page, owner, project
):
    """The waveform's drag opens Replace section in the Create panel, so it takes its turn like Continue."""
    from songs import waveform

    settings.SUNO_API_FORMAT = "v2"  # a format with Replace section
    peaks = waveform.encode([(n * 7) % waveform.LEVELS for n in range(waveform.POINTS)])

    def with_waveform(end: Clip) -> None:
        Clip.objects.filter(pk=end.pk).update(peaks=peaks, duration=30.0)

    card, held, _continues = _open_with_create_held(live_server, settings, page, project, with_waveform)
    infills = []
    page.on("request", lambda request: infills.append(request) if "mode=infill" in request.url else None)
    page.get_by_role("button", name="Create").click()
    wait_until(page, lambda: held, "the Create request")

    box = card.locator("[data-waveform]").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=5)
    page.mouse.up()  # 0:06 to 0:18, before the Create has answered
    held[0].continue_()
    # Both answers go into the Create panel: the drag's waited for the Create's, so neither is lost.
    expect(page.locator("article.card").first).to_contain_text("a quiet song about snow")
    expect(page.locator("#id_continue_at")).to_have_value("0:06")
    expect(page.locator("[name=infill_end]")).to_have_value("0:18")
    assert len(infills) == 1
