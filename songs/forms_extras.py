"""Form parts for the SunoAPI-style extras: finer control and a persona in the Create form, and the small
forms of a clip's "Cover in another style" and "Make a persona", and of "Boost".

Every control is offered only when the gateway carries it (``capabilities``); a value for one it does not
carry is dropped, never sent.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from songs import catalog
from songs.models import GenerationTask
from songs.selectors import ready_personas

Mode = GenerationTask.Mode


def _seconds(value: str) -> float:
    """ "1:30" or "90" -> 90.0; ValueError otherwise."""
    value = value.strip()
    if ":" in value:
        minutes, _sep, seconds = value.partition(":")
        # ASCII digits only ('²' passes isdigit() but not int()), and few: a 400-digit number overflows.
        if not re.fullmatch(r"[0-9]{1,4}", minutes) or not re.fullmatch(r"[0-9]{1,2}", seconds):
            raise ValueError(value)
        if int(seconds) >= 60:
            raise ValueError(value)
        return int(minutes) * 60 + int(seconds)
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{0,3})?", value):
        raise ValueError(value)
    return float(value)


def within_limits(form: forms.Form, data: dict, limits: dict[str, int]) -> None:
    """An error beside each field longer than its model's limit, saying by how much."""
    for name, limit in limits.items():
        value = data.get(name) or ""
        if len(value) > limit:
            form.add_error(
                name,
                _("%(count)d characters: at most %(limit)d. Shorten it by %(over)d.")
                % {"count": len(value), "limit": limit, "over": len(value) - limit},
            )


def _newest_labels() -> str:
    return ", ".join(catalog.get_model(mv).label for mv in catalog.FINE_CONTROL)


def persona_sing_fields(*, persona, mv: str) -> dict:
    """What a song sung by the persona adds to its request (docs/protocol.md 7.3, step 2)."""
    return {
        "task": "artist_consistency",
        "persona_id": persona.upstream_id,
        "artist_clip_id": persona.source_clip.upstream_id,
        "mv": catalog.task_model("artist_consistency", mv),
    }


