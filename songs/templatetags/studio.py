from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def mmss(seconds) -> str:
    """62.4 -> "1:02"."""
    if seconds in (None, ""):
        return ""
    total = int(round(float(seconds)))
    return f"{total // 60}:{total % 60:02d}"


@register.filter
def task_state_label(task) -> str:
    if task.status == "queued":
        return "Waiting to send" if task.fail_reason else "Queued"
    if task.status == "submitted":
        return "Sending" if not task.upstream_id else "Submitted"
    return "Generating"
