"""What several views share: htmx replies (toasts, new cards, stop polling) and the project page's context."""

from __future__ import annotations

import json
import re
import uuid

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from songs import catalog, selectors
from songs.forms import LyricsPromptForm, SongForm, UploadForm
from songs.models import GenerationTask

# A row number in a page's address: ASCII digits only (str.isdigit() also takes '²' and '①', which int()
# refuses) and at most 18 of them, below the databases' 64-bit integers (a longer one overflows them).
_ROW_NUMBER = re.compile(r"[0-9]{1,18}")

# htmx 2 swaps a 286 answer, then stops polling.
HTMX_STOP_POLLING = 286
# What a clip's media URL may name, and how each is served (the WAV is converted on first download).
# kind -> (model field, content type, file extension)
MEDIA_KINDS = {
    "audio": ("audio_file", "audio/mpeg", "mp3"),
    "cover": ("image_file", "image/jpeg", "jpeg"),
    "video": ("video_file", "video/mp4", "mp4"),
}


def row_number(text: str | None) -> int | None:
    """A row id or row count given in a query string ("before", "newest", "cards", "draft"), or None when
    it is not one: a page parameter never reaches the database as something it cannot hold."""
    text = (text or "").strip()
    return int(text) if _ROW_NUMBER.fullmatch(text) else None


def song_form(project, data=None, **initial) -> SongForm:
    form = SongForm(
        data,
        project=project,
        capabilities=selectors.gateway_capabilities(),
        initial={"request_key": uuid.uuid4(), **initial},
    )
    form.sketch_offered = selectors.sketch_offered()  # the Create form's free "Sketch" button
    return form


def limits_context() -> dict:
    limits = {m.mv: {"lyrics": m.lyrics, "tags": m.style, "title": m.title} for m in catalog.MODELS}
    return {"model_limits_json": json.dumps(limits), "description_limit": catalog.DESCRIPTION_LIMIT}


def poller_context(project) -> dict:
    return {
        "project": project,
        "since": f"{timezone.now().timestamp():.6f}",
        "active": selectors.project_has_pending(project=project),
    }


def detail_context(project, form: SongForm, **forms) -> dict:
    poller = poller_context(project)  # before the cards are read: a change in between comes with a poll
    cards, older = selectors.project_cards_page(project=project)
    return {
        "project": project,
        "older": older,
        "form": form,
        "lyrics_form": forms.get("lyrics_form") or LyricsPromptForm(initial={"request_key": uuid.uuid4()}),
        "upload_form": forms.get("upload_form") or UploadForm(initial={"request_key": uuid.uuid4()}),
        "cards": cards,
        "gateway_caps": form.capabilities,  # read once for the form, the cards and the panels
        "poller": poller,
        **selectors.project_lyrics(project=project),
        **limits_context(),
    }


def toast(request: HttpRequest, message: str, *, redirect_to) -> HttpResponse:
    """A refusal shown where the user is: a toast for htmx, a flash message otherwise."""
    if not request.htmx:
        messages.error(request, message)
        return redirect(redirect_to)
    return render(request, "songs/partials/toast.html", {"message": message})


def new_card(request: HttpRequest, task: GenerationTask, project, **extra) -> HttpResponse:
    """The new request's card, put on top of the list, and the poller started."""
    if not request.htmx:
        return redirect(project)
    poller = poller_context(project)  # before the card is read: a change in between comes with a poll
    task.refresh_from_db()  # a fast worker may already have moved it on
    context = {"task": task, "project": project, "poller": poller, **extra}
    return render(request, "songs/partials/card_added.html", context)


def page_of(request: HttpRequest, items, *, per_page: int, param: str = "page") -> Page:
    """One page of ``items`` (``?<param>=N``), with the links to its neighbours keeping the rest of the
    query (two lists on one page each keep their own place): templates/songs/partials/pager.html."""
    page = Paginator(items, per_page).get_page(request.GET.get(param))

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    page.previous_url = link(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = link(page.next_page_number()) if page.has_next() else ""
    return page
