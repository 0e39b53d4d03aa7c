"""{% load sharing %}: the share box of a clip card or of a project, without a query per card."""

from __future__ import annotations

from django import template

from songs import sharing

register = template.Library()


@register.simple_tag(takes_context=True)
def clip_share_box(context, clip, project) -> dict | None:
    """The box for one clip card. All live links of the project's clips are read once per request."""
    request = context.get("request")
    if request is None:  # rendered without a request: no user to share as
        return None
    cache = request.__dict__.setdefault("_live_clip_shares", {})
    if project.pk not in cache:
        cache[project.pk] = sharing.live_clip_shares(project=project)
    links = cache[project.pk].get(clip.pk, [])
    return sharing.share_box(request=request, project=project, clip=clip, links=links)


@register.simple_tag(takes_context=True)
def project_share_box(context, project) -> dict | None:
    request = context.get("request")
    return sharing.share_box(request=request, project=project) if request is not None else None
