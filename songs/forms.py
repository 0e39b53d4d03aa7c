from __future__ import annotations

from django import forms
from django.conf import settings

from songs import catalog
from songs.models import GenerationTask, Project

Mode = GenerationTask.Mode


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": "e.g. Summer EP", "autocomplete": "off"})}


class SongForm(forms.Form):
    """Inspiration (a description) or Custom (lyrics, style, title, model). Limits follow the model table."""

    mode = forms.ChoiceField(
        choices=[(Mode.INSPIRATION, "Inspiration"), (Mode.CUSTOM, "Custom")],
        initial=Mode.CUSTOM,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label="Song description",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "An upbeat pop song about a summer road trip"}
        ),
    )
    lyrics = forms.CharField(
        label="Lyrics",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": "[Verse]\n...\n\n[Chorus]\n..."}),
    )
    tags = forms.CharField(
        label="Style of music",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "emotional punk, female vocals"}),
    )
    title = forms.CharField(label="Title", required=False)
    mv = forms.ChoiceField(label="Model", choices=catalog.model_choices, initial=settings.SUNO_DEFAULT_MODEL)
    instrumental = forms.BooleanField(label="Instrumental", required=False)
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        mode, mv = data.get("mode"), data.get("mv")
        if not mode or not mv:
            return data
        model = catalog.get_model(mv)
        if mode == Mode.INSPIRATION:
            self._require("description", "Describe the song you want.")
            self._limit("description", catalog.DESCRIPTION_LIMIT, "")
        else:
            if not data.get("instrumental"):
                self._require("lyrics", "Write lyrics, or tick Instrumental.")
            self._require("tags", "Give a style, e.g. “emotional punk”.")
            self._limit("lyrics", model.lyrics, model.label)
            self._limit("tags", model.style, model.label)
            self._limit("title", model.title, model.label)
        return data

    def _require(self, name: str, message: str) -> None:
        if not (self.cleaned_data.get(name) or "").strip():
            self.add_error(name, message)

    def _limit(self, name: str, limit: int, label: str) -> None:
        value = self.cleaned_data.get(name) or ""
        if len(value) > limit:
            model = f" for model {label}" if label else ""
            self.add_error(
                name, f"{len(value)} characters: at most {limit}{model}. Shorten it by {len(value) - limit}."
            )


class LyricsPromptForm(forms.Form):
    prompt = forms.CharField(
        label="Write lyrics about",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. homesick on a night train"}),
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)


class DraftForm(forms.Form):
    title = forms.CharField(label="Title", required=False, max_length=200)
    text = forms.CharField(label="Lyrics", widget=forms.Textarea(attrs={"rows": 22}))
    mv = forms.ChoiceField(
        label="Check length for model",
        choices=catalog.model_choices,
        initial=settings.SUNO_DEFAULT_MODEL,
        required=False,
    )
