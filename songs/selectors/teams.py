"""A team's credits (what counts; songs.services.quotas charges), personas and style boosts."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.db.models import (
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from songs.models import (
    GenerationTask,
    Persona,
    StyleBoost,
    Team,
)


def _today_start() -> datetime:
    return datetime.combine(timezone.now().date(), time.min, tzinfo=UTC)


def _counted() -> Q:
    """The rule, once: today's tasks count, except failed ones (a failure is its own refund)."""
    return Q(created_at__gte=_today_start()) & ~Q(status=GenerationTask.Status.FAILED)


def credits_used_today(*, team: Team) -> int:
    used = GenerationTask.objects.filter(_counted(), charged_team=team).aggregate(total=Sum("cost"))["total"]
    return used or 0


def with_credits_used_today(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams annotated with `credits_used_today` in the same query (for lists of teams).

    A subquery, not a join: other joins on the list (say, a search by member) cannot multiply the sum.
    """
    return teams.annotate(credits_used_today=credits_used_subquery("pk"))


def credits_used_subquery(team_field: str) -> Coalesce:
    """Today's credits of the team named by ``team_field`` of the outer query, as an annotation."""
    used = (
        GenerationTask.objects.filter(_counted(), charged_team=OuterRef(team_field))
        .values("charged_team")
        .annotate(total=Sum("cost"))
        .values("total")
    )
    return Coalesce(Subquery(used), 0)


# --- personas and style boosts -------------------------------------------------------------------------


def team_personas(*, team: Team) -> QuerySet[Persona]:
    """A team's personas with their request (its state) and source clip, for the team page."""
    return Persona.objects.filter(team=team).select_related("task", "source_clip")


def ready_personas(*, team: Team) -> QuerySet[Persona]:
    """The personas a song of this team can be sung by: made upstream, their source clip still here."""
    return team_personas(team=team).exclude(upstream_id="").filter(source_clip__isnull=False)


def boost_for_user(*, user, uid) -> StyleBoost:
    """A style boost, for the person who asked for it only (404 for anyone else)."""
    boost = StyleBoost.objects.filter(uid=uid, user_id=user.pk if user.is_authenticated else None).first()
    if boost is None:
        raise Http404("No such boost.")
    return boost
