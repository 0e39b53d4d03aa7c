from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from songs.models import Clip, GenerationTask, LyricDraft, Project


def _pretty(value) -> str:
    return format_html(
        "<pre style='white-space:pre-wrap;max-width:80ch'>{}</pre>",
        json.dumps(value, indent=2, ensure_ascii=False),
    )


class ClipInline(admin.TabularInline):
    model = Clip
    extra = 0
    fields = ("upstream_id", "title", "status", "duration", "media_state")
    readonly_fields = fields
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "created_by", "created_at", "updated_at")
    search_fields = ("name", "team__name", "created_by__username")
    list_filter = ("team",)
    raw_id_fields = ("team", "created_by")


@admin.register(GenerationTask)
class GenerationTaskAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "action",
        "mode",
        "status",
        "upstream_status",
        "user",
        "project",
        "attempts",
        "polls",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "action", "mode", "api_format", "created_at")
    search_fields = ("upstream_id", "clips__upstream_id", "user__username", "project__name")
    readonly_fields = (
        "request_pretty",
        "response_pretty",
        "upstream_id",
        "claim_token",
        "request_key",
        "submitted_at",
        "finished_at",
        "changed_at",
        "polls",
        "attempts",
    )
    exclude = ("request_payload", "last_response")
    raw_id_fields = ("project", "user", "parent_clip")
    inlines = [ClipInline]

    @admin.display(description="Request sent")
    def request_pretty(self, obj: GenerationTask) -> str:
        return _pretty(obj.request_payload)

    @admin.display(description="Last response")
    def response_pretty(self, obj: GenerationTask) -> str:
        return _pretty(obj.last_response)


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "upstream_id",
        "status",
        "clip_type",
        "duration",
        "media_state",
        "project",
        "created_at",
    )
    list_filter = ("status", "media_state", "clip_type", "model_name")
    search_fields = ("upstream_id", "title", "tags", "project__name")
    raw_id_fields = ("project", "task", "parent")
    readonly_fields = ("uid", "audio_sha256")


@admin.register(LyricDraft)
class LyricDraftAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "created_by", "updated_at")
    search_fields = ("title", "text", "project__name")
    raw_id_fields = ("project", "task", "created_by")
