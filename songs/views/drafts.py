"""Lyrics: writing them from a prompt, and the draft editor with its versions."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from songs import selectors
from songs.forms import DraftForm, LyricsPromptForm
from songs.models import LyricRevision, Role
from songs.services import drafts, features, quotas, requests
from songs.views.common import detail_context, limits_context, poller_context, song_form

SECTION_TAGS = ("Intro", "Verse", "Pre-Chorus", "Chorus", "Bridge", "Outro")


@login_required
@require_POST
def lyrics_write(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    form = LyricsPromptForm(request.POST)
    if form.is_valid():
        try:
            requests.lyrics_request(
                project=project,
                user=request.user,
                prompt=form.cleaned_data["prompt"],
                request_key=form.cleaned_data["request_key"],
            )
        except (quotas.QuotaExceeded, features.FeatureMissing) as exc:
            form.add_error(None, str(exc))
    if form.is_valid():
        if not request.htmx:
            return redirect(project)
        form = LyricsPromptForm(initial={"request_key": uuid.uuid4()})
    elif not request.htmx:
        return render(
            request,
            "songs/project_detail.html",
            detail_context(project, song_form(project), lyrics_form=form),
        )
    poller = poller_context(project)  # before the lyrics are read: a change in between comes with a poll
    context = {
        "project": project,
        "lyrics_form": form,
        **selectors.project_lyrics(project=project),
        "poller": poller,
        "with_poller": True,
    }
    return render(request, "songs/partials/lyrics_panel.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The lyric editor. Saving adds a revision; nothing written is ever overwritten."""
    role = Role.EDITOR if request.method == "POST" else Role.VIEWER
    draft = selectors.draft_for_user(user=request.user, pk=pk, role=role)
    form = DraftForm(request.POST or None, initial={"title": draft.title, "text": draft.text})
    if request.method == "POST" and form.is_valid():
        saved = drafts.draft_save(
            draft=draft, user=request.user, title=form.cleaned_data["title"], text=form.cleaned_data["text"]
        )
        messages.success(request, _("Saved as a new version.") if saved else _("No changes to save."))
        return redirect(draft)
    return render(
        request,
        "songs/draft_detail.html",
        {
            "draft": draft,
            "project": draft.project,
            "form": form,
            "revisions": draft.revisions.all(),
            "section_tags": SECTION_TAGS,
            **limits_context(),
        },
    )


@login_required
@require_POST
def draft_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    draft = selectors.draft_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    revision = LyricRevision.objects.filter(draft=draft, number=number).first()
    if revision is None:
        raise Http404
    drafts.draft_restore(draft=draft, revision=revision, user=request.user)
    messages.success(request, _("Version %(number)s is back as the newest version.") % {"number": number})
    return redirect(draft)
