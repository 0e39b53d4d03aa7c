"""{% load sharing %}: the share box of a clip card or of a project, without a query per card."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from songs import selectors
from songs.links import reverse_fast
from songs.models import Clip, Project

register = template.Library()


@register.simple_tag(takes_context=True)
def clip_share_box(context, clip, project) -> dict | None:
    """The box for one clip card. All live links of the project's clips are read once per request."""
    request = context.get("request")
    if request is None:  # rendered without a request: no user to share as
        return None
    links = _project_links(request, project).get(clip.pk, [])
    return share_box(request=request, project=project, clip=clip, links=links)


@register.simple_tag(takes_context=True)
def project_share_box(context, project) -> dict | None:
    request = context.get("request")
    if request is None:
        return None
    return share_box(request=request, project=project, links=_project_links(request, project).get(None, []))


def _project_links(request: HttpRequest, project: Project) -> dict:
    """The live links of a project and its clips, read once per request."""
    cache = request.__dict__.setdefault("_live_clip_shares", {})
    if project.pk not in cache:
        cache[project.pk] = selectors.live_clip_shares(project=project)
    return cache[project.pk]


def absolute_url(request: HttpRequest, path: str) -> str:
    # The address the visitor used: share links are pasted into chats from the browser's view.
    return request.build_absolute_uri(path)


def share_box(*, request: HttpRequest, project: Project, clip: Clip | None = None, links=None) -> dict:
    """Context for partials/share_box.html: the Share button, or the live link and what may be done.

    `project` is the clip's project (or the shared one), with `.membership` as the selectors attach it.
    """
    user = request.user
    if links is None:
        links = selectors.live_shares(clip=clip, project=None if clip is not None else project)
    link = selectors.pick_link(links, user=user)
    membership = getattr(project, "membership", None)
    if clip is not None:
        box = {"id": f"share-clip-{clip.pk}", "create_url": reverse_fast("songs:clip_share", clip.uid)}
    else:
        box = {
            "id": f"share-project-{project.pk}",
            "create_url": reverse("songs:project_share", args=[project.pk]),
        }
    return {
        **box,
        "kind": "clip" if clip is not None else "project",
        "hidden": clip is not None and clip.hidden_from_sharing,
        "link": link,
        "url": absolute_url(request, link.get_absolute_url()) if link else "",
        "mine": link is not None and link.created_by_id == user.pk,
        "can_revoke": link is not None
        and selectors.share_can_revoke(link=link, user=user, membership=membership),
    }


@register.filter
def public_lineage(clip: Clip, link) -> str:
    """The lineage line for a public page: the parent is named only when it could be shared itself (same
    project, finished, not in the trash, not hidden by staff); otherwise "an earlier clip"."""
    from songs.templatetags.studio import lineage

    parent = clip.parent
    shown = (
        parent is not None and parent.project_id == clip.project_id and selectors.clip_is_shareable(parent)
    )
    return lineage(clip, None if shown else _("an earlier clip"))
