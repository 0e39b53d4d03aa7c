"""Staff review in the Django admin (staff only: the admin site itself requires is_staff).

Generation tasks are read-only records of what the system did; staff act on them with the
actions (poll now, retry a failed request, cancel with a reason), each a thin call into
songs/services/review.py. Clips can be hidden from sharing, share links revoked, and team quotas
(daily_credits) are edited in the Teams list, next to what each team used today.

The background queue is django-q2's own admin, under "Django Q" on /admin/: Queued tasks
(waiting for a worker), Successful tasks, Failed tasks and Scheduled tasks (the minutely poll cycle).
"""

from __future__ import annotations

import json
from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from songs import selectors
from songs.models import (
    Clip,
    ClipLike,
    GenerationTask,
    Invite,
    LyricDraft,
    LyricRevision,
    Membership,
    Project,
    ShareLink,
    Team,
    Upload,
)
from songs.services import review

# --- display helpers ------------------------------------------------------------------------


def _secrets() -> list[str]:
    names = ("SUNO_API_KEY", "ENGINE_API_KEY", "SUNO_GATEWAY_KEY")
    return [value for name in names if (value := getattr(settings, name, ""))]


def _pretty(value) -> str:
    """JSON, indented, with any key we hold blanked out in case a gateway ever echoes one back."""
    if value is None:
        return "—"
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    for secret in _secrets():
        text = text.replace(secret, "[redacted]")
    return format_html("<pre style='white-space:pre-wrap;max-width:90ch;margin:0'>{}</pre>", text)


def _duration(start: datetime | None, end: datetime | None) -> str:
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


def _admin_link(obj, text: str | None = None) -> str:
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


def _ids(pks: list[int]) -> str:
    shown = ", ".join(f"#{pk}" for pk in pks[:10])
    return shown + (f" and {len(pks) - 10} more" if len(pks) > 10 else "")


def _report(modeladmin: admin.ModelAdmin, request, outcome: review.Outcome, did: str, noun: str) -> None:
    """One message for what was done, one per reason for what was skipped."""
    count = len(outcome.done)
    if count:
        plural = noun if count == 1 else f"{noun}s"
        modeladmin.message_user(request, f"{did} {count} {plural}: {_ids(outcome.done)}.", messages.SUCCESS)
    for why, pks in outcome.skipped.items():
        text = f"Skipped {len(pks)} ({_ids(pks)}): {why.rstrip('.')}."
        modeladmin.message_user(request, text, messages.WARNING)
    if not count and not outcome.skipped:
        modeladmin.message_user(request, "Nothing was selected.", messages.WARNING)


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


# --- generation tasks -----------------------------------------------------------------------


class ClipInline(admin.TabularInline):
    model = Clip
    fk_name = "task"
    extra = 0
    fields = ("upstream_id", "title", "status", "duration", "media_state", "hidden_from_sharing")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=review.CANCEL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown to the user as the task's failure reason, after “Cancelled by staff (you):”.",
    )


