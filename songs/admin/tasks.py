"""Generation tasks: read-only records of what the system did; staff act with poll now, retry, cancel."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from songs.admin.common import ReadOnlyAdmin, WideListMixin, admin_link, duration, pretty, report, when
from songs.models import (
    Clip,
    GenerationTask,
)
from songs.services import review

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
        help_text=_("Shown to the user as the task's failure reason, after “Cancelled by staff (you):”."),
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
    search_help_text = _("An upstream task id or clip id (exact), a username or a project name.")
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
        "reason_code",
        "reason_detail",
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
                    ("fail_reason", "reason_code", "reason_detail"),
                    "cost",
                )
            },
        ),
        (_("Timeline"), {"fields": ("timeline",)}),
        (_("Gateway"), {"fields": ("upstream_id", ("attempts", "polls"), "next_poll_at", "claim_token")}),
        (_("Request sent and last response"), {"fields": ("request_pretty", "response_pretty")}),
        (_("Related"), {"fields": ("parent_clip", "continue_at", "upload", "retry_of", "retries_list")}),
        (
            _("Times"),
            {
                "classes": ("collapse",),
                "fields": ("created_at", "submitted_at", "finished_at", "changed_at", "request_key"),
            },
        ),
    )

    # --- columns

    @admin.display(description=_("Title"))
    def short_title(self, obj: GenerationTask) -> str:
        title = Truncator(obj.title or "—").chars(40)
        return f"{title} (retry of #{obj.retry_of_id})" if obj.retry_of_id else title

    @admin.display(description=_("API"), ordering="api_format")
    def api(self, obj: GenerationTask) -> str:
        return obj.api_format

    @admin.display(description=_("Tries"), ordering="attempts")
    def tries(self, obj: GenerationTask) -> int:
        return obj.attempts

    @admin.display(description=_("Created"), ordering="created_at")
    def created(self, obj: GenerationTask) -> str:
        day, clock = when(obj.created_at).split()
        return format_html("{}<br>{}", day, clock[:5])

    @admin.display(description=_("Team"), ordering="project__team__name")
    def team(self, obj: GenerationTask):
        return obj.project.team

    @admin.display(description=_("Queued"))
    def time_queued(self, obj: GenerationTask) -> str:
        """Saved until the gateway accepted it (or until it failed without being accepted)."""
        end = obj.submitted_at or obj.finished_at or (timezone.now() if obj.is_pending else None)
        return duration(obj.created_at, end)

    @admin.display(description=_("At gateway"))
    def time_upstream(self, obj: GenerationTask) -> str:
        if obj.submitted_at is None:
            return "—"
        return duration(obj.submitted_at, obj.finished_at or timezone.now())

    @admin.display(description=_("Total"))
    def time_total(self, obj: GenerationTask) -> str:
        return duration(obj.created_at, obj.finished_at or timezone.now())

    # --- detail fields

    @admin.display(description=_("Request sent"))
    def request_pretty(self, obj: GenerationTask) -> str:
        return pretty(obj.request_payload)

    @admin.display(description=_("Last response"))
    def response_pretty(self, obj: GenerationTask) -> str:
        return pretty(obj.last_response)

    @admin.display(description=_("Retried as"))
    def retries_list(self, obj: GenerationTask) -> str:
        retries = list(obj.retries.order_by("pk"))
        if not retries:
            return "—"
        return format_html_join(", ", "{}", ((admin_link(r),) for r in retries))

    @admin.display(description=_("Created → Sent → Finished"))
    def timeline(self, obj: GenerationTask) -> str:
        stats = f"{obj.attempts} submit attempt(s), {obj.polls} poll(s)"
        return format_html(
            "<table>{}</table><p>{}</p>",
            format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", _timeline_rows(obj)),
            stats,
        )

    # --- actions

    @admin.action(
        description=_("Poll now (wake a worker; no gateway call from here)"), permissions=["review"]
    )
    def poll_now(self, request, queryset):
        outcome = review.tasks_poll_now(tasks=queryset)
        report(
            self,
            request,
            outcome,
            ngettext_lazy(
                "Queued a poll for %(count)d task: %(ids)s.",
                "Queued a poll for %(count)d tasks: %(ids)s.",
                "count",
            ),
        )

    @admin.action(
        description=_("Retry failed requests (a new task each; the old one is kept)"), permissions=["review"]
    )
    def retry_failed(self, request, queryset):
        outcome = review.tasks_retry(tasks=queryset)
        report(
            self,
            request,
            outcome,
            ngettext_lazy(
                "Created %(count)d retry task: %(ids)s.", "Created %(count)d retry tasks: %(ids)s.", "count"
            ),
        )

    @admin.action(description=_("Cancel (fail with a reason; credits are refunded)"), permissions=["review"])
    def cancel_tasks(self, request, queryset):
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            outcome = review.tasks_cancel(tasks=queryset, by=request.user, reason=form.cleaned_data["reason"])
            report(
                self,
                request,
                outcome,
                ngettext_lazy(
                    "Cancelled %(count)d task: %(ids)s.", "Cancelled %(count)d tasks: %(ids)s.", "count"
                ),
            )
            return None  # back to the list, with the messages
        pending = queryset.filter(status__in=GenerationTask.PENDING).select_related("project__team", "user")
        if not pending.exists():
            self.message_user(
                request, _("None of the selected tasks is pending: nothing to cancel."), messages.WARNING
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel generation tasks"),
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
        sent_note = _("after %(time)s queued") % {"time": duration(created, sent)}
    else:
        sent_note = (
            _("not accepted by the gateway yet") if obj.is_pending else _("not accepted by the gateway")
        )
    if finished:
        took = {"status": obj.get_status_display(), "time": duration(sent or created, finished)}
        finished_note = (
            _("%(status)s after %(time)s at the gateway") if sent else _("%(status)s after %(time)s queued")
        ) % took
    else:
        finished_note = _("still %(status)s") % {"status": obj.get_status_display().lower()}
    total = duration(created, finished or timezone.now())
    if not finished:
        total = _("%(time)s so far") % {"time": total}
    return [
        (_("Created"), when(created), _("saved by the studio")),
        (_("Sent"), when(sent), sent_note),
        (_("Finished"), when(finished), finished_note),
        (_("Total"), "", total),
    ]
