"""Display helpers and base classes shared by the studio's admin pages."""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from songs.services import review

# --- display helpers ------------------------------------------------------------------------


def secrets() -> list[str]:
    names = ("SUNO_API_KEY", "ENGINE_API_KEY", "SUNO_GATEWAY_KEY")
    return [value for name in names if (value := getattr(settings, name, ""))]


def pretty(value) -> str:
    """JSON, indented, with any key we hold blanked out in case a gateway ever echoes one back."""
    if value is None:
        return "—"
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    for secret in secrets():
        text = text.replace(secret, "[redacted]")
    return format_html("<pre style='white-space:pre-wrap;max-width:90ch;margin:0'>{}</pre>", text)


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "—"
    seconds = max((end - start).total_seconds(), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def admin_link(obj, text: str | None = None) -> str:
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


def ids(pks: list[int]) -> str:
    shown = ", ".join(f"#{pk}" for pk in pks[:10])
    return shown + (_(" and %(more)d more") % {"more": len(pks) - 10} if len(pks) > 10 else "")


def report(modeladmin: admin.ModelAdmin, request, outcome: review.Outcome, done) -> None:
    """One message for what was done, one per reason for what was skipped.

    ``done`` is an ngettext_lazy(..., "count") message with %(count)d and %(ids)s."""
    count = len(outcome.done)
    if count:
        modeladmin.message_user(request, done % {"count": count, "ids": ids(outcome.done)}, messages.SUCCESS)
    for why, pks in outcome.skipped.items():
        text = _("Skipped %(count)d (%(ids)s): %(why)s.") % {
            "count": len(pks),
            "ids": ids(pks),
            "why": why.rstrip("."),
        }
        modeladmin.message_user(request, text, messages.WARNING)
    if not count and not outcome.skipped:
        modeladmin.message_user(request, _("Nothing was selected."), messages.WARNING)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the system writes: staff look, and act through actions. Deleting is for superusers."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_review_permission(self, request) -> bool:
        """Actions need the real change permission even though the form is view-only."""
        meta = self.opts
        return request.user.has_perm(f"{meta.app_label}.change_{meta.model_name}")


class WideListMixin:
    """A wide list gets the whole page; the site menu is one click away in the breadcrumbs."""

    def changelist_view(self, request, extra_context=None):
        extra_context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, extra_context)


def when(at: datetime | None) -> str:
    if at is None:
        return "—"
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
