"""A request to the gateway, from the click to its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songs.models.projects import Project
from songs.models.teams import Team


class GenerationTask(models.Model):
    """One request to the gateway, from the user's click to its final outcome."""

    class Action(models.TextChoices):
        MUSIC = "MUSIC", _("Music")
        LYRICS = "LYRICS", _("Lyrics")
        CONCAT = "CONCAT", _("Concat")
        UPLOAD = "UPLOAD", _("Upload")
        PERSONA = "PERSONA", _("Persona")
        # A file the gateway makes of a clip it made (sunoapi's WAV and MP4): no clips of its own.
        RENDER = "RENDER", _("Render")

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
        ADD_VOCALS = "add_vocals", _("Add vocals")
        ADD_INSTRUMENTAL = "add_instr", _("Add instrumental")  # max_length 12
        WAV = "wav", _("The gateway's WAV")
        VIDEO = "video", _("Music video")

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
    # Set on a Replace section card by selectors.attach_extras: the clips it shows (the whole songs its
    # sections went into) and whether a stitch still runs. The defaults keep the card's lookups from failing
    # on every other card (a failed lookup costs Django a dir() of the task).
    card_clips: list | None = None
    stitching = False

    class Meta:
        verbose_name = _("generation task")
        verbose_name_plural = _("generation tasks")
        ordering = ["-created_at"]
        indexes = [
            # An open page's poll: what changed in this project since (cards, lyrics), and whether anything
            # is pending; without them each reads every task of the project (10,000 clips: 5,000 tasks).
            models.Index(fields=["project", "changed_at"], name="task_project_changed"),
            models.Index(fields=["project", "status"], name="task_project_status"),
            # A team's credits used today (selectors.credits_used_subquery, on every project page): today's
            # rows only, not every task the team was ever charged for.
            models.Index(fields=["charged_team", "created_at"], name="task_team_created"),
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
