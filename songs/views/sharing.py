"""Public share links: making and stopping them in the studio, and the public pages and media they open."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from songs import export, media, selectors
from songs.models import Role, ShareLink
from songs.services import sharing
from songs.templatetags.sharing import absolute_url, share_box
from songs.templatetags.studio import mmss
from songs.views.common import MEDIA_KINDS, page_of, toast

SHARE_KINDS = ("audio", "cover", "video")  # never the WAV: a link plays, it does not hand out masters
# A shared project's page plays its newest songs a page at a time: its size does not grow with the project.
SHARED_SONGS_PER_PAGE = 20


def _box(request: HttpRequest, *, project, clip=None, message: str = "") -> HttpResponse:
    """The share box again (htmx), or back to the project page with a note."""
    box = share_box(request=request, project=project, clip=clip)
    if not request.htmx:
        if message:
            messages.success(request, f"{message} {box['url']}".strip())
        return redirect(project)
    return render(request, "songs/partials/share_box.html", {"share": box})


def _refuse(request: HttpRequest, message: str, *, redirect_to) -> HttpResponse:
    response = toast(request, message, redirect_to=redirect_to)
    if request.htmx:
        response["HX-Reswap"] = "none"  # keep the box as it is; the toast says why
    return response


@login_required
@require_POST
def clip_share(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    clip = selectors.clip_for_user(user=request.user, uid=uid, role=Role.EDITOR)
    try:
        sharing.share_create(user=request.user, clip=clip)
    except ValidationError as exc:
        return _refuse(request, exc.messages[0], redirect_to=clip.project)
    clip.project.membership = clip.membership
    return _box(request, project=clip.project, clip=clip, message=_("Anyone with this link can listen:"))


@login_required
@require_POST
def project_share(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.EDITOR)
    sharing.share_create(user=request.user, project=project)
    return _box(request, project=project, message=_("Anyone with this link can listen:"))


@login_required
@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.share_link_for_user(user=request.user, pk=pk)  # 404 for outsiders
    sharing.share_revoke(link=link, user=request.user)  # 403 unless its creator or an owner
    if link.clip_id:
        link.clip.project.membership = link.clip.membership
        gone = _("The link no longer works.")
        return _box(request, project=link.clip.project, clip=link.clip, message=gone)
    return _box(request, project=link.project, message=_("The link no longer works."))


# --- public: no login, the token is the key ------------------------------------------------------


def _live_link(token: str) -> ShareLink:
    link = selectors.share_for_token(token)
    if link is None:
        raise Http404("No such link.")  # unknown and revoked look alike
    return link


def _media_url(request: HttpRequest, link: ShareLink, clip, kind: str) -> str:
    return absolute_url(request, reverse("songs:share_media", args=[link.token, clip.uid, kind]))


def _media(request: HttpRequest, link: ShareLink, clip) -> dict:
    """Absolute addresses of a clip's stored media through this link (players and preview tags)."""
    return {
        "cover_url": _media_url(request, link, clip, "cover") if clip.image_file else "",
        "audio_url": _media_url(request, link, clip, "audio") if clip.audio_file else "",
        "video_url": _media_url(request, link, clip, "video") if clip.video_file else "",
    }


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"  # unlisted: for whoever was given the link, not for search
    return response


@require_GET
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    link = _live_link(token)
    if link.clip_id:
        clip = selectors.shared_clip(link=link, uid=link.clip.uid)
        if clip is None:
            raise Http404("Not shared.")
        description = " · ".join(p for p in (clip.tags.strip(), mmss(clip.duration)) if p)
        title = clip.title or _("Untitled")
        context = {
            "link": link,
            "clip": clip,
            "description": description,
            **_media(request, link, clip),
            "share_title": title,
            "og_type": "music.song",
            "image_alt": _("Cover of %(title)s") % {"title": title},
        }
        context["page_url"] = absolute_url(request, link.get_absolute_url())
        return _public(render(request, "songs/share_clip.html", context))
    songs, total = selectors.shared_clips_summary(link=link)
    clips = page_of(request, selectors.shared_clips(link=link), per_page=SHARED_SONGS_PER_PAGE)
    for clip in clips:
        clip.share = _media(request, link, clip)
    lead = next((c for c in clips if c.image_file), clips[0] if clips else None)
    count = ngettext("%(count)d song", "%(count)d songs", songs) % {"count": songs}
    context = {
        "link": link,
        "project": link.project,
        "clips": clips,
        "description": f"{count} · {mmss(total)}" if songs else _("No songs yet"),
        **(lead.share if lead else {}),
        "page_url": absolute_url(request, link.get_absolute_url()),
        "share_title": link.project.name,
        "og_type": "website",
        "image_alt": _("Cover art from %(project)s") % {"project": link.project.name},
    }
    return _public(render(request, "songs/share_project.html", context))


@require_GET
def share_media(request: HttpRequest, token: str, uid: uuid.UUID, kind: str) -> HttpResponse:
    """A shared clip's stored audio, cover or video, with Range, as clip_media serves it to members."""
    link = _live_link(token)
    clip = selectors.shared_clip(link=link, uid=uid)
    if clip is None or kind not in SHARE_KINDS:
        raise Http404
    field, content_type, ext = MEDIA_KINDS[kind]
    response = media.media_response(
        request,
        getattr(clip, field).name,
        content_type=content_type,
        filename=export.download_name(clip.title, ext),
    )
    # Not for shared caches: a revoked link must stop working everywhere, not only here.
    response.setdefault("Cache-Control", "private, max-age=300")
    return _public(response)
