"""What a user does with a clip (whole song, stitch back, downloads) and with their own audio (uploads)."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from songs import media, quotas, selectors, services, uploads
from songs.context_processors import gateway_capabilities
from songs.forms import UploadForm
from songs.models import GenerationTask, Role
from songs.views import detail_context, poller_context, song_form
from studio.ranged import ranged_file_response


def _new_card(request: HttpRequest, task: GenerationTask, project, **extra) -> HttpResponse:
    """The new request's card, put on top of the list, and the poller started."""
    if not request.htmx:
        return redirect(project)
    task.refresh_from_db()  # a fast worker may already have moved it on
    context = {"task": task, "project": project, "poller": poller_context(project), **extra}
    return render(request, "songs/partials/card_added.html", context)


@login_required
@require_POST
def whole_song(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Get whole song": concat the chain that ends at this clip."""
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    caps = gateway_capabilities()
    if not clip.is_chain_end or not caps.concat or (clip.is_infill and not caps.infill):
        raise Http404("Nothing to join.")
    try:
        task = services.concat_request(clip=clip, user=request.user, is_infill=clip.is_infill)
    except quotas.QuotaExceeded as exc:
        return toast(request, str(exc), redirect_to=clip.project)
    return _new_card(request, task, clip.project)


def toast(request: HttpRequest, message: str, *, redirect_to) -> HttpResponse:
    """A refusal shown where the user is: a toast for htmx, a flash message otherwise."""
    if not request.htmx:
        messages.error(request, message)
        return redirect(redirect_to)
    return render(request, "songs/partials/toast.html", {"message": message})


@login_required
@require_POST
def upload_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    form = UploadForm(request.POST, request.FILES)
    if not uploads.upload_link_base():
        form.add_error(
            None, "This gateway cannot fetch uploads: set PUBLIC_BASE_URL to the studio's address."
        )
    if not gateway_capabilities().upload:
        form.add_error(None, "This gateway does not take uploads.")
    if form.is_valid():
        try:
            task = uploads.upload_create(
                project=project,
                user=request.user,
                file=form.cleaned_data["file"],
                url=form.cleaned_data["url"] or "",
                request_key=form.cleaned_data["request_key"],
            )
        except quotas.QuotaExceeded as exc:
            form.add_error(None, str(exc))
    if not form.is_valid():
        if request.htmx:
            return render(
                request, "songs/partials/upload_panel.html", {"upload_form": form, "project": project}
            )
        return render(
            request,
            "songs/project_detail.html",
            detail_context(project, song_form(project), upload_form=form),
        )
    return _new_card(
        request,
        task,
        project,
        upload_form=UploadForm(initial={"request_key": uuid.uuid4()}),
        with_upload_panel=True,
    )


@require_GET
def upload_public(request: HttpRequest, token: str) -> HttpResponse:
    """The signed, expiring link the gateway fetches an upload from. No login: the token is the key."""
    upload = uploads.upload_from_token(token)
    if upload is None:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / upload.file.name
    if not path.is_file():
        raise Http404
    return ranged_file_response(request, path, content_type="audio/mpeg")


# kind -> (model field, content type, file extension)
MEDIA_KINDS = {
    "audio": ("audio_file", "audio/mpeg", "mp3"),
    "cover": ("image_file", "image/jpeg", "jpeg"),
    "video": ("video_file", "video/mp4", "mp4"),
}


@login_required
@require_GET
def clip_media(request: HttpRequest, uid: uuid.UUID, kind: str) -> HttpResponse:
    """Our stored copy of a clip's media, for the clip's owners only, with Range for seeking."""
    clip = selectors.clip_for_user(user=request.user, uid=uid)
    if kind == "wav":
        if not clip.audio_file:
            raise Http404("Not stored yet.")
        path, content_type, ext = media.clip_wav_path(clip=clip), "audio/wav", "wav"
    elif kind in MEDIA_KINDS:
        field, content_type, ext = MEDIA_KINDS[kind]
        stored = getattr(clip, field)
        if not stored:
            raise Http404("Not stored yet.")
        path = Path(settings.MEDIA_ROOT) / stored.name
    else:
        raise Http404
    if not path.is_file():
        raise Http404
    download = request.GET.get("download") == "1" or kind == "wav"
    response = ranged_file_response(
        request,
        path,
        content_type=content_type,
        filename=f"{clip.title or 'clip'}.{ext}",
        as_attachment=download,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
