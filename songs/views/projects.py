"""Project pages: the list, one project with its Create panel, continuing a clip, the live clip list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from songs import catalog, karaoke, selectors
from songs.forms import ProjectForm, SongForm, format_timestamp, parse_timestamp
from songs.models import ClipTiming, GenerationTask, Role
from songs.services import features, quotas, requests, teams
from songs.views.common import (
    HTMX_STOP_POLLING,
    detail_context,
    page_of,
    poller_context,
    row_number,
    song_form,
)

# The project list shows the most recently changed projects first, a page at a time.
PROJECTS_PER_PAGE = 24

Mode = GenerationTask.Mode


@require_http_methods(["GET", "POST"])
def project_list(request: HttpRequest) -> HttpResponse:
    """The studio's first page: your projects, or, logged out, what the studio is (sign up, log in)."""
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "songs/home.html")
    teams.team_personal(user=request.user)  # everyone has one, also users made in the admin
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        project = teams.project_create(
            user=request.user, name=form.cleaned_data["name"], team=form.cleaned_data["team"]
        )
        return redirect(project)
    projects = page_of(request, selectors.projects_for_user(user=request.user), per_page=PROJECTS_PER_PAGE)
    return render(request, "songs/project_list.html", {"projects": projects, "form": form})


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk, with_pending=True, with_credits=True)
    initial = {}
    if draft_pk := request.GET.get("draft", "").strip():
        # "Use these lyrics": the Custom form starts from the draft.
        number = row_number(draft_pk)
        draft = selectors.draft_for_user(user=request.user, pk=number) if number is not None else None
        if draft is None or draft.project_id != project.pk:
            raise Http404
        initial = {"mode": Mode.CUSTOM, "lyrics": draft.text, "title": draft.title}
    return render(
        request, "songs/project_detail.html", detail_context(project, song_form(project, **initial))
    )


@login_required
@require_GET
def continue_form(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Continue from here" / "Replace section": the Create panel preset with the clip and the time."""
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.EDITOR, with_credits=True)
    uid = request.GET.get("clip")
    clip = project.clips.select_related("task").filter(uid=uid).first() if _is_uuid(uid) else None
    if clip is None or not clip.is_continuable:
        raise Http404("No such clip.")
    mode = Mode.INFILL if request.GET.get("mode") == Mode.INFILL else Mode.CONTINUE
    at = request.GET.get("at", "").strip() or "0:00"
    initial = {
        "mode": mode,
        "clip": clip.uid,
        "continue_at": at,
        "tags": clip.tags,
        "title": clip.title,
        "mv": _model_of(clip),
        "lyrics": "",
    }
    if mode == Mode.INFILL:
        initial.update(_section(clip, at, request.GET.get("end", "").strip()))
    form = song_form(project, **initial)
    context = {"form": form, "project": project, "continuing": {"clip": clip, "mode": mode}}
    if request.htmx:
        return render(request, "songs/partials/create_form.html", context)
    return render(request, "songs/project_detail.html", {**detail_context(project, form), **context})


# Replace section opened from a single time (the card's box) picks this much of the song to replace.
SECTION_SECONDS = 10.0


def _section(clip, at: str, end: str) -> dict:
    """The Replace section form's end and lyrics: the lines sung in that window (from the clip's aligned
    words when it has them), so the box holds what is being replaced, not the whole song."""
    try:
        start = parse_timestamp(at)
        stop = parse_timestamp(end) if end else min(start + SECTION_SECONDS, clip.duration)
    except ValueError:
        return {"infill_end": end}  # the form says what is wrong with the times
    timing = ClipTiming.objects.filter(clip=clip).values_list("words", flat=True).first()
    lyrics = karaoke.section_lyrics(
        lyrics=clip.lyrics, words=timing, duration=clip.duration, start=start, end=stop
    )
    return {"infill_end": end or format_timestamp(stop), "lyrics": lyrics}


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True


def _model_of(clip) -> str:
    """The model that made the clip, so a continuation sounds alike (an upload gets the default)."""
    mv = (clip.task.request_payload or {}).get("mv", "").removesuffix("-upload")
    return mv if catalog.is_offered(mv) else catalog.default_model()


@login_required
@require_POST
def song_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    form = song_form(project, request.POST)
    if not form.is_valid():
        return _invalid_song_form(request, project, form)
    data = form.cleaned_data
    if request.POST.get("sketch") == "1" and form.parent_clip is None:
        return _sketch_create(request, project, form)
    try:
        tasks = requests.music_requests(
            project=project,
            user=request.user,
            mode=data["mode"],
            mv=data["mv"],
            description=data["description"],
            lyrics=data["lyrics"],
            tags=data["tags"],
            title=data["title"],
            instrumental=data["instrumental"],
            negative_tags=data["negative_tags"],
            parent_clip=form.parent_clip,
            continue_at=data.get("continue_at_seconds"),
            infill=data.get("infill"),
            extras=data.get("extras"),
            request_key=data["request_key"],
            count=data["variations"],
        )
    except quotas.QuotaExceeded as exc:
        # Beside the Variations choice: it is what the person can change to make the batch fit.
        form.add_error("variations" if data["variations"] > 1 else None, str(exc))
        return _invalid_song_form(request, project, form)
    except features.FeatureMissing as exc:
        form.add_error(None, str(exc))
        return _invalid_song_form(request, project, form)
    if not request.htmx:
        return redirect(project)
    poller = poller_context(project)  # before the cards are read: a change in between comes with a poll
    for task in tasks:
        task.refresh_from_db()  # a fast worker may already have moved it on
    context = {"form": _form_after(project, data), "project": project, "tasks": tasks, "poller": poller}
    return render(request, "songs/partials/song_created.html", context)


