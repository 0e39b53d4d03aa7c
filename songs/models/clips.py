"""Clips, their copies, words, likes and share links; the uploads they can start from."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songs.links import reverse_fast
from songs.models.projects import Project
from songs.models.tasks import GenerationTask


class Clip(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        QUEUED = "queued", _("Queued")
        STREAMING = "streaming", _("Streaming")
        COMPLETE = "complete", _("Complete")
        ERROR = "error", _("Error")

    class MediaState(models.TextChoices):
        NONE = "none", _("Not yet")
        PENDING = "pending", _("Downloading")
        STORED = "stored", _("Stored")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="clips")
    task = models.ForeignKey(GenerationTask, on_delete=models.CASCADE, related_name="clips")
    upstream_id = models.CharField(max_length=191, unique=True)
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    tags = models.CharField(max_length=1000, blank=True)
    lyrics = models.TextField(blank=True)
    description = models.TextField(blank=True)
    model_name = models.CharField(max_length=40, blank=True)
    clip_type = models.CharField(max_length=20, blank=True, default="gen")
    duration = models.FloatField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    # Upstream links expire; we keep them only until our own copy is stored.
    audio_url = models.URLField(max_length=1000, blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    video_url = models.URLField(max_length=1000, blank=True)
    audio_file = models.FileField(upload_to="clips/audio/", blank=True)
    image_file = models.FileField(upload_to="clips/images/", blank=True)
    audio_sha256 = models.CharField(max_length=64, blank=True)
    media_state = models.CharField(max_length=10, choices=MediaState.choices, default=MediaState.NONE)
    media_attempts = models.PositiveIntegerField(default=0)
    media_next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    is_video_pending = models.BooleanField(default=False)
    video_file = models.FileField(upload_to="clips/video/", blank=True)
    # The WAV a worker made of the stored MP3 (services.copies.clip_wav_make), for downloads and ZIPs.
    wav_file = models.FileField(upload_to="clips/wav/", blank=True)
    # The gateway's own WAV (sunoapi's wav/generate, a render request): its link until our copy is stored,
    # then that copy is the clip's wav_file. Copied like the video (services.copies, kind "wav").
    wav_url = models.URLField(max_length=1000, blank=True)
    wav_state = models.CharField(max_length=10, choices=MediaState.choices, default=MediaState.NONE)
    wav_attempts = models.PositiveIntegerField(default=0)
    wav_next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    video_state = models.CharField(max_length=10, choices=MediaState.choices, default=MediaState.NONE)
    video_attempts = models.PositiveIntegerField(default=0)
    video_next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    media_error = models.TextField(blank=True)
    media_reason = models.CharField(
        max_length=40, blank=True, help_text=_("songs.reasons code for media_error.")
    )
    metadata = models.JSONField(default=dict, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    trashed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    hidden_from_sharing = models.BooleanField(
        default=False, help_text=_("Set by staff: no public link plays it.")
    )
    continue_at = models.FloatField(null=True, blank=True)
    # The waveform, worked out once when the audio is stored: one character per slice (songs.waveform).
    peaks = models.CharField(max_length=400, blank=True)
    # Karaoke: the sung words' times, fetched once the audio is stored (songs.services.timing, ClipTiming).
    timing_state = models.CharField(max_length=10, choices=MediaState.choices, default=MediaState.NONE)
    timing_attempts = models.PositiveIntegerField(default=0)
    timing_next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set on a card's clips by selectors.attach_extras: the persona that sang it, the stitch putting a
    # replaced section back into its song, the section a whole song was stitched from. The defaults keep a
    # template's lookup from failing on every other clip (a failed lookup costs Django a dir() of the clip).
    persona_name = ""
    renders: dict = {}  # noqa: RUF012 (set per clip by selectors.attach_extras, never mutated in place)
    stitch = None
    stitched_from = None

    class Meta:
        verbose_name = _("clip")
        verbose_name_plural = _("clips")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The few clips whose copies are still being made (COPIES_PENDING), by project: "anything
            # pending?" on every poll reads these, not every clip of the project.
            models.Index(
                fields=["project"],
                condition=models.Q(media_state="pending")
                | models.Q(video_state="pending")
                | models.Q(timing_state="pending")
                | models.Q(wav_state="pending"),
                name="clip_copies_pending",
            ),
            # The same for the clips whose video the gateway is still making (video_awaited).
            models.Index(
                fields=["project"],
                condition=models.Q(is_video_pending=True, video_state="none"),
                name="clip_video_awaited",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.upstream_id

    @property
    def audio_source_kind(self) -> str:
        if self.audio_file:
            return "local"
        if self.media_reason in ("media_forbidden", "media_no_link"):
            return ""  # the gateway's link is dead: the card says why instead of a broken player
        if isinstance(self.metadata, dict) and self.metadata.get("media_private"):
            return ""  # served only to the studio's key (ACE-Step's /v1/audio): played once our copy is in
        if self.task.sketch:
            return ""  # the sketch engine listens on this machine only: its clips play from our copy
        if self.status in (self.Status.STREAMING, self.Status.COMPLETE) and self.audio_url:
            return "stream"  # play the gateway's stream until our copy is stored
        return ""

    @property
    def audio_src(self) -> str:
        kind = self.audio_source_kind
        if kind == "local":
            return reverse_fast("songs:clip_media", self.uid, "audio")
        return self.audio_url if kind == "stream" else ""

    @property
    def cover_src(self) -> str:
        if self.image_file:
            return reverse_fast("songs:clip_media", self.uid, "cover")
        return "" if self.task.sketch else self.image_url

    @property
    def is_continuable(self) -> bool:
        # A song with a section replaced goes on like any other (Suno's does): continue it, replace again.
        return self.status == self.Status.COMPLETE and bool(self.duration)

    @property
    def is_chain_end(self) -> bool:
        """A continuation (or a replaced section) that can be stitched into one whole song."""
        return (
            self.status == self.Status.COMPLETE
            and self.parent_id is not None
            and self.continue_at is not None  # not a cover or a persona song of its parent
            and self.clip_type == "gen"
        )

    @property
    def is_infill(self) -> bool:
        return bool(self.metadata.get("infill")) if isinstance(self.metadata, dict) else False


# Clips whose media or video a worker still has to copy: the poller and live pages keep going meanwhile.
COPIES_PENDING = (
    models.Q(media_state=Clip.MediaState.PENDING)
    | models.Q(video_state=Clip.MediaState.PENDING)
    | models.Q(timing_state=Clip.MediaState.PENDING)
    | models.Q(wav_state=Clip.MediaState.PENDING)
)


def video_awaited(now) -> models.Q:
    """Clips whose video the gateway is still making while the poller watches their task: an open page
    keeps polling for them, so the video shows once its copy is stored (the copy waits until it is made)."""
    return models.Q(is_video_pending=True, video_state=Clip.MediaState.NONE, task__watch_until__gt=now)


class ClipTiming(models.Model):
    """A clip's words as the gateway aligned them to the audio (act/timing): the karaoke lyrics."""

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, primary_key=True, related_name="timing")
    # [{"word", "start_s", "end_s", "success", "p_align"}] in lyric order, tags and newlines kept.
    words = models.JSONField(default=list)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Timing of {self.clip}"


class Upload(models.Model):
    """A user's own audio, kept before anything is sent anywhere, then offered to the gateway."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    original_name = models.CharField(max_length=255, blank=True)
    source_url = models.URLField(max_length=2000, blank=True, help_text=_("When the user gave a link."))
    file = models.FileField(upload_to="uploads/", blank=True)
    duration = models.FloatField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return self.original_name or self.source_url or str(self.uid)

    @property
    def title(self) -> str:
        stem = self.original_name.rsplit(".", 1)[0] if self.original_name else ""
        return (stem or "Uploaded audio")[:200]


class ClipLike(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clip_likes")
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["user", "clip"], name="one_like_per_user_and_clip")]

    def __str__(self) -> str:
        return f"{self.user} likes {self.clip}"


class ShareLink(models.Model):
    """A public, revocable link to one clip or one project. The token is the only key."""

    token = models.CharField(max_length=64, unique=True)
    clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clip__isnull=False, project__isnull=True)
                | models.Q(clip__isnull=True, project__isnull=False),
                name="share_link_points_at_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"Share of {self.clip or self.project}"

    def get_absolute_url(self) -> str:
        return reverse("songs:share_page", args=[self.token])

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
