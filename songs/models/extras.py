"""What the gateway offers beyond songs: features learnt, personas, style boosts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songs.models.clips import Clip
from songs.models.projects import Project
from songs.models.tasks import GenerationTask
from songs.models.teams import Team


class GatewayFeature(models.Model):
    """A feature the configured gateway was found to lack, learnt from its answers; staff re-check it."""

    gateway = models.CharField(max_length=300, help_text=_("The gateway's base URL when it was learnt."))
    name = models.CharField(max_length=30)
    missing_since = models.DateTimeField(null=True, blank=True, help_text=_("Empty: offered again."))
    reason = models.TextField(blank=True, help_text=_("What the gateway answered, in plain words."))
    answer = models.TextField(blank=True, help_text=_("The gateway's answer as it came (for staff)."))
    task = models.ForeignKey(
        GenerationTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gateway feature")
        verbose_name_plural = _("gateway features")
        constraints = [
            models.UniqueConstraint(fields=["gateway", "name"], name="one_row_per_gateway_feature")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({'missing' if self.missing_since else 'offered'})"


class Persona(models.Model):
    """A singer kept from a clip (the gateway's persona), belonging to a team; songs can be sung by it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="personas")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    upstream_id = models.CharField(max_length=191, blank=True, help_text="The gateway's persona_id.")
    source_clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.SET_NULL, related_name="personas"
    )
    # The saved (and charged) request that creates it upstream; its status is the persona's.
    task = models.OneToOneField(
        GenerationTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="persona"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ready(self) -> bool:
        return bool(self.upstream_id) and self.source_clip_id is not None


class StyleBoost(models.Model):
    """ "Boost": a few words of style a worker has the gateway expand (act/tags); the page polls for it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="boosts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    original_tags = models.CharField(max_length=1000)
    upsampled_tags = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason_code = models.CharField(max_length=40, blank=True)
    reason_detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Boost of {self.original_tags[:40]!r} ({self.status})"
