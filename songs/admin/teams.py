"""Teams (quotas edited beside today's usage), memberships, invites and share links."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from songs import selectors
from songs.admin.common import ReadOnlyAdmin, report
from songs.models import (
    Invite,
    Membership,
    ShareLink,
    Team,
)
from songs.services import review

# --- teams and sharing ----------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


class PersonalFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("personal", _("Personal")), ("shared", _("Shared")))

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

    @admin.display(description=_("Credits used today (UTC)"), ordering="credits_used_today")
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

    @admin.display(description=_("Usable"), boolean=True)
    def is_usable(self, obj: Invite) -> bool:
        return obj.is_usable


class LiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("live", _("Live")), ("revoked", _("Revoked")))

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

    @admin.display(description=_("Live"), boolean=True)
    def is_live(self, obj: ShareLink) -> bool:
        return obj.is_live

    @admin.action(description=_("Revoke (the link stops working)"), permissions=["review"])
    def revoke(self, request, queryset):
        revoked = ngettext_lazy(
            "Revoked %(count)d share link: %(ids)s.", "Revoked %(count)d share links: %(ids)s.", "count"
        )
        report(self, request, review.share_links_revoke(links=queryset), revoked)
