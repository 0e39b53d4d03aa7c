"""Per-person records: sign-ups (for the rate limit) and the chosen language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SignupRecord(models.Model):
    """When an account was made from which client address: the sign-up rate limit counts these.

    Rows older than the limit's window are deleted at the next sign-up, so addresses are not kept.
    """

    ip_address = models.CharField(max_length=45, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Sign-up from {self.ip_address} at {self.created_at:%Y-%m-%d %H:%M}"


class UserLanguage(models.Model):
    """The language a person chose with the switcher: applied at each log-in, on any device."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="language_choice"
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
