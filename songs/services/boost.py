"""Style boost: a few words of style expanded by the gateway (act/tags), without the page waiting on it.

The view saves a ``StyleBoost``; on commit a worker job (``boost_run``) asks the gateway; the button area
polls the row and, once done, swaps the field's text. A gateway without the call is learnt missing.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from songs import reasons, selectors
from songs.gateway import Gateway, GatewayError, gateway_for, verdicts
from songs.models import Project, StyleBoost
from songs.services import features, requests
from songs.services.common import job_enqueue

Status = StyleBoost.Status
# A boost is one quick call: one still pending after this was lost (its worker died) and says so.
BOOST_EXPIRY = timedelta(minutes=2)


class BoostLimited(Exception):
    """Too many boosts by this person or team lately; the message says so, for the user."""


def boost_request(*, project: Project, user, tags: str) -> StyleBoost:
    """Save a boost (a worker asks the gateway), unless the person or the team is over its limit.

    Boost costs no credits but each one is an upstream call: at most BOOST_RATE_LIMIT per person and
    BOOST_TEAM_RATE_LIMIT per team in BOOST_RATE_WINDOW_MINUTES, counted under the team's lock so clicks
    at the same moment cannot all slip under the limit.
    """
    if not selectors.gateway_capabilities().boost:
        raise features.FeatureMissing(reasons.sentence("feature_missing", feature="boost"))
    with transaction.atomic():
        requests.team_lock(team_id=project.team_id)
        _limit_check(project=project, user=user)
        boost = StyleBoost.objects.create(project=project, user=user, original_tags=tags[:1000])
        transaction.on_commit(lambda: job_enqueue("boost", boost.pk, name=f"boost-{boost.pk}"))
    return boost


def _limit_check(*, project: Project, user) -> None:
    minutes = settings.BOOST_RATE_WINDOW_MINUTES
    recent = StyleBoost.objects.filter(created_at__gte=timezone.now() - timedelta(minutes=minutes))
    if recent.filter(user=user).count() >= settings.BOOST_RATE_LIMIT:
        count = settings.BOOST_RATE_LIMIT
        raise BoostLimited(
            ngettext(
                "You have boosted %(count)d style in the last %(minutes)d minutes, the most allowed. "
                "Please try again later, or write the style yourself.",
                "You have boosted %(count)d styles in the last %(minutes)d minutes, the most allowed. "
                "Please try again later, or write the style yourself.",
                count,
            )
            % {"count": count, "minutes": minutes}
        )
    if recent.filter(project__team_id=project.team_id).count() >= settings.BOOST_TEAM_RATE_LIMIT:
        count = settings.BOOST_TEAM_RATE_LIMIT
        raise BoostLimited(
            ngettext(
                "Your team has boosted %(count)d style in the last %(minutes)d minutes, the most allowed. "
                "Please try again later, or write the style yourself.",
                "Your team has boosted %(count)d styles in the last %(minutes)d minutes, the most allowed. "
                "Please try again later, or write the style yourself.",
                count,
            )
            % {"count": count, "minutes": minutes}
        )


def boost_run(*, boost_pk: int, gateway: Gateway | None = None) -> None:
    """Ask the gateway once; the row says done (with the text) or failed (with a reason)."""
    claimed = StyleBoost.objects.filter(pk=boost_pk, status=Status.PENDING, reason_code="").update(
        reason_code="sending"
    )
    if not claimed:
        return
    boost = StyleBoost.objects.get(pk=boost_pk)
    try:
        with gateway_for(gateway) as client:
            text = client.style_boost(tags=boost.original_tags)
    except GatewayError as exc:
        if exc.kind == verdicts.NOT_SUPPORTED:
            features.feature_learn_missing(name="boost", task=None, exc=exc)
        code = exc.kind
        detail = (exc.detail or exc.message)[:300]
        StyleBoost.objects.filter(pk=boost_pk).update(
            status=Status.FAILED, reason_code=code, reason_detail=detail
        )
        return
    StyleBoost.objects.filter(pk=boost_pk).update(status=Status.DONE, upsampled_tags=text, reason_code="")


def boosts_expire(*, now=None) -> int:
    """Fail boosts whose job was lost (still pending long after a one-call job would have ended), with the
    reason in plain words; a job that runs after all finds the row taken and leaves it. Returns how many."""
    now = now or timezone.now()
    return StyleBoost.objects.filter(status=Status.PENDING, created_at__lt=now - BOOST_EXPIRY).update(
        status=Status.FAILED, reason_code="timeout", reason_detail=""
    )


def boost_reason(boost: StyleBoost) -> str:
    """Why a boost failed, in plain words."""
    if boost.reason_code == verdicts.NOT_SUPPORTED:
        return reasons.sentence("feature_missing", feature="boost")
    return reasons.sentence(boost.reason_code, detail=boost.reason_detail) or boost.reason_detail
