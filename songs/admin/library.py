"""Clips (hide from sharing, trash filter), lyric drafts with their revisions, projects, uploads and likes."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from songs.admin.common import ReadOnlyAdmin, WideListMixin, report, when
from songs.models import (
    Clip,
    ClipLike,
    LyricDraft,
    LyricRevision,
    Project,
    Upload,
)
from songs.services import review

# --- clips, drafts, projects -----------------------------------------------------------------


class TrashedFilter(admin.SimpleListFilter):
    title = _("trashed")
    parameter_name = "trashed"

    def lookups(self, request, model_admin):
        return (("yes", _("Trashed")), ("no", _("Not trashed")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(trashed_at__isnull=self.value() == "no")
        return queryset


@admin.register(Clip)
class ClipAdmin(WideListMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "short_upstream_id",
        "status",
        "clip_type",
        "model_name",
        "seconds",
        "media_state",
        "is_hidden",
        "is_trashed",
        "task_link",
        "project",
        "created",
    )
    list_filter = ("status", "clip_type", "model_name", "media_state", "hidden_from_sharing", TrashedFilter)
    search_fields = ("upstream_id", "title", "tags", "project__name")
    list_select_related = ("project",)
    actions = ("hide_from_sharing", "allow_sharing")
    editable = ("hidden_from_sharing",)  # everything else comes from the gateway or the user
    raw_id_fields = ("project", "task", "parent")

    def has_add_permission(self, request) -> bool:
        return False  # clips come from the gateway

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in self.opts.concrete_fields if f.name not in self.editable]
        return ["task_link", *names]

    @admin.display(description=_("Upstream id"), ordering="upstream_id")
    def short_upstream_id(self, obj: Clip) -> str:
        # The whole id is in the tooltip and on the detail page; search matches it whole.
        return format_html('<span title="{}">{}…</span>', obj.upstream_id, obj.upstream_id[:8])

    @admin.display(description=_("Length"), ordering="duration")
    def seconds(self, obj: Clip) -> str:
        return "—" if obj.duration is None else f"{obj.duration:.1f} s"

    @admin.display(description=_("Hidden"), boolean=True, ordering="hidden_from_sharing")
    def is_hidden(self, obj: Clip) -> bool:
        return obj.hidden_from_sharing

    @admin.display(description=_("Created"), ordering="created_at")
    def created(self, obj: Clip) -> str:
        return when(obj.created_at)[:16]

    @admin.display(description=_("Task"), ordering="task")
    def task_link(self, obj: Clip) -> str:
        url = reverse("admin:songs_generationtask_change", args=[obj.task_id])
        return format_html('<a href="{}">#{}</a>', url, obj.task_id)

    @admin.display(description=_("Trashed"), boolean=True, ordering="trashed_at")
    def is_trashed(self, obj: Clip) -> bool:
        return obj.trashed_at is not None

    @admin.action(description=_("Hide from sharing"), permissions=["change"])
    def hide_from_sharing(self, request, queryset):
        hid = ngettext_lazy("Hid %(count)d clip: %(ids)s.", "Hid %(count)d clips: %(ids)s.", "count")
        report(self, request, review.clips_set_hidden(clips=queryset, hidden=True), hid)

    @admin.action(description=_("Allow sharing again"), permissions=["change"])
    def allow_sharing(self, request, queryset):
        outcome = review.clips_set_hidden(clips=queryset, hidden=False)
        report(
            self,
            request,
            outcome,
            ngettext_lazy(
                "Allowed sharing of %(count)d clip: %(ids)s.",
                "Allowed sharing of %(count)d clips: %(ids)s.",
                "count",
            ),
        )


class LyricRevisionInline(admin.TabularInline):
    model = LyricRevision
    extra = 0
    fields = ("number", "title", "note", "text", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LyricDraft)
class LyricDraftAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "project", "created_by", "task", "updated_at", "is_trashed")
    list_filter = (TrashedFilter,)
    search_fields = ("title", "text", "project__name", "created_by__username")
    list_select_related = ("project", "created_by", "task")
    fields = (
        "project",
        "title",
        "text",
        "prompt",
        "task",
        "created_by",
        "created_at",
        "updated_at",
        "trashed_at",
    )
    readonly_fields = fields
    inlines = (LyricRevisionInline,)

    @admin.display(description=_("Trashed"), boolean=True, ordering="trashed_at")
    def is_trashed(self, obj: LyricDraft) -> bool:
        return obj.trashed_at is not None


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "created_by", "created_at", "updated_at")
    search_fields = ("name", "team__name", "created_by__username")
    list_filter = (("team", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("team", "created_by")
    raw_id_fields = ("team", "created_by")


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "project", "user", "duration", "created_at")
    search_fields = ("original_name", "source_url", "project__name", "user__username")
    list_select_related = ("project", "user")
    readonly_fields = ("uid", "project", "user", "original_name", "source_url", "file", "duration", "sha256")


@admin.register(ClipLike)
class ClipLikeAdmin(ReadOnlyAdmin):
    list_display = ("user", "clip", "created_at")
    search_fields = ("user__username", "clip__title", "clip__upstream_id")
    list_select_related = ("user", "clip")
    readonly_fields = ("user", "clip", "created_at")