class SongExtras(forms.Form):
    """Vocal gender (any model), target duration and variety (newest models), and a persona (Custom)."""

    vocal_gender = forms.ChoiceField(
        label=_("Vocal gender"),
        required=False,
        choices=[("", _("Any")), ("f", _("Female")), ("m", _("Male"))],
    )
    target_duration = forms.CharField(
        label=_("Target duration (m:ss)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7, "placeholder": "2:30"}),
    )
    style_weight = forms.IntegerField(
        label=_("Style weight (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("How closely to follow the style: 0 loose, 100 strict."),
    )
    weirdness = forms.IntegerField(
        label=_("Weirdness (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("How adventurous the melody is: 0 tame, 100 wild."),
    )
    persona = forms.ChoiceField(label=_("Singer"), required=False, choices=[("", _("Anyone"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read only when the field is shown or checked: a page without personas pays no query.
        self.fields["persona"].choices = lambda: (
            [("", _("Anyone"))] + [(key, persona.name) for key, persona in self.personas.items()]
        )

    @cached_property
    def personas(self) -> dict:
        """The project's team's ready personas, by primary key (as the select's values)."""
        project = getattr(self, "project", None)
        caps = getattr(self, "capabilities", None)
        if project is None or not (caps and caps.persona):
            return {}
        return {str(p.pk): p for p in ready_personas(team=project.team)}

    @property
    def fine_models(self) -> tuple[str, ...]:
        return catalog.FINE_CONTROL

    @property
    def fine_models_label(self) -> str:
        return _newest_labels()

    def clean_extras(self, data: dict) -> None:
        """Put what the request adds into data["extras"], with errors beside the fields."""
        caps = getattr(self, "capabilities", None)
        extras: dict = {}
        mode, mv = data.get("mode"), data.get("mv") or ""
        if caps is not None and caps.vocal_gender and data.get("vocal_gender"):
            extras["vocal_gender"] = data["vocal_gender"]
        if caps is not None and caps.controls:
            extras.update(self._fine_control(data, mv))
        if caps is not None and caps.persona and data.get("persona"):
            persona = self.personas.get(data["persona"])
            if persona is None:
                self.add_error("persona", _("That singer is not ready (or not in this team); pick another."))
            elif mode != Mode.CUSTOM:
                self.add_error("persona", _("A singer can be picked in Custom mode only."))
            else:
                extras.update(persona_sing_fields(persona=persona, mv=mv))
        data["extras"] = extras

    def _fine_control(self, data: dict, mv: str) -> dict:
        out: dict = {}
        raw = (data.get("target_duration") or "").strip()
        given = {
            "target_duration": raw,
            "style_weight": data.get("style_weight"),
            "weirdness": data.get("weirdness"),
        }
        named = [name for name, value in given.items() if value not in ("", None)]
        if named and mv not in catalog.FINE_CONTROL:
            for name in named:
                self.add_error(
                    name,
                    _("Only models %(models)s take this; pick one of them or leave it empty.")
                    % {"models": _newest_labels()},
                )
            return {}
        if raw:
            low, high = catalog.TARGET_SECONDS
            try:
                seconds = _seconds(raw)
            except ValueError:
                self.add_error("target_duration", _("Write a duration as m:ss, e.g. 2:30."))
                return {}
            if not low <= seconds <= high:
                self.add_error(
                    "target_duration",
                    _("Pick a duration from %(low)d s to %(high)d minutes.")
                    % {"low": low, "high": high // 60},
                )
                return {}
            out["duration"] = seconds
        if given["style_weight"] is not None:
            out["style_weight"] = round(given["style_weight"] / 100, 2)
        if given["weirdness"] is not None:
            out["weirdness_constraint"] = round(given["weirdness"] / 100, 2)
        return out


class CoverForm(forms.Form):
    tags = forms.CharField(
        label=_("Style for the cover"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. acoustic folk, female vocals")}),
    )
    title = forms.CharField(label=_("Title of the cover"), required=False)
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, clip=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clip = clip

    def clean(self):
        data = super().clean()
        model = catalog.get_model(catalog.task_model("cover"))
        tags = (data.get("tags") or "").strip()
        if not tags:
            self.add_error("tags", _("Give the new style, e.g. “acoustic folk”."))
        within_limits(self, data, {"tags": model.style, "title": model.title})
        return data


class PersonaForm(forms.Form):
    name = forms.CharField(label=_("Persona name"), max_length=80, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. warm alto, breathy, slight vibrato")}),
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the persona a name."))
        return name


class BoostForm(forms.Form):
    tags = forms.CharField(max_length=1000, required=False)

    def clean_tags(self) -> str:
        tags = self.cleaned_data["tags"].strip()
        if not tags:
            raise forms.ValidationError(_("Write a few words of style first, e.g. “student”."))
        return tags


class AddPartForm(forms.Form):
    """ "Add vocals or an instrumental" on an uploaded clip: which part, its style and title (and the lyrics
    to sing, for vocals)."""

    part = forms.ChoiceField(
        label=_("Add"),
        choices=(("vocals", _("Vocals")), ("instrumental", _("An instrumental"))),
        initial="vocals",
        widget=forms.RadioSelect,
    )
    tags = forms.CharField(label=_("Style"), required=False)
    # The family requires negativeTags on both calls (docs/protocol.md 8.1): the Create form's "Exclude
    # styles", offered here too; left empty, it is sent empty.
    negative_tags = forms.CharField(label=_("Exclude styles"), required=False)
    title = forms.CharField(label=_("Title"), required=False)
    lyrics = forms.CharField(label=_("Lyrics to sing"), required=False, widget=forms.Textarea)
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        model = catalog.get_model(catalog.task_model("add_part"))
        if not (data.get("tags") or "").strip():
            self.add_error("tags", _("Give the style, e.g. “acoustic folk”."))
        if data.get("part") == "vocals" and not (data.get("lyrics") or "").strip():
            self.add_error("lyrics", _("Give the lyrics the vocals sing."))
        limits = {
            "tags": model.style,
            "negative_tags": model.style,
            "title": model.title,
            "lyrics": model.lyrics,
        }
        within_limits(self, data, limits)
        return data
