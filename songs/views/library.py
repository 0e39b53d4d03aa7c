"""The team library (search and filters over every clip of a user's teams), likes, trash and renaming.

Every action finds its object through songs.selectors with the role it needs: outsiders get 404,
viewers 403 for editor actions. Each action answers htmx with the fragment that replaces what was
clicked, and a plain form post with a redirect back (the `next` it came from, when safe).
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from songs import selectors
from songs.models import Clip, Role, Team
from songs.services import library

PER_PAGE = 30
# Where an action was clicked, so its answer fits there: a card on the project page, a library row,
# a row of the trash page, or the lyric drafts list.
PLACES = ("card", "row", "trash", "drafts")


class SearchInput(forms.TextInput):
    input_type = "search"


class DateInput(forms.DateInput):
    input_type = "date"


class LibraryFilterForm(forms.Form):
    """The library's GET form: every value is in the URL, so a search can be bookmarked."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=SearchInput(attrs={"placeholder": _("Title, style or lyrics"), "autocomplete": "off"}),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All my teams")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    model = forms.ChoiceField(label=_("Model"), required=False)
    mode = forms.ChoiceField(label=_("Mode"), required=False)
    liked = forms.BooleanField(label=_("Liked by me"), required=False)
    # Titles in any script: A–Z ignores case, untitled songs go last (selectors.library_clips).
    sort = forms.ChoiceField(
        label=_("Sort"), required=False, choices=[("", _("Newest first")), ("title", _("Title A–Z"))]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams_for_user(user=user).order_by("name")
        self.fields["status"].choices = [("", _("Any status")), *Clip.Status.choices]
        self.fields["model"].choices = [("", _("Any model")), *selectors.model_choices(user=user)]
        self.fields["mode"].choices = [("", _("Any mode")), *selectors.mode_choices()]
        # "from" and "to" read well in a URL; "from" cannot be a class attribute.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label, required=False, widget=DateInput(format="%Y-%m-%d")
            )

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            self.add_error("to", _("This is before the start date."))
        return data

    def filters(self) -> selectors.ClipFilters:
        """What was valid; a value that was not (say, a team that is not yours) narrows nothing."""
        if not self.is_bound:
            return selectors.ClipFilters()
        self.is_valid()
        data = self.cleaned_data
        team = data.get("team")
        return selectors.ClipFilters(
            team_id=team.pk if team else None,
            q=data.get("q") or "",
            status=data.get("status") or "",
            model=data.get("model") or "",
            liked=bool(data.get("liked")),
            mode=data.get("mode") or "",
            date_from=data.get("from"),
            date_to=data.get("to"),
            sort=data.get("sort") or "",
        )

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.cleaned_data.values())


class ClipRenameForm(forms.Form):
    title = forms.CharField(
        max_length=library.TITLE_MAX,
        error_messages={
            "required": _("Give it a title."),
            "max_length": _("At most %(limit_value)d characters (this has %(show_value)d)."),
        },
    )


def _next(request: HttpRequest) -> str:
    """Where a plain (non-htmx) form goes back to, if it is one of ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False)
    return url if ok else ""


def _place(request: HttpRequest, default: str) -> str:
    place = request.POST.get("place") or request.GET.get("place")
    return place if place in PLACES else default


# --- pages -----------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def library_page(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None, user=request.user)
    clips = selectors.library_clips(user=request.user, filters=form.filters())
    page = Paginator(clips, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "clips": page.object_list,
        "editable_team_ids": selectors.editable_team_ids(user=request.user),
        "next_url": request.get_full_path(),
        "place": "row",
    }
    # A history restore (back button after a cache miss) needs the whole page, not the results.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "songs/partials/library_results.html", context)
    return render(request, "songs/library.html", context)


@login_required
@require_GET
def trash_page(request: HttpRequest) -> HttpResponse:
    context = {
        "clips": selectors.trashed_clips(user=request.user),
        "drafts": selectors.trashed_drafts(user=request.user),
        "editable_team_ids": selectors.editable_team_ids(user=request.user),
        "limit": selectors.TRASH_LIMIT,
        "next_url": request.get_full_path(),
        "place": "trash",
    }
    return render(request, "songs/trash.html", context)


# --- likes -----------------------------------------------------------------------------------------


@login_required
@require_POST
def clip_like(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """Any member may like (viewers too): a like is the user's own, not the team's."""
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.VIEWER)
    wanted = {"1": True, "0": False}.get(request.POST.get("liked", ""))  # absent: flip
    liked = library.clip_like_toggle(clip=clip, user=request.user, liked=wanted)
    if not request.htmx:
        return redirect(_next(request) or clip.project)
    return render(
        request,
        "songs/partials/library_like.html",
        {"clip": clip, "liked": liked, "next_url": _next(request)},
    )


@login_required
@require_GET
def clip_menu(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """The items of a clip's "⋯" menu, fetched when it is first opened (a card or row carries only "⋯")."""
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    context = {"clip": clip, "place": _place(request, "card"), "next_url": _next(request)}
    return render(request, "songs/partials/library_menu_items.html", context)


