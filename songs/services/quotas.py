"""Charging credits when a request is saved. A failed task stops counting (its own refund).

The rule of what counts lives in ``songs.selectors.credits_used_today``; this module only charges.
"""

from __future__ import annotations

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
        raise QuotaExceeded(
            f"{team.name} has used {used} of its {team.daily_credits} credits today and this needs {cost}. "
            "Credits reset at midnight UTC; a team owner can ask staff for a higher limit."
        )
    return cost
