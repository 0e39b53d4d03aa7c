"""A clip's extras (split stems, cover in another style, make a persona, add vocals or an instrumental to an
upload, the gateway's WAV or a video of it) and "Boost" of a style.

Each saves a request and answers at once; workers talk to the gateway and the page polls the database.
Editors create; viewers see and play. Each is offered (and accepted) only when the gateway carries it.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from songs import selectors
from songs.forms_extras import AddPartForm, BoostForm, CoverForm, PersonaForm
from songs.models import Clip, Persona, Role
from songs.services import boost, features, personas, quotas, renders, stems, uploads
from songs.views.common import poller_context, toast

# The Boost button's area asks this many times, once a second, before it says to try again.
BOOST_POLLS = 15


def _editable_clip(request: HttpRequest, uid: uuid.UUID, feature: str) -> Clip:
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    if not getattr(selectors.gateway_capabilities(), feature) or clip.status != Clip.Status.COMPLETE:
        raise Http404("Not offered here.")
    return clip


def _card_of(request: HttpRequest, clip: Clip) -> HttpResponse:
    """The source clip's card again (its stems panel now says what is happening), and the poller on."""
    if not request.htmx:
        return redirect(clip.project)
    poller = poller_context(clip.project)  # before the card is read: a change in between comes with a poll
    task = selectors.clip_card(clip=clip)
    context = {"task": task, "project": clip.project, "poller": poller}
    return render(request, "songs/partials/card_updated.html", context)


