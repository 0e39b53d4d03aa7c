"""Template helpers for a clip's extras: its stems, what it covers, the team's personas."""

from __future__ import annotations

from django import template

from songs import selectors

register = template.Library()


@register.simple_tag
def team_personas(team):
    """The team's personas, for the team page (one query)."""
    return list(selectors.team_personas(team=team))


@register.filter
def latest_stems(clip):
    """The clip's newest stems request (prefetched by the project page), or None."""
    requests = getattr(clip, "stem_requests", None) or []
    return requests[0] if requests else None


@register.filter
def stem_part(clip) -> str:
    """ "vocals" or "instrumental", from the stem's title (the reference's "<title> - Vocals")."""
    return "vocals" if clip.title.rstrip().lower().endswith("vocals") else "instrumental"
