from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """Who owns projects. Everyone has a personal team and may create or join more."""

    name = models.CharField(max_length=120)
    personal_for = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_team",
    )
    daily_credits = models.PositiveIntegerField(
        default=1000, help_text=_("Credits the team may spend per day (UTC); set by staff.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("songs:team_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        """The name to show: a personal team's is said in the reader's language ("alice's team", "alice 的
        团队"), whichever language it was made in; any other team's is the name its people gave it."""
        if self.personal_for_id:
            for pattern in _PERSONAL_TEAM_NAMES:
                if match := pattern.fullmatch(self.name):
                    return _("%(name)s's team") % {"name": match["name"]}
        return self.name


# How a personal team was named at sign-up, in each language the studio speaks (songs.services.teams).
_PERSONAL_TEAM_NAMES = (re.compile(r"(?P<name>.+)'s team"), re.compile(r"(?P<name>.+) 的团队"))


class Role(models.TextChoices):
    # Ordered: each role can do everything the ones before it can.
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    OWNER = "owner", _("Owner")


ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def can_edit(self) -> bool:
        return self.allows(Role.EDITOR)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class Invite(models.Model):
    """A single-use link that makes its holder a member with the given role, until it expires."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invite")
        verbose_name_plural = _("invites")

    def __str__(self) -> str:
        return f"Invite to {self.team} as {self.role}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


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


class GenerationTask(models.Model):
    """One request to the gateway, from the user's click to its final outcome."""

    class Action(models.TextChoices):
        MUSIC = "MUSIC", _("Music")
        LYRICS = "LYRICS", _("Lyrics")
        CONCAT = "CONCAT", _("Concat")
        UPLOAD = "UPLOAD", _("Upload")
        PERSONA = "PERSONA", _("Persona")

    class Mode(models.TextChoices):
        INSPIRATION = "inspiration", _("Inspiration")
        CUSTOM = "custom", _("Custom")
        CONTINUE = "continue", _("Continue")
        LYRICS = "lyrics", _("Lyrics")
        CONCAT = "concat", _("Whole song")
        UPLOAD = "upload", _("Upload")
        INFILL = "infill", _("Replace section")
        STEMS = "stems", _("Stems")
        COVER = "cover", _("Cover")
        PERSONA = "persona", _("Persona")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # saved, not yet accepted by the gateway
        SUBMITTED = "submitted", _("Submitted")  # the gateway gave us its task id
        RUNNING = "running", _("Generating")  # the gateway is working on it
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    PENDING = (Status.QUEUED, Status.SUBMITTED, Status.RUNNING)
    # What gateways answer for a task they accepted but have not started (it waits in their queue):
    # NOT_START (stock), SUBMITTED/QUEUED/PENDING (others, and the v2 feed's generations not begun).
    UPSTREAM_QUEUED = frozenset({"NOT_START", "SUBMITTED", "QUEUED", "PENDING"})

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    # The API family it was made with (SUNO_API_FORMAT then): it is fetched the same way after a switch.
    api_format = models.CharField(max_length=8, default="task")
    # Its callback address's secret part (songs/services/callbacks.py), when the gateway was told to call
    # back: unguessable, so only the gateway that was given it can wake this task.
    callback_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # A local sketch: sent to the built-in engine beside the real gateway (songs.gateway.get_gateway(sketch=
    # True)), never to the gateway itself, and free. Its polls, copies and timings go there too.
    sketch = models.BooleanField(_("local sketch"), default=False)
    request_payload = models.JSONField(help_text=_("Exactly what is sent to the gateway."))
    upstream_id = models.TextField(blank=True, db_index=True, help_text=_("The gateway's task id."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    upstream_status = models.CharField(max_length=20, blank=True)
    progress = models.CharField(max_length=10, blank=True)
    fail_reason = models.TextField(blank=True)
    # Why it failed (or waits), as songs.reasons knows it: shown to people in their own words and language.
    reason_code = models.CharField(max_length=40, blank=True)
    reason_detail = models.CharField(max_length=300, blank=True)
    last_response = models.JSONField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text=_("Submit attempts."))
    polls = models.PositiveIntegerField(_("polls"), default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the gateway's answer last changed (status, progress, a clip): the time-out counts time without
    # progress, so a task that is slowly made, or waits in a long queue, is not failed while it moves.
    progressed_at = models.DateTimeField(null=True, blank=True)
    # A finished task the poller still asks about until then: a late result after a time-out (taken, and
    # billed), or a video the gateway is still making (fetched once it is ready, not polled for).
    watch_until = models.DateTimeField(null=True, blank=True, db_index=True)
    claim_token = models.UUIDField(null=True, blank=True)
    # Set by the form: the same click sent twice makes one task, not two.
    request_key = models.UUIDField(null=True, blank=True, unique=True)
    parent_clip = models.ForeignKey(
        "Clip", null=True, blank=True, on_delete=models.SET_NULL, related_name="continuations"
    )
    continue_at = models.FloatField(null=True, blank=True)
    upload = models.ForeignKey(
        "Upload", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    # Credits charged when it was made; a failed task charges nothing (see songs/quotas.py).
    cost = models.PositiveIntegerField(_("credits"), default=0)
    # The team whose allowance paid: the charge stays with it even if the project moves later.
    charged_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="charges"
    )
    retry_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retries",
        help_text=_("The failed task this one tries again (kept as it was)."),
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Moves whenever something the user can see changes; the live view diffs on it.
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("generation task")
        verbose_name_plural = _("generation tasks")
        ordering = ["-created_at"]
        indexes = [
            # An open page's poll: what changed in this project since (cards, lyrics), and whether anything
            # is pending; without them each reads every task of the project (10,000 clips: 5,000 tasks).
            models.Index(fields=["project", "changed_at"], name="task_project_changed"),
            models.Index(fields=["project", "status"], name="task_project_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def title(self) -> str:
        payload = self.request_payload or {}
        return payload.get("title") or payload.get("gpt_description_prompt") or payload.get("prompt", "")[:60]


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
    # The persona that sang it, set on a card's persona songs by selectors.attach_extras. The default keeps a
    # template's lookup from failing on every other clip (a failed lookup costs Django a dir() of the clip).
    persona_name = ""

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
                | models.Q(timing_state="pending"),
                name="clip_copies_pending",
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
            return reverse("songs:clip_media", args=[self.uid, "audio"])
        return self.audio_url if kind == "stream" else ""

    @property
    def cover_src(self) -> str:
        if self.image_file:
            return reverse("songs:clip_media", args=[self.uid, "cover"])
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