# --- trash -----------------------------------------------------------------------------------------


@login_required
@require_POST
def clip_trash(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    library.clip_trash(clip=clip)
    if not request.htmx:
        messages.success(
            request,
            _("“%(title)s” is in the trash; restore it from there.") % {"title": clip.title or _("Untitled")},
        )
        return redirect(_next(request) or clip.project)
    # No confirmation: the answer offers Undo right where the clip was.
    context = {"clip": clip, "kind": "clip", "place": _place(request, "card"), "next_url": _next(request)}
    return render(request, "songs/partials/library_trashed.html", context)


@login_required
@require_POST
def clip_restore(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    library.clip_restore(clip=clip)
    if not request.htmx:
        messages.success(
            request,
            _("“%(title)s” is back in %(project)s.")
            % {"title": clip.title or _("Untitled"), "project": clip.project.name},
        )
        return redirect(_next(request) or clip.project)
    place = _place(request, "trash")
    if place == "card":
        return _card(request, clip)
    row = selectors.library_clip(user=request.user, pk=clip.pk) if place == "row" else None
    if row is not None:
        context = {
            "clip": row,
            "editable_team_ids": {clip.project.team_id},
            "next_url": _next(request),
            "place": "row",
        }
        return render(request, "songs/partials/library_row.html", context)
    return render(request, "songs/partials/library_restored.html", {"item": clip, "kind": "clip"})


def _card(request: HttpRequest, clip: Clip) -> HttpResponse:
    """The clip's whole card again, as the project page shows it (Undo on the project page)."""
    task = selectors.clip_card(clip=clip)
    if task is None:  # not a card's clip (lyrics tasks have none): say it where the Undo was
        return render(request, "songs/partials/library_restored.html", {"item": clip, "kind": "clip"})
    return render(request, "songs/partials/task_card.html", {"task": task, "project": clip.project})


@login_required
@require_POST
def draft_trash(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    library.draft_trash(draft=draft)
    if not request.htmx:
        messages.success(request, _("“%(title)s” is in the trash; restore it from there.") % {"title": draft})
        return redirect(draft.project)
    context = {"draft": draft, "kind": "draft", "place": _place(request, "drafts")}
    return render(request, "songs/partials/library_trashed.html", context)


@login_required
@require_POST
def draft_restore_from_trash(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    library.draft_restore_from_trash(draft=draft)
    if not request.htmx:
        messages.success(
            request,
            _("“%(title)s” is back in %(project)s.") % {"title": draft, "project": draft.project.name},
        )
        return redirect(_next(request) or draft)
    if _place(request, "trash") == "drafts":
        project = draft.project
        project.membership = draft.membership
        context = {"project": project, **selectors.project_lyrics(project=project)}
        return render(request, "songs/partials/lyrics_list.html", context)
    return render(request, "songs/partials/library_restored.html", {"item": draft, "kind": "draft"})


# --- titles ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def clip_rename(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """GET: the small inline form (or, with ?show=title, the title again: Cancel). POST: save it."""
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    if request.method == "GET":
        if request.GET.get("show") == "title":
            return render(request, "songs/partials/library_title.html", {"clip": clip})
        form = ClipRenameForm(initial={"title": clip.title})
        return render(request, "songs/partials/library_rename.html", {"clip": clip, "form": form})
    form = ClipRenameForm(request.POST)
    if form.is_valid():
        try:
            library.clip_rename(clip=clip, title=form.cleaned_data["title"])
        except ValidationError as exc:
            form.add_error(None, exc)
    if not request.htmx:
        if form.is_valid():
            messages.success(request, _("Renamed to “%(title)s”.") % {"title": clip.title})
        else:
            messages.error(request, " ".join(form.errors.get("title", [])))
        return redirect(_next(request) or clip.project)
    if not form.is_valid():
        # 200, not 4xx: htmx 2 swaps only successful answers, and the error belongs beside the field.
        return render(request, "songs/partials/library_rename.html", {"clip": clip, "form": form})
    return render(request, "songs/partials/library_title.html", {"clip": clip})
