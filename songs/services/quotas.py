"""Charging credits when a request is saved. A failed task stops counting (its own refund).

The rule of what counts lives in ``songs.selectors.credits_used_today``; this module only charges.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from songs import catalog
from songs.models import Team
from songs.selectors import credits_used_today


class QuotaExceeded(Exception):
    """Refused before anything is sent upstream; the message says why and when it resets."""


def quota_charge(*, team: Team, action: str) -> int:
    """The cost to record on the new task, or QuotaExceeded. Call inside the saving transaction."""
    Team.objects.select_for_update().filter(pk=team.pk).first()  # one charge at a time per team
    cost = catalog.COSTS[action]
    used = credits_used_today(team=team)
    if used + cost > team.daily_credits:
        numbers = {"team": team.display_name, "used": used, "daily": team.daily_credits, "cost": cost}
        raise QuotaExceeded(
            _("%(team)s has used %(used)s of its %(daily)s credits today and this needs %(cost)s.") % numbers
            + " "
            + _("Credits reset at midnight UTC; a team owner can ask staff for a higher limit.")
        )
    return cost


def quota_charge_batch(*, team: Team, action: str, count: int) -> int:
    """The cost of each of ``count`` requests, or QuotaExceeded for the whole batch (all or nothing).

    The refusal says how many of them would fit today. Call inside the saving transaction.
    """
    Team.objects.select_for_update().filter(pk=team.pk).first()  # one charge at a time per team
    cost = catalog.COSTS[action]
    used = credits_used_today(team=team)
    if used + cost * count > team.daily_credits:
        fit = max(team.daily_credits - used, 0) // cost
        message = _(
            "%(team)s has used %(used)s of its %(daily)s credits today and these %(count)s requests need "
            "%(needed)s (%(cost)s each). Nothing was sent."
        ) % {
            "team": team.display_name,
            "used": used,
            "daily": team.daily_credits,
            "count": count,
            "needed": cost * count,
            "cost": cost,
        }
        if fit:
            message += " " + ngettext(
                "What is left today is enough for %(fit)s request: choose fewer variations.",
                "What is left today is enough for %(fit)s requests: choose fewer variations.",
                fit,
            ) % {"fit": fit}
        else:
            message += " " + _(
                "Credits reset at midnight UTC; a team owner can ask staff for a higher limit."
            )
        raise QuotaExceeded(message)
    return cost
