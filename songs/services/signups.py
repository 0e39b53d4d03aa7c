"""Making an account: at most SIGNUP_RATE_LIMIT per client address per window (anti-automation)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from songs.models import SignupRecord
from songs.services import teams


class SignupThrottled(Exception):
    """Too many accounts from one client address lately; the message says so, for the user."""


def signup_create(*, form, ip_address: str):
    """Save the valid sign-up form's user and their personal team, unless this address is over its limit."""
    window = timedelta(minutes=settings.SIGNUP_RATE_WINDOW_MINUTES)
    since = timezone.now() - window
    with transaction.atomic():
        SignupRecord.objects.filter(created_at__lt=since).delete()
        recent = SignupRecord.objects.filter(ip_address=ip_address, created_at__gte=since).count()
        if recent >= settings.SIGNUP_RATE_LIMIT:
            raise SignupThrottled(
                _(
                    "Too many accounts were created from your network in the last %(minutes)d minutes. "
                    "Please try again later."
                )
                % {"minutes": settings.SIGNUP_RATE_WINDOW_MINUTES}
            )
        user = form.save()
        teams.team_personal(user=user)
        SignupRecord.objects.create(ip_address=ip_address)
    return user
