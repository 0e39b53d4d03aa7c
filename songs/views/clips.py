"""What a user does with a clip (whole song, stitch back, downloads) and with their own audio (uploads)."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from songs import export, media, selectors
from songs.forms import UploadForm
from songs.models import Role
from songs.services import copies, features, quotas, requests, uploads
from songs.views.common import MEDIA_KINDS, detail_context, new_card, poller_context, song_form, toast


@login_required
@require_POST
def whole_song(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Get whole song": concat the chain that ends at this clip."""
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    caps = selectors.gateway_capabilities()
    if not clip.is_chain_end or not caps.concat or (clip.is_infill and not caps.infill):
        raise Http404("Nothing to join.")
    try:
        if clip.is_infill:  # again, after a stitch that failed: drawn on the section's own card
            task = requests.stitch_request(fragment=clip, user=request.user, retry=True)
        else:
            task = requests.concat_request(clip=clip, user=request.user)
    except (quotas.QuotaExceeded, features.FeatureMissing) as exc:
        return toast(request, str(exc), redirect_to=clip.project)
    if clip.is_infill:
        if not request.htmx:
            return redirect(clip.project)
        poller = poller_context(clip.project)  # before the card is read, as in clip_media_retry
        context = {"task": selectors.clip_card(clip=clip), "project": clip.project, "poller": poller}
        return render(request, "songs/partials/card_updated.html", context)
    return new_card(request, task, clip.project)


@login_required
@require_POST
def upload_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    form = UploadForm(request.POST, request.FILES)
    if not uploads.upload_link_base():
        form.add_error(
            None, _("This gateway cannot fetch uploads: set PUBLIC_BASE_URL to the studio's address.")
        )
    if not selectors.gateway_capabilities().upload:
        form.add_error(None, _("This gateway does not take uploads."))
    if form.is_valid():
        try:
            task = uploads.upload_create(
                project=project,
                user=request.user,
                file=form.cleaned_data["file"],
                url=form.cleaned_data["url"] or "",
                request_key=form.cleaned_data["request_key"],
            )
        except (quotas.QuotaExceeded, features.FeatureMissing) as exc:
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
    return new_card(
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
    # The bytes themselves, also from a bucket: a gateway may refuse a redirect off the studio's address.
    return media.media_response(request, upload.file.name, content_type="audio/mpeg", redirect=False)


@login_required
@require_GET
def clip_media(request: HttpRequest, uid: uuid.UUID, kind: str) -> HttpResponse:
    """Our stored copy of a clip's media, for the clip's owners only (signed redirect, proxy or Range)."""
    clip = selectors.clip_for_user(user=request.user, uid=uid)
    if kind == "wav":
        if not clip.audio_file:
            raise Http404("Not stored yet.")
        if not copies.clip_wav_ready(clip=clip):
            # Made by a worker, never in this request: the page below asks again until it is there.
            copies.clip_wav_request(clip=clip)
            response = render(request, "songs/partials/wav_preparing.html", {"clip": clip}, status=202)
            response["Refresh"] = "3"
            response["Cache-Control"] = "no-store"
            return response
        name, content_type, ext = clip.wav_file.name, "audio/wav", "wav"
    elif kind in MEDIA_KINDS:
        field, content_type, ext = MEDIA_KINDS[kind]
        name = getattr(clip, field).name
    else:
        raise Http404
    download = request.GET.get("download") == "1" or kind == "wav"
    response = media.media_response(
        request,
        name,
        content_type=content_type,
        filename=export.download_name(clip.title, ext),
        as_attachment=download,
    )
    response.setdefault("Cache-Control", "private, max-age=3600")
    return response


@login_required
@require_POST
def clip_media_retry(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Try again" on a clip whose copy failed: the card shows it downloading and the page polls again."""
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    copies.clip_media_retry(clip=clip)
    if not request.htmx:
        return redirect(clip.project)
    poller = poller_context(clip.project)  # before the card is read: a change in between comes with a poll
    task = selectors.clip_card(clip=clip)
    context = {"task": task, "project": clip.project, "poller": poller}
    return render(request, "songs/partials/card_updated.html", context)
