"""What the gateway offers: features learnt missing from its answers, which staff can offer again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from songs.admin.common import ReadOnlyAdmin, admin_link
from songs.models import GatewayFeature
from songs.services import features


@admin.register(GatewayFeature)
class GatewayFeatureAdmin(ReadOnlyAdmin):
    list_display = ("name", "state", "gateway", "reason", "checked_at")
    list_filter = ("name",)
    readonly_fields = ("gateway", "name", "missing_since", "reason", "answer", "task_link", "checked_at")
    fields = readonly_fields
    actions = ("offer_again",)

    @admin.display(description=_("State"))
    def state(self, obj: GatewayFeature) -> str:
        if obj.missing_since:
            return _("missing since %(when)s") % {"when": f"{obj.missing_since:%Y-%m-%d %H:%M}"}
        return _("offered")

    @admin.display(description=_("Learnt from"))
    def task_link(self, obj: GatewayFeature) -> str:
        return admin_link(obj.task) if obj.task_id else "—"

    @admin.action(description=_("Offer again (the next request re-checks it)"), permissions=["review"])
    def offer_again(self, request, queryset) -> None:
        count = features.features_recheck(names=list(queryset.values_list("name", flat=True)))
        note = _("The next request for it tells whether the gateway has it now.")
        messages.success(request, _("Offered again: %(count)d. %(note)s") % {"count": count, "note": note})
