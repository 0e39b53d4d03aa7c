"""Projects and the lyric drafts written in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songs.models.teams import Team


class Project(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projects")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("songs:project_detail", args=[self.pk])


class LyricDraft(models.Model):
    """A lyric sheet. Its text is the latest revision; every save adds a revision, none is overwritten."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="drafts")
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    prompt = models.CharField(max_length=500, blank=True, help_text=_("What the lyrics were written from."))
    task = models.ForeignKey(
        "GenerationTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    trashed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("lyric draft")
        verbose_name_plural = _("lyric drafts")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or f"Draft {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("songs:draft_detail", args=[self.pk])


class LyricRevision(models.Model):
    draft = models.ForeignKey(LyricDraft, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    note = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="unique_revision_number")]

    def __str__(self) -> str:
        return f"{self.draft} v{self.number}"