def _sketch_create(request: HttpRequest, project, form: SongForm) -> HttpResponse:
    """ "Sketch": the same song from the built-in engine beside the real gateway, free, on its own card."""
    data = form.cleaned_data
    song = {k: data[k] for k in ("mode", "mv", "description", "lyrics", "tags", "title", "instrumental")}
    try:
        task = requests.sketch_request(
            project=project,
            user=request.user,
            negative_tags=data["negative_tags"],
            extras=data.get("extras"),
            request_key=data["request_key"],
            **song,
        )
    except requests.SketchRefused as exc:
        form.add_error(None, str(exc))
        return _invalid_song_form(request, project, form)
    if not request.htmx:
        return redirect(project)
    poller = poller_context(project)
    task.refresh_from_db()
    context = {"form": _form_after(project, data), "project": project, "tasks": [task], "poller": poller}
    return render(request, "songs/partials/song_created.html", context)


def _invalid_song_form(request: HttpRequest, project, form: SongForm) -> HttpResponse:
    # 200, not 4xx: htmx 2 only swaps successful answers, and the errors belong beside the fields.
    context = {"form": form, "project": project, "continuing": _continuing(form)}
    if request.htmx:
        return render(request, "songs/partials/create_form.html", context)
    return render(request, "songs/project_detail.html", {**detail_context(project, form), **context})


def _continuing(form: SongForm) -> dict | None:
    """Keep the "Continuing …" banner on a form that comes back with errors."""
    mode, uid = form.data.get("mode"), form.data.get("clip")
    if mode not in (Mode.CONTINUE, Mode.INFILL) or not _is_uuid(uid):
        return None
    clip = form.parent_clip or form.project.clips.filter(uid=uid).first()
    return {"clip": clip, "mode": mode} if clip else None


def _form_after(project, data: dict) -> SongForm:
    """Keep what the user wrote (they often tweak and go again); a continuation goes back to Custom."""
    dropped = ("request_key", "clip", "continue_at", "infill_end", "extras")
    kept = {k: v for k, v in data.items() if k not in dropped}
    if kept.get("mode") in (Mode.CONTINUE, Mode.INFILL):
        kept["mode"] = Mode.CUSTOM
    return song_form(project, **kept)


@login_required
@require_GET
def project_updates(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's one poller: the cards that changed since the last poll, as out-of-band swaps."""
    project = selectors.project_for_user(user=request.user, pk=pk, with_pending=True)
    poller = poller_context(project)  # taken before the query, so nothing slips between polls
    try:
        since = datetime.fromtimestamp(float(request.GET.get("since", "")), tz=UTC)
    except (ValueError, OverflowError):
        since = timezone.now()
    shown = _cards_shown(request)
    cards = list(selectors.project_cards(project=project, changed_since=since, among=shown))
    selectors.attach_chains(project=project, tasks=cards)
    selectors.attach_extras(tasks=cards)
    context = {"cards": cards, "poller": poller, "project": project}
    newest = row_number(request.GET.get("newest"))
    if shown is not None and newest is not None:
        context["news"] = selectors.cards_new_from_others(
            project=project, user=request.user, newer_than=newest, shown=shown
        )
    if selectors.lyrics_changed_since(project=project, since=since):
        context["lyrics"] = selectors.project_lyrics(project=project)
    response = render(request, "songs/partials/updates.html", context)
    if not poller["active"]:
        response.status_code = HTMX_STOP_POLLING
    return response


# The most cards a poll asks about (studio.js sends the page's newest ones): a page scrolled further back
# than this gets no live changes for its oldest cards, and the poll's address stays well under 4 KB.
POLLED_CARDS_MAX = 300


def _cards_shown(request: HttpRequest) -> list[int] | None:
    """The cards the polling page shows (``cards=12,11,9``), or None when it does not say (every card that
    changed is sent then). Cards elsewhere in the project are not drawn for a page that would drop them."""
    if "cards" not in request.GET:
        return None
    ids = (row_number(part) for part in request.GET["cards"].split(",")[:POLLED_CARDS_MAX])
    return [pk for pk in ids if pk is not None]


@login_required
@require_GET
def project_cards_older(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Show older songs": the next page of cards, and its own button for the page after."""
    project = selectors.project_for_user(user=request.user, pk=pk)
    before = row_number(request.GET.get("before"))
    if before is None:
        raise Http404("No such page.")
    cards, older = selectors.project_cards_page(project=project, before=before)
    return render(
        request, "songs/partials/cards_page.html", {"cards": cards, "older": older, "project": project}
    )
