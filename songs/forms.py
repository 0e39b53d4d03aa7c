from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from songs import catalog
from songs.forms_extras import SongExtras
from songs.models import Clip, GenerationTask, Role, Team
from songs.selectors import credits_used_today, teams_for_user

Mode = GenerationTask.Mode
# At most this many requests from one click of Create.
MAX_VARIATIONS = 4


class ProjectForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Summer EP"), "autocomplete": "off"}),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        empty_label=None,
        required=False,
        help_text=_("Left out: your personal team."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_for_user(user=user, role=Role.EDITOR)
        self.fields["team"].queryset = teams
        personal = teams.filter(personal_for=user).first()
        self.fields["team"].initial = personal.pk if personal else None

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the project a name."))
        return name


_TIMESTAMP = re.compile(r"(?:(?P<minutes>[0-9]{1,6}):)?(?P<seconds>[0-9]{1,6}(?:\.[0-9]{0,6})?|\.[0-9]{1,6})")


def parse_timestamp(value: str) -> float:
    """ "1:20" -> 80.0, "80" -> 80.0, "1:02.5" -> 62.5. ValueError when it is neither."""
    value = value.strip()
    # ASCII digits, and few of them: '²' passes isdigit() but not int(), and a 400-digit number of minutes
    # overflows a float (OverflowError, not ValueError). Neither is a time in a song.
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise ValueError(value)
    minutes, seconds = match.group("minutes"), float(match.group("seconds"))
    if minutes is None:
        return seconds
    if seconds >= 60:
        raise ValueError(value)
    return int(minutes) * 60 + seconds


def format_timestamp(seconds: float) -> str:
    whole = int(seconds)
    fraction = seconds - whole
    text = f"{whole // 60}:{whole % 60:02d}"
    return text + (f"{fraction:.1f}"[1:] if fraction >= 0.05 else "")


class SongForm(SongExtras):
    """Inspiration, Custom, Continue (from a clip at a time) or Replace section (v2 infill).

    Limits follow the model table; what the gateway cannot do is not offered.
    """

    mode = forms.ChoiceField(
        choices=[
            (Mode.INSPIRATION, _("Inspiration")),
            (Mode.CUSTOM, _("Custom")),
            (Mode.CONTINUE, _("Continue")),
            (Mode.INFILL, _("Replace section")),
        ],
        initial=Mode.CUSTOM,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("Song description"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("An upbeat pop song about a summer road trip")}
        ),
    )
    lyrics = forms.CharField(
        label=_("Lyrics"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": "[Verse]\n...\n\n[Chorus]\n..."}),
    )
    tags = forms.CharField(
        label=_("Style of music"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("emotional punk, female vocals")}),
    )
    negative_tags = forms.CharField(
        label=_("Exclude styles"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. heavy drums, autotune")}),
    )
    title = forms.CharField(label=_("Title"), required=False)
    mv = forms.ChoiceField(label=_("Model"), choices=catalog.model_choices, initial=catalog.default_model)
    instrumental = forms.BooleanField(label=_("Instrumental"), required=False)
    clip = forms.UUIDField(widget=forms.HiddenInput, required=False)
    continue_at = forms.CharField(
        label=_("Continue from (m:ss)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}),
    )
    infill_end = forms.CharField(
        label=_("Replace until (m:ss)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}),
    )
    # Batch variations: 1-4 requests from one click, each its own card and charge (issue 12, part 8).
    variations = forms.TypedChoiceField(
        label=_("Variations"),
        choices=[(n, str(n)) for n in range(1, MAX_VARIATIONS + 1)],
        coerce=int,
        empty_value=1,
        initial=1,
        required=False,
        widget=forms.RadioSelect,
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, project=None, capabilities=None, **kwargs):
        self.project = project
        self.capabilities = capabilities
        super().__init__(*args, **kwargs)
        self.parent_clip: Clip | None = None
        mode = self.data.get("mode") if self.is_bound else self.initial.get("mode")
        if mode == Mode.INFILL:  # the same box starts the section to replace
            self.fields["continue_at"].label = _("Replace from (m:ss)")
        self.sketch_offered = False  # set by the view (songs.views.common.song_form) from settings

    def clean(self):
        data = super().clean()
        mode, mv = data.get("mode"), data.get("mv")
        if not mode or not mv:
            return data
        if mode in (Mode.CONTINUE, Mode.INFILL) or not data.get("variations"):
            data["variations"] = 1  # a continuation is one request; the batch is for new songs
        if mode == Mode.INSPIRATION:
            self._require("description", _("Describe the song you want."))
            self._limit("description", catalog.DESCRIPTION_LIMIT, "")
            return data
        self._clean_custom(catalog.get_model(mv))
        if mode in (Mode.CONTINUE, Mode.INFILL):
            self._clean_continue(mode)
        if not (self.capabilities and self.capabilities.negative_tags):
            data["negative_tags"] = ""  # not offered for this format, so never sent
        self.clean_extras(data)
        return data

    def _clean_custom(self, model: catalog.Model) -> None:
        if not self.cleaned_data.get("instrumental"):
            self._require("lyrics", _("Write lyrics, or tick Instrumental."))
        self._require("tags", _("Give a style, e.g. “emotional punk”."))
        self._limit("lyrics", model.lyrics, model.label)
        self._limit("tags", model.style, model.label)
        self._limit("negative_tags", model.style, model.label)
        self._limit("title", model.title, model.label)

    def _clean_continue(self, mode: str) -> None:
        clip = self._clip()
        at = self._timestamp("continue_at")
        if clip is None or at is None:
            return
        if not 0 < at < clip.duration:
            self.add_error(
                "continue_at",
                _("Pick a time between 0:00 and %(end)s.") % {"end": format_timestamp(clip.duration)},
            )
            return
        self.cleaned_data["continue_at_seconds"] = at
        if mode == Mode.INFILL:
            self._clean_infill(clip, at)

    def _clean_infill(self, clip: Clip, start: float) -> None:
        if not (self.capabilities and self.capabilities.infill):
            self.add_error("mode", _("This gateway cannot replace a section."))
            return
        if not (self.cleaned_data.get("infill_end") or "").strip():
            self.add_error("infill_end", _("Say where the section to replace ends."))
            return
        end = self._timestamp("infill_end")
        if end is None:
            return
        if not start + 2 <= end <= clip.duration:
            self.add_error(
                "infill_end",
                _("End at least 2 s after the start and by %(end)s.")
                % {"end": format_timestamp(clip.duration)},
            )
            return
        self.cleaned_data["infill"] = (start, end)

    def _clip(self) -> Clip | None:
        uid = self.cleaned_data.get("clip")
        clip = (
            self.project.clips.select_related("task").filter(uid=uid).first()
            if uid and self.project
            else None
        )
        if clip is None or not clip.is_continuable:
            self.add_error(None, _("Pick a finished clip of this project to continue."))
            return None
        self.parent_clip = clip
        return clip

    def _timestamp(self, name: str) -> float | None:
        raw = self.cleaned_data.get(name) or ""
        try:
            return parse_timestamp(raw)
        except ValueError:
            self.add_error(name, _("Write a time as m:ss, e.g. 1:20."))
            return None

    def _require(self, name: str, message: str) -> None:
        if not (self.cleaned_data.get(name) or "").strip():
            self.add_error(name, message)

    def _limit(self, name: str, limit: int, label: str) -> None:
        value = self.cleaned_data.get(name) or ""
        if len(value) > limit:
            numbers = {"length": len(value), "limit": limit, "model": label, "over": len(value) - limit}
            if label:
                message = _(
                    "%(length)d characters: at most %(limit)d for model %(model)s. Shorten it by %(over)d."
                )
            else:
                message = _("%(length)d characters: at most %(limit)d. Shorten it by %(over)d.")
            self.add_error(name, message % numbers)

    def variation_costs(self) -> dict:
        """What the batch costs, for the Create panel: credits per request (the one cost table) and in all.

        Not the credits left: that is one more query on every project page (tests/views/test_project_pages.py
        keeps it at 10); a batch that does not fit is refused beside this field, saying how many would.
        """
        try:
            count = min(max(int(self["variations"].value() or 1), 1), MAX_VARIATIONS)
        except (TypeError, ValueError):
            count = 1
        each = catalog.COSTS[GenerationTask.Action.MUSIC]
        return {"each": each, "count": count, "total": each * count}

    def credits(self) -> dict | None:
        """The team's credits left today, where people spend them (the Create panel), and the team's name.

        Read with the project when the view asked for it (``project_for_user(with_credits=True)``), else
        one query.
        """
        if self.project is None:
            return None
        team = self.project.team
        used = getattr(self.project, "team_credits_used", None)
        if used is None:
            used = credits_used_today(team=team)
        return {"left": max(team.daily_credits - used, 0), "daily": team.daily_credits, "team": team}


class UploadForm(forms.Form):
    """Your own audio to continue: a file, or a public link the studio fetches for you."""

    file = forms.FileField(
        label=_("Audio file (MP3 or WAV)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".mp3,.wav,audio/mpeg,audio/wav"}),
    )
    url = forms.URLField(
        label=_("…or a public MP3 link"), required=False, assume_scheme="https", max_length=2000
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        upload, url = data.get("file"), data.get("url")
        if bool(upload) == bool(url) and not self.errors:
            self.add_error("file", _("Choose a file, or give a link (one of the two)."))
        if upload:
            self._check_file(upload)
        if url and not url.lower().startswith(("http://", "https://")):
            self.add_error("url", _("Only http and https links can be used."))
        return data

    def _check_file(self, upload) -> None:
        if not upload.name.lower().endswith((".mp3", ".wav")):
            self.add_error("file", _("Upload an MP3 or WAV file."))
        elif upload.size > settings.UPLOAD_MAX_BYTES:
            self.add_error(
                "file",
                _("That file is %(size)d MB; the limit is %(limit)d MB.")
                % {"size": round(upload.size / 1e6), "limit": round(settings.UPLOAD_MAX_BYTES / 1e6)},
            )


class LyricsPromptForm(forms.Form):
    prompt = forms.CharField(
        label=_("Write lyrics about"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. homesick on a night train")}),
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)


# A draft may be used with any model, so it may be as long as the longest lyrics any model takes.
DRAFT_MAX_CHARS = max(m.lyrics for m in catalog.MODELS)


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    text = forms.CharField(
        label=_("Lyrics"),
        widget=forms.Textarea(attrs={"rows": 22}),
        max_length=DRAFT_MAX_CHARS,
        error_messages={
            "max_length": _(
                "Lyrics can be at most %(limit_value)d characters (the most any model takes); "
                "these have %(show_value)d. Shorten them and save again."
            )
        },
    )
    mv = forms.ChoiceField(
        label=_("Check length for model"),
        choices=catalog.model_choices,
        initial=catalog.default_model,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No maxlength in the page: a browser would cut a long paste silently; the server says why.
        self.fields["text"].widget.attrs.pop("maxlength", None)


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email (optional)"), required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=120)


class InviteForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)
    days = forms.IntegerField(label=_("Expires after (days)"), min_value=1, max_value=30, initial=7)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ProjectRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)


class MoveProjectForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Move to team"), queryset=Team.objects.none(), empty_label=None)

    def __init__(self, *args, user, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_for_user(user=user, role=Role.OWNER).exclude(pk=project.team_id)