@admin.register(GenerationTask)
class GenerationTaskAdmin(WideListMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "short_title",
        "status",
        "action",
        "mode",
        "api",
        "team",
        "user",
        "tries",
        "polls",
        "cost",
        "time_queued",
        "time_upstream",
        "time_total",
        "created",
    )
    list_display_links = ("id", "short_title")
    list_filter = (
        "status",
        "action",
        "mode",
        "api_format",
        ("project__team", admin.RelatedOnlyFieldListFilter),
        ("user", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    date_hierarchy = "created_at"
    # Ids are matched exactly (they are indexed and always pasted whole); names by substring.
    search_fields = ("=upstream_id", "=clips__upstream_id", "user__username", "project__name")
    search_help_text = "An upstream task id or clip id (exact), a username or a project name."
    list_select_related = ("project__team", "user")
    list_per_page = 50
    actions = ("poll_now", "retry_failed", "cancel_tasks")
    inlines = (ClipInline,)
    readonly_fields = (
        "project",
        "user",
        "action",
        "mode",
        "api_format",
        "status",
        "upstream_status",
        "progress",
        "fail_reason",
        "cost",
        "timeline",
        "upstream_id",
        "attempts",
        "polls",
        "next_poll_at",
        "claim_token",
        "request_key",
        "request_pretty",
        "response_pretty",
        "parent_clip",
        "continue_at",
        "upload",
        "retry_of",
        "retries_list",
        "created_at",
        "submitted_at",
        "finished_at",
        "changed_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("project", "user"),
                    ("action", "mode", "api_format"),
                    ("status", "upstream_status", "progress"),
                    "fail_reason",
                    "cost",
                )
            },
        ),
        ("Timeline", {"fields": ("timeline",)}),
        ("Gateway", {"fields": ("upstream_id", ("attempts", "polls"), "next_poll_at", "claim_token")}),
        ("Request sent and last response", {"fields": ("request_pretty", "response_pretty")}),
        ("Related", {"fields": ("parent_clip", "continue_at", "upload", "retry_of", "retries_list")}),
        (
            "Times",
            {
                "classes": ("collapse",),
                "fields": ("created_at", "submitted_at", "finished_at", "changed_at", "request_key"),
            },
        ),
    )

    # --- columns

    @admin.display(description="Title")
    def short_title(self, obj: GenerationTask) -> str:
        title = Truncator(obj.title or "—").chars(40)
        return f"{title} (retry of #{obj.retry_of_id})" if obj.retry_of_id else title

    @admin.display(description="API", ordering="api_format")
    def api(self, obj: GenerationTask) -> str:
        return obj.api_format

    @admin.display(description="Tries", ordering="attempts")
    def tries(self, obj: GenerationTask) -> int:
        return obj.attempts

    @admin.display(description="Created", ordering="created_at")
    def created(self, obj: GenerationTask) -> str:
        day, clock = _when(obj.created_at).split()
        return format_html("{}<br>{}", day, clock[:5])

    @admin.display(description="Team", ordering="project__team__name")
    def team(self, obj: GenerationTask):
        return obj.project.team

    @admin.display(description="Queued")
    def time_queued(self, obj: GenerationTask) -> str:
        """Saved until the gateway accepted it (or until it failed without being accepted)."""
        end = obj.submitted_at or obj.finished_at or (timezone.now() if obj.is_pending else None)
        return _duration(obj.created_at, end)

    @admin.display(description="At gateway")
    def time_upstream(self, obj: GenerationTask) -> str:
        if obj.submitted_at is None:
            return "—"
        return _duration(obj.submitted_at, obj.finished_at or timezone.now())

    @admin.display(description="Total")
    def time_total(self, obj: GenerationTask) -> str:
        return _duration(obj.created_at, obj.finished_at or timezone.now())

    # --- detail fields

    @admin.display(description="Request sent")
    def request_pretty(self, obj: GenerationTask) -> str:
        return _pretty(obj.request_payload)

    @admin.display(description="Last response")
    def response_pretty(self, obj: GenerationTask) -> str:
        return _pretty(obj.last_response)

    @admin.display(description="Retried as")
    def retries_list(self, obj: GenerationTask) -> str:
        retries = list(obj.retries.order_by("pk"))
        if not retries:
            return "—"
        return format_html_join(", ", "{}", ((_admin_link(r),) for r in retries))

    @admin.display(description="Created → Sent → Finished")
    def timeline(self, obj: GenerationTask) -> str:
        stats = f"{obj.attempts} submit attempt(s), {obj.polls} poll(s)"
        return format_html(
            "<table>{}</table><p>{}</p>",
            format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", _timeline_rows(obj)),
            stats,
        )

    # --- actions

    @admin.action(description="Poll now (wake a worker; no gateway call from here)", permissions=["review"])
    def poll_now(self, request, queryset):
        outcome = review.tasks_poll_now(tasks=queryset)
        _report(self, request, outcome, "Queued a poll for", "task")

    @admin.action(
        description="Retry failed requests (a new task each; the old one is kept)", permissions=["review"]
    )
    def retry_failed(self, request, queryset):
        outcome = review.tasks_retry(tasks=queryset)
        _report(self, request, outcome, "Created", "retry task")

    @admin.action(description="Cancel (fail with a reason; credits are refunded)", permissions=["review"])
    def cancel_tasks(self, request, queryset):
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            outcome = review.tasks_cancel(tasks=queryset, by=request.user, reason=form.cleaned_data["reason"])
            _report(self, request, outcome, "Cancelled", "task")
            return None  # back to the list, with the messages
        pending = queryset.filter(status__in=GenerationTask.PENDING).select_related("project__team", "user")
        if not pending.exists():
            self.message_user(
                request, "None of the selected tasks is pending: nothing to cancel.", messages.WARNING
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel generation tasks",
            "opts": self.opts,
            "form": form,
            "pending": pending,
            "selected": queryset.values_list("pk", flat=True),
            "finished_count": queryset.exclude(status__in=GenerationTask.PENDING).count(),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/songs/cancel_tasks.html", context)


def _timeline_rows(obj: GenerationTask) -> list[tuple[str, str, str]]:
    """Created → Sent → Finished, each with its time and how long the step before it took."""
    created, sent, finished = obj.created_at, obj.submitted_at, obj.finished_at
    if sent:
        sent_note = f"after {_duration(created, sent)} queued"
    else:
        sent_note = "not accepted by the gateway" + (" yet" if obj.is_pending else "")
    if finished:
        where = "at the gateway" if sent else "queued"
        finished_note = f"{obj.get_status_display()} after {_duration(sent or created, finished)} {where}"
    else:
        finished_note = f"still {obj.get_status_display().lower()}"
    total = _duration(created, finished or timezone.now()) + ("" if finished else " so far")
    return [
        ("Created", _when(created), "saved by the studio"),
        ("Sent", _when(sent), sent_note),
        ("Finished", _when(finished), finished_note),
        ("Total", "", total),
    ]


def _when(at: datetime | None) -> str:
    if at is None:
        return "—"
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


# --- clips, drafts, projects -----------------------------------------------------------------


class TrashedFilter(admin.SimpleListFilter):
    title = "trashed"
    parameter_name = "trashed"

    def lookups(self, request, model_admin):
        return (("yes", "Trashed"), ("no", "Not trashed"))

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

    @admin.display(description="Upstream id", ordering="upstream_id")
    def short_upstream_id(self, obj: Clip) -> str:
        # The whole id is in the tooltip and on the detail page; search matches it whole.
        return format_html('<span title="{}">{}…</span>', obj.upstream_id, obj.upstream_id[:8])

    @admin.display(description="Length", ordering="duration")
    def seconds(self, obj: Clip) -> str:
        return "—" if obj.duration is None else f"{obj.duration:.1f} s"

    @admin.display(description="Hidden", boolean=True, ordering="hidden_from_sharing")
    def is_hidden(self, obj: Clip) -> bool:
        return obj.hidden_from_sharing

    @admin.display(description="Created", ordering="created_at")
    def created(self, obj: Clip) -> str:
        return _when(obj.created_at)[:16]

    @admin.display(description="Task", ordering="task")
    def task_link(self, obj: Clip) -> str:
        url = reverse("admin:songs_generationtask_change", args=[obj.task_id])
        return format_html('<a href="{}">#{}</a>', url, obj.task_id)

    @admin.display(description="Trashed", boolean=True, ordering="trashed_at")
    def is_trashed(self, obj: Clip) -> bool:
        return obj.trashed_at is not None

    @admin.action(description="Hide from sharing", permissions=["change"])
    def hide_from_sharing(self, request, queryset):
        _report(self, request, review.clips_set_hidden(clips=queryset, hidden=True), "Hid", "clip")

    @admin.action(description="Allow sharing again", permissions=["change"])
    def allow_sharing(self, request, queryset):
        outcome = review.clips_set_hidden(clips=queryset, hidden=False)
        _report(self, request, outcome, "Allowed sharing of", "clip")


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

    @admin.display(description="Trashed", boolean=True, ordering="trashed_at")
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


# --- teams and sharing ----------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


class PersonalFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("personal", "Personal"), ("shared", "Shared"))

    def queryset(self, request, queryset):
        if self.value() in ("personal", "shared"):
            return queryset.filter(personal_for__isnull=self.value() == "shared")
        return queryset


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "personal_for", "daily_credits", "credits_used_today", "created_at")
    list_editable = ("daily_credits",)  # where staff set quotas
    list_filter = (PersonalFilter,)
    search_fields = ("name", "personal_for__username", "memberships__user__username")
    list_select_related = ("personal_for",)
    raw_id_fields = ("personal_for",)
    readonly_fields = ("credits_used_today", "created_at")
    fields = ("name", "personal_for", "daily_credits", "credits_used_today", "created_at")
    inlines = (MembershipInline,)

    def get_queryset(self, request):
        # The quota's own rule, as one annotation for the whole page (not one query per team).
        return selectors.with_credits_used_today(super().get_queryset(request))

    @admin.display(description="Credits used today (UTC)", ordering="credits_used_today")
    def credits_used_today(self, obj: Team) -> int:
        return obj.credits_used_today


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "team__name")
    list_select_related = ("user", "team")
    raw_id_fields = ("user", "team")


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("team", "role", "created_by", "created_at", "expires_at", "used_by", "is_usable")
    list_filter = ("role",)
    search_fields = ("team__name", "created_by__username", "used_by__username")
    list_select_related = ("team", "created_by", "used_by")
    raw_id_fields = ("team", "created_by", "used_by")
    readonly_fields = ("token", "created_by", "created_at", "used_by", "used_at")

    def has_add_permission(self, request) -> bool:
        return False  # team owners make invites; the token comes from teams.invite_create

    @admin.display(description="Usable", boolean=True)
    def is_usable(self, obj: Invite) -> bool:
        return obj.is_usable


class LiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("live", "Live"), ("revoked", "Revoked"))

    def queryset(self, request, queryset):
        if self.value() in ("live", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "live")
        return queryset


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "clip", "project", "created_by", "created_at", "revoked_at", "is_live")
    list_filter = (LiveFilter,)
    search_fields = ("=token", "clip__title", "clip__upstream_id", "project__name", "created_by__username")
    list_select_related = ("clip", "project", "created_by")
    readonly_fields = ("token", "clip", "project", "created_by", "created_at", "revoked_at")
    actions = ("revoke",)

    @admin.display(description="Live", boolean=True)
    def is_live(self, obj: ShareLink) -> bool:
        return obj.is_live

    @admin.action(description="Revoke (the link stops working)", permissions=["review"])
    def revoke(self, request, queryset):
        _report(self, request, review.share_links_revoke(links=queryset), "Revoked", "share link")
