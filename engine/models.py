"""The built-in engine's own records: what a real gateway keeps on its side."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


def new_id() -> str:
    return str(uuid.uuid4())


class EngineTask(models.Model):
    class Status(models.TextChoices):
        NOT_START = "NOT_START"
        SUBMITTED = "SUBMITTED"
        IN_PROGRESS = "IN_PROGRESS"
        SUCCESS = "SUCCESS"
        FAILURE = "FAILURE"

    id = models.CharField(primary_key=True, max_length=191, default=new_id)
    key_fingerprint = models.CharField(max_length=64, help_text="Which API key owns the task.")
    action = models.CharField(max_length=10)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_START)
    fail_reason = models.TextField(blank=True)
    progress = models.CharField(max_length=5, default="0%")
    result = models.JSONField(null=True, blank=True, help_text="Lyrics data, for LYRICS tasks.")
    submit_time = models.BigIntegerField(default=0)
    start_time = models.BigIntegerField(default=0)
    finish_time = models.BigIntegerField(default=0)
    # When its render job was last handed to the broker (0: never, e.g. the broker was down), and how many
    # times a render started: a job lost with its broker or worker is queued again (engine.jobs.leases).
    queued_at = models.BigIntegerField(default=0)
    renders = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.action} {self.id} {self.status}"


class EngineClip(models.Model):
    id = models.CharField(primary_key=True, max_length=191, default=new_id)
    task = models.ForeignKey(EngineTask, on_delete=models.CASCADE, related_name="clips")
    index = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, default="submitted")
    title = models.CharField(max_length=200, blank=True)
    mv = models.CharField(max_length=40)
    seed = models.BigIntegerField(default=0)
    metadata = models.JSONField(default=dict)
    has_audio = models.BooleanField(default=False)
    has_image = models.BooleanField(default=False)
    # Videos are made lazily after the clip completes (docs/engine.md): pending until the MP4 exists.
    video_pending = models.BooleanField(default=False)
    has_video = models.BooleanField(default=False)
    # When its video job was last handed to the broker (unix seconds; 0: never): a job lost with its worker
    # or broker is queued again when the clip is read after a lease (engine.jobs.leases.resume_videos).
    video_queued_at = models.BigIntegerField(default=0)
    # What the engine played, never served as is: compose() arguments (to render stems again), where the
    # composition sits on the clip's timeline, and each sung note (lyric timing). engine.jobs.score.
    score = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "index"]

    def __str__(self) -> str:
        return f"{self.title or self.id} ({self.status})"


class EnginePersona(models.Model):
    """A singer kept from a clip (POST /suno/persona/create/): its voice sings later songs."""

    id = models.CharField(primary_key=True, max_length=191, default=new_id)
    key_fingerprint = models.CharField(max_length=64, help_text="Which API key owns the persona.")
    root_clip = models.ForeignKey(EngineClip, on_delete=models.CASCADE, related_name="personas")
    clip_ids = models.JSONField(default=list)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)
    voice = models.JSONField(default=dict, help_text="engine.voice.voices.Voice of the root clip.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"