@login_required
@require_POST
def stems_split(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Split stems": vocals and instrumental, shown on this clip's card."""
    clip = _editable_clip(request, uid, "stems")
    try:
        stems.stems_request(clip=clip, user=request.user)
    except (quotas.QuotaExceeded, features.FeatureMissing, stems.NotSplittable) as exc:
        return toast(request, str(exc), redirect_to=clip.project)
    return _card_of(request, clip)


@login_required
@require_POST
def clip_render(request: HttpRequest, uid: uuid.UUID, kind: str) -> HttpResponse:
    """ "Make video" / "Get the gateway's WAV": the gateway makes the file of this clip (sunoapi's
    mp4/generate, wav/generate); the clip's card says how it goes and offers the file once it is stored."""
    if kind not in renders.KINDS or kind == "video" and not selectors.gateway_capabilities().video_call:
        raise Http404("No such render here.")  # a family whose videos come with the song has no such call
    clip = _editable_clip(request, uid, "video" if kind == "video" else "gateway_wav")
    try:
        renders.render_request(clip=clip, user=request.user, kind=kind)
    except (quotas.QuotaExceeded, features.FeatureMissing, renders.NotRenderable) as exc:
        return toast(request, str(exc), redirect_to=clip.project)
    return _card_of(request, clip)


@login_required
@require_http_methods(["GET", "POST"])
def cover_create(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Cover in another style": the source's lyrics and melody, a new style; a new card names the source.

    GET is the form itself, fetched when its box on the card is first opened.
    """
    clip = _editable_clip(request, uid, "cover")
    if request.method == "GET":
        form = CoverForm(initial={"request_key": uuid.uuid4(), "title": clip.title}, clip=clip)
        context = {"clip": clip, "project": clip.project, "cover_form": form, "open": True}
        return render(request, "songs/partials/cover_form.html", context)
    form = CoverForm(request.POST, clip=clip)
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = stems.cover_request(
                clip=clip,
                user=request.user,
                tags=data["tags"].strip(),
                title=data["title"].strip(),
                request_key=data["request_key"],
            )
        except (quotas.QuotaExceeded, features.FeatureMissing) as exc:
            form.add_error(None, str(exc))
    context = {"clip": clip, "project": clip.project}
    if not form.is_valid():
        # 200 with the errors beside the fields and the text kept (htmx swaps only successful answers).
        if not request.htmx:
            return toast(request, " ".join(form.errors.get("tags", []) or ["?"]), redirect_to=clip.project)
        context.update(cover_form=form, open=True)
        return render(request, "songs/partials/cover_form.html", context)
    if not request.htmx:
        return redirect(clip.project)
    poller = poller_context(clip.project)  # before the card is read: a change in between comes with a poll
    task.refresh_from_db()  # a fast worker may already have moved it on
    context.update(
        cover_form=CoverForm(initial={"request_key": uuid.uuid4(), "title": clip.title}, clip=clip),
        task=task,
        poller=poller,
    )
    return render(request, "songs/partials/cover_created.html", context)


def _add_part_form(clip: Clip) -> AddPartForm:
    return AddPartForm(initial={"request_key": uuid.uuid4(), "title": clip.title, "part": "vocals"})


@login_required
@require_http_methods(["GET", "POST"])
def add_part_create(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Add vocals or an instrumental" to a user's own upload: a new card through the task pipeline.

    GET is the form itself, fetched when its box on the card is first opened.
    """
    clip = _editable_clip(request, uid, "add_parts")
    if clip.clip_type != "upload":
        raise Http404("Not offered here.")
    # The family fetches the audio from the studio: without an address it can reach, nothing can be made.
    blocked = (
        ""
        if uploads.upload_link_base()
        else _("This gateway cannot fetch uploads: set PUBLIC_BASE_URL to the studio's address.")
    )
    context = {"clip": clip, "project": clip.project, "open": True, "blocked": blocked}
    if request.method == "GET":
        return render(
            request, "songs/partials/add_part_form.html", {**context, "add_part_form": _add_part_form(clip)}
        )
    form = AddPartForm(request.POST)
    if form.is_valid() and blocked:
        form.add_error(None, blocked)
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = stems.add_part_request(
                clip=clip,
                user=request.user,
                vocals=data["part"] == "vocals",
                tags=data["tags"].strip(),
                title=data["title"].strip(),
                lyrics=data["lyrics"].strip(),
                negative_tags=data["negative_tags"].strip(),
                request_key=data["request_key"],
            )
        except (quotas.QuotaExceeded, features.FeatureMissing, stems.NotAnUpload) as exc:
            form.add_error(None, str(exc))
    if not form.is_valid():
        if not request.htmx:
            return toast(request, " ".join(str(e) for e in form.errors.values()), redirect_to=clip.project)
        return render(request, "songs/partials/add_part_form.html", {**context, "add_part_form": form})
    if not request.htmx:
        return redirect(clip.project)
    poller = poller_context(clip.project)  # before the card is read: a change in between comes with a poll
    task.refresh_from_db()  # a fast worker may already have moved it on
    context.update(add_part_form=_add_part_form(clip), task=task, poller=poller)
    return render(request, "songs/partials/add_part_created.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def persona_create(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Make a persona" from this clip's singer, for the clip's team; a worker makes it upstream.

    GET is the form itself, fetched when its box on the card is first opened.
    """
    clip = _editable_clip(request, uid, "persona")
    if request.method == "GET":
        form = PersonaForm(initial={"request_key": uuid.uuid4()})
        context = {"clip": clip, "persona_form": form, "open": True}
        return render(request, "songs/partials/persona_form.html", context)
    form = PersonaForm(request.POST)
    persona = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            persona = personas.persona_create(
                clip=clip,
                user=request.user,
                name=data["name"],
                description=data["description"],
                request_key=data["request_key"],
            )
        except (quotas.QuotaExceeded, features.FeatureMissing, personas.NotAPersonaSource) as exc:
            form.add_error(None, str(exc))
    if persona is None:
        if not request.htmx:
            return toast(request, " ".join(str(e) for e in form.errors.values()), redirect_to=clip.project)
        context = {"clip": clip, "persona_form": form, "open": True}
        return render(request, "songs/partials/persona_form.html", context)
    if not request.htmx:
        return redirect(clip.project)
    return render(request, "songs/partials/persona_state.html", {"persona": persona, "clip": clip})


@login_required
@require_GET
def persona_state(request: HttpRequest, pk: int) -> HttpResponse:
    """A persona's state (waiting, ready, failed and why), polled where it was asked. Team members only."""
    persona = Persona.objects.select_related("task", "source_clip").filter(pk=pk).first()
    if persona is None:
        raise Http404("No such persona.")
    selectors.team_for_user(user=request.user, pk=persona.team_id)
    return render(request, "songs/partials/persona_state.html", {"persona": persona})


@login_required
@require_POST
def boost_create(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Boost": save the request; the button area polls until the worker has the gateway's words."""
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    if not selectors.gateway_capabilities().boost:
        raise Http404("Not offered here.")
    form = BoostForm(request.POST)
    context = {"project": project}
    if not form.is_valid():
        return render(request, "songs/partials/boost.html", {**context, "error": form.errors["tags"][0]})
    try:
        style = boost.boost_request(project=project, user=request.user, tags=form.cleaned_data["tags"])
    except (features.FeatureMissing, boost.BoostLimited) as exc:
        return render(request, "songs/partials/boost.html", {**context, "error": str(exc)})
    context.update(boost=style, polls_left=BOOST_POLLS)
    return render(request, "songs/partials/boost.html", context)


@login_required
@require_GET
def boost_state(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    style = selectors.boost_for_user(user=request.user, uid=uid)
    try:
        left = max(0, min(BOOST_POLLS, int(request.GET.get("left", "0")) - 1))
    except ValueError:
        left = 0
    context = {"project": style.project, "boost": style, "polls_left": left}
    if style.status == style.Status.FAILED:
        context["error"] = boost.boost_reason(style)
    return render(request, "songs/partials/boost.html", context)
