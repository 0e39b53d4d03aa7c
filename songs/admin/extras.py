"""Personas and style boosts, for staff: what was asked, its state, and why it failed."""

from __future__ import annotations

from django.contrib import admin

from songs.admin.common import ReadOnlyAdmin
from songs.models import Persona, StyleBoost


@admin.register(Persona)
class PersonaAdmin(ReadOnlyAdmin):
    list_display = ("name", "team", "state", "upstream_id", "source_clip", "created_by", "created_at")
    list_select_related = ("team", "task", "source_clip", "created_by")
    search_fields = ("name", "upstream_id", "source_clip__upstream_id")
    list_filter = ("created_at",)

    @admin.display(description="State")
    def state(self, obj: Persona) -> str:
        if obj.is_ready:
            return "ready"
        return obj.task.status if obj.task_id else "no request"


@admin.register(StyleBoost)
class StyleBoostAdmin(ReadOnlyAdmin):
    list_display = ("original_tags", "status", "reason_code", "project", "user", "created_at")
    list_select_related = ("project", "user")
    list_filter = ("status", "created_at")
    search_fields = ("original_tags", "upsampled_tags")
