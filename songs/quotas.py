"""Credits per team per day. Charged when a request is saved, refunded when it fails.

A refund is not a second record: usage counts only tasks that did not fail, so a
failed (or cancelled) task stops counting the moment it fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from songs import catalog
from songs.models import GenerationTask, Team


class QuotaExceeded(Exception):
    """Refused before anything is sent upstream; the message says why and when it resets."""


def _today_start() -> datetime:
    return datetime.combine(timezone.now().date(), time.min, tzinfo=UTC)


def _counted() -> Q:
    """The rule, once: today's tasks count, except failed ones (a failure is its own refund)."""
    return Q(created_at__gte=_today_start()) & ~Q(status=GenerationTask.Status.FAILED)


def credits_used_today(*, team: Team) -> int:
    used = GenerationTask.objects.filter(_counted(), project__team=team).aggregate(total=Sum("cost"))["total"]
    return used or 0


def with_credits_used_today(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams annotated with `credits_used_today` in the same query (for lists of teams).

    A subquery, not a join: other joins on the list (say, a search by member) cannot multiply the sum.
    """
    used = (
        GenerationTask.objects.filter(_counted(), project__team=OuterRef("pk"))
        .values("project__team")
        .annotate(total=Sum("cost"))
        .values("total")
    )
    return teams.annotate(credits_used_today=Coalesce(Subquery(used), 0))


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
