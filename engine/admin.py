from django.contrib import admin

from engine.models import EngineClip, EnginePersona, EngineTask


class EngineClipInline(admin.TabularInline):
    model = EngineClip
    extra = 0
    fields = ("id", "index", "status", "title", "mv", "seed", "video_pending", "has_video")
    readonly_fields = fields


@admin.register(EngineTask)
class EngineTaskAdmin(admin.ModelAdmin):
    list_display = ("id", "action", "status", "progress", "created_at")
    list_filter = ("action", "status")
    search_fields = ("id",)
    readonly_fields = ("key_fingerprint",)
    inlines = [EngineClipInline]


@admin.register(EnginePersona)
class EnginePersonaAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "root_clip", "is_public", "created_at")
    search_fields = ("id", "name")
    readonly_fields = ("key_fingerprint", "root_clip", "clip_ids", "voice")
