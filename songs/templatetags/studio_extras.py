"""Template helpers for a clip's extras: its stems, what it covers, the team's personas."""

from __future__ import annotations

import uuid

from django import template

from songs import selectors
from songs.models import Persona

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


@register.filter
def sung_by(clip) -> str:
    """The persona's name a clip was sung as, "" for none."""
    payload = clip.task.request_payload or {}
    if payload.get("task") != "artist_consistency":
        return ""
    persona = Persona.objects.filter(upstream_id=payload.get("persona_id") or "-").first()
    return persona.name if persona else ""


@register.simple_tag
def uuid_key() -> str:
    """A fresh request key for a small form: the same click sent twice makes one request."""
    return str(uuid.uuid4())
