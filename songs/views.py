from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from songs import catalog, selectors, services
from songs.forms import DraftForm, LyricsPromptForm, ProjectForm, SongForm
from songs.models import LyricRevision
from studio.ranged import ranged_file_response

HTMX_STOP_POLLING = 286
SECTION_TAGS = ("Intro", "Verse", "Pre-Chorus", "Chorus", "Bridge", "Outro")


@login_required
@require_http_methods(["GET", "POST"])
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(owner=request.user, name=form.cleaned_data["name"])
        return redirect(project)
    projects = selectors.projects_for_user(user=request.user)
    return render(request, "songs/project_list.html", {"projects": projects, "form": form})


def _song_form(**initial) -> SongForm:
    return SongForm(initial={"request_key": uuid.uuid4(), **initial})


def _limits_context() -> dict:
    return {
        "model_limits_json": json.dumps(
            {m.mv: {"lyrics": m.lyrics, "tags": m.style, "title": m.title} for m in catalog.MODELS}
        ),
        "description_limit": catalog.DESCRIPTION_LIMIT,
    }


def _detail_context(
    request: HttpRequest, project, form: SongForm, lyrics_form: LyricsPromptForm | None = None
) -> dict:
    return {
        "project": project,
        "form": form,
        "lyrics_form": lyrics_form or LyricsPromptForm(initial={"request_key": uuid.uuid4()}),
        **selectors.project_lyrics(project=project),
        **_limits_context(),
        "cards": selectors.project_cards(project=project),
        "poller": _poller_context(project),
    }


def _poller_context(project) -> dict:
    return {
        "project": project,
        "since": f"{timezone.now().timestamp():.6f}",
        "active": selectors.project_has_pending(project=project),
    }


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk)
    initial = {}
    if draft_pk := request.GET.get("draft", "").strip():
        # "Use these lyrics": the Custom form starts from the draft.
        draft = selectors.draft_for_user(user=request.user, pk=int(draft_pk)) if draft_pk.isdigit() else None
        if draft is None or draft.project_id != project.pk:
            raise Http404
        initial = {"mode": "custom", "lyrics": draft.text, "title": draft.title}
    return render(
        request, "songs/project_detail.html", _detail_context(request, project, _song_form(**initial))
    )


@login_required
@require_POST
def song_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk)
    form = SongForm(request.POST)
    if not form.is_valid():
        # 200, not 4xx: htmx 2 only swaps successful answers, and the errors belong beside the fields.
        if request.htmx:
            return render(request, "songs/partials/create_form.html", {"form": form, "project": project})
        return render(request, "songs/project_detail.html", _detail_context(request, project, form))
    data = form.cleaned_data
    task = services.music_request(
        project=project,
        user=request.user,
        mode=data["mode"],
        mv=data["mv"],
        description=data["description"],
        lyrics=data["lyrics"],
        tags=data["tags"],
        title=data["title"],
        instrumental=data["instrumental"],
        request_key=data["request_key"],
    )
    if not request.htmx:
        return redirect(project)
    # Keep what the user wrote (they often tweak and go again) with a fresh key for the next click.
    fresh = SongForm(
        initial={**{k: v for k, v in data.items() if k != "request_key"}, "request_key": uuid.uuid4()}
    )
    return render(
        request,
        "songs/partials/song_created.html",
        {
            "form": fresh,
            "project": project,
            "task": task,
            "poller": _poller_context(project),
        },
    )


@login_required
@require_GET
def project_updates(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's one poller: the cards that changed since the last poll, as out-of-band swaps."""
    project = selectors.project_for_user(user=request.user, pk=pk)
    poller = _poller_context(project)  # taken before the query, so nothing slips between polls
    try:
        since = datetime.fromtimestamp(float(request.GET.get("since", "")), tz=UTC)
    except (ValueError, OverflowError):
        since = timezone.now()
    cards = selectors.project_cards(project=project, changed_since=since)
    context = {"cards": cards, "poller": poller, "project": project}
    if selectors.lyrics_changed_since(project=project, since=since):
        context["lyrics"] = selectors.project_lyrics(project=project)
    response = render(request, "songs/partials/updates.html", context)
    if not poller["active"]:
        response.status_code = HTMX_STOP_POLLING
    return response


@login_required
@require_POST
def lyrics_write(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk)
    form = LyricsPromptForm(request.POST)
    if form.is_valid():
        services.lyrics_request(
            project=project,
            user=request.user,
            prompt=form.cleaned_data["prompt"],
            request_key=form.cleaned_data["request_key"],
        )
        if not request.htmx:
            return redirect(project)
        form = LyricsPromptForm(initial={"request_key": uuid.uuid4()})
    elif not request.htmx:
        return render(
            request, "songs/project_detail.html", _detail_context(request, project, _song_form(), form)
        )
    return render(
        request,
        "songs/partials/lyrics_panel.html",
        {
            "project": project,
            "lyrics_form": form,
            **selectors.project_lyrics(project=project),
            "poller": _poller_context(project),
            "with_poller": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The lyric editor. Saving adds a revision; nothing written is ever overwritten."""
    draft = selectors.draft_for_user(user=request.user, pk=pk)
    form = DraftForm(request.POST or None, initial={"title": draft.title, "text": draft.text})
    if request.method == "POST" and form.is_valid():
        saved = services.draft_save(
            draft=draft, user=request.user, title=form.cleaned_data["title"], text=form.cleaned_data["text"]
        )
        messages.success(request, "Saved as a new version." if saved else "No changes to save.")
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
            **_limits_context(),
        },
    )


@login_required
@require_POST
def draft_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    draft = selectors.draft_for_user(user=request.user, pk=pk)
    revision = LyricRevision.objects.filter(draft=draft, number=number).first()
    if revision is None:
        raise Http404
    services.draft_restore(draft=draft, revision=revision, user=request.user)
    messages.success(request, f"Version {number} is back as the newest version.")
    return redirect(draft)


MEDIA_KINDS = {"audio": ("audio_file", "audio/mpeg", "mp3"), "cover": ("image_file", "image/jpeg", "jpeg")}


@login_required
@require_GET
def clip_media(request: HttpRequest, uid: uuid.UUID, kind: str) -> HttpResponse:
    """Our stored copy of a clip's media, for the clip's owners only, with Range for seeking."""
    if kind not in MEDIA_KINDS:
        raise Http404
    clip = selectors.clip_for_user(user=request.user, uid=uid)
    field, content_type, ext = MEDIA_KINDS[kind]
    stored = getattr(clip, field)
    if not stored:
        raise Http404("Not stored yet.")
    path = Path(settings.MEDIA_ROOT) / stored.name
    if not path.is_file():
        raise Http404
    filename = f"{clip.title or 'clip'}.{ext}"
    response = ranged_file_response(
        request,
        path,
        content_type=content_type,
        filename=filename,
        as_attachment=request.GET.get("download") == "1",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
