from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from songs import catalog, reasons, selectors
from songs.links import reverse_fast, where
from songs.models import GenerationTask

register = template.Library()


@register.simple_tag(takes_context=True)
def fast_url(context, viewname: str, varying, *args) -> str:
    """``{% url %}`` for the links each row of a page draws (a clip's Like, downloads...), whose first
    argument changes from row to row: ``{% fast_url 'songs:clip_like' clip.uid %}``, the same address
    made from the view's pattern (songs.links.reverse_fast) at a fraction of reverse()'s cost."""
    rendering = context.render_context.dicts[0]  # the whole page's: where() is read once a page
    at = rendering.get(fast_url) or rendering.setdefault(fast_url, where())
    return reverse_fast(viewname, varying, *args, at=at)


@register.filter
def task_reason(task) -> str:
    """Why a task failed (or waits), in the reader's language; staff's English text when no code."""
    code, detail = task.reason_code, task.reason_detail
    return reasons.sentence(code, detail=detail, feature=detail) or reasons.scrub(task.fail_reason)


@register.filter
def media_reason(clip) -> str:
    return reasons.sentence(clip.media_reason, detail=clip.media_error) or reasons.scrub(clip.media_error)


@register.filter
def credits_cost(action: str) -> str:
    """What an action costs, said beside its button ("Free", "100 credits"), from the one cost table."""
    cost = catalog.COSTS[action]
    if not cost:
        return _("Free")
    return ngettext("%(cost)s credit", "%(cost)s credits", cost) % {"cost": cost}


@register.filter
def mmss(seconds) -> str:
    """62.9 -> "1:02"."""
    if seconds in (None, ""):
        return ""
    total = int(float(seconds))  # truncate, as audio players do, so the card and the player agree
    return f"{total // 60}:{total % 60:02d}"


@register.filter
def task_state_label(task) -> str:
    if task.status == "queued":
        return _("Waiting to send") if task.fail_reason else _("Queued")
    if task.status == "submitted":
        if not task.upstream_id:
            return _("Sending")
        if task.upstream_status in task.UPSTREAM_QUEUED:
            return _("Waiting in the gateway's queue")
        return _("Submitted")
    return _("Generating")


@register.filter
def task_heading(task) -> str:
    if task.action == "CONCAT" and task.parent_clip_id:
        return _("Whole song: %(title)s") % {"title": task.parent_clip.title or _("Untitled")}
    if task.action == "UPLOAD":
        return _("Upload: %(title)s") % {"title": task.upload.title if task.upload_id else _("audio")}
    return task.title or _("Untitled")


# What get_mode_display() says, without its ~50 µs a call (it rebuilds the choices' dict each time).
MODE_LABELS = dict(GenerationTask.Mode.choices)


@register.filter
def task_subtitle(task) -> str:
    payload = task.request_payload or {}
    if task.action == "UPLOAD":
        return _("Your own audio, ready to continue")
    if task.action == "CONCAT":
        return _("The chain joined into one song")
    # A model only where the request picked one of Suno's (ACE-Step makes every song with its own).
    model = payload.get("mv", "") if selectors.format_offers_model_choice(task.api_format) else ""
    parts = [str(MODE_LABELS.get(task.mode, task.mode)), model]
    if payload.get("tags"):
        parts.append(payload["tags"][:60])
    return " · ".join(p for p in parts if p)


@register.filter
def lineage(clip, parent_name: str | None = None) -> str:
    """How the clip came to be: "Continued from City Lights at 1:20" and the like.

    ``parent_name`` replaces the quoted parent title (a public page may not name a clip it hides)."""
    parent = clip.parent
    named = parent_name if parent_name is not None else f"“{parent.title or _('Untitled')}”" if parent else ""
    if clip.clip_type == "upload":
        return _("Uploaded by you")
    if clip.clip_type == "concat_infilling" and parent:
        section = getattr(clip, "stitched_from", None) or parent
        payload = section.task.request_payload or {}
        start, end = payload.get("infill_start_s"), payload.get("infill_end_s")
        if start is not None and end is not None:
            return _("Whole song with %(start)s–%(end)s replaced") % {"start": mmss(start), "end": mmss(end)}
        return _("Whole song with a section replaced")
    if clip.clip_type in ("concat", "concat_infilling") and parent:
        return _("Whole song, ending with %(clip)s") % {"clip": named}
    if parent and clip.is_infill:
        payload = clip.task.request_payload or {}
        start, end = payload.get("infill_start_s"), payload.get("infill_end_s")
        if start is not None and end is not None:
            span = {"start": mmss(start), "end": mmss(end), "clip": named}
            return _("Replaces %(start)s–%(end)s of %(clip)s") % span
        return _("Replaces part of %(clip)s") % {"clip": named}
    if parent and clip.continue_at is not None:
        return _("Continued from %(clip)s at %(at)s") % {"clip": named, "at": mmss(clip.continue_at)}
    return ""


@register.simple_tag
def chain_summary(clip) -> str:
    """ "0:00–1:20 City Lights → 1:20–2:50 City Lights = 2:50": where each part sits in the whole song.

    Uses ``clip.chain`` when the page worked chains out in one query (selectors.attach_chains).
    """
    chain = getattr(clip, "chain", None)
    if chain is None:
        from songs.selectors import clip_chain

        chain = [
            {"continue_at": c.continue_at, "duration": c.duration, "title": c.title}
            for c in clip_chain(clip=clip)
        ]
    if len(chain) < 2 or clip.is_infill:
        return ""
    parts, start = [], 0.0
    for part, following in zip(chain, [*chain[1:], None], strict=True):
        # continue_at is a time in the continued clip's own audio, which starts at its own 0:00.
        end = start + (following["continue_at"] if following else (part["duration"] or 0))
        parts.append(f"{mmss(start)}–{mmss(end)} {part['title'] or _('Untitled')}")
        start = end
    return " → ".join(parts) + f" = {mmss(start)}"
