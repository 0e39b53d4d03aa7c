"""Stems, covers, personas and style boost through the studio and the built-in engine over HTTP (no mocks),
measured on the stored audio: the stems sum to the mix, a cover keeps the tune in another style, a
persona keeps its singer."""

from __future__ import annotations

import numpy as np
import pytest
from django.urls import reverse

from songs import selectors
from songs.forms_extras import persona_sing_fields
from songs.models import Clip, GenerationTask, Persona, StyleBoost
from songs.services import boost, personas, requests, stems
from tests.e2e import measure
from tests.e2e.test_flow import LYRICS, _run_until_settled

# Fixed engine ids: the measuring tests hear the same, once-verified songs every run.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_ids")]


@pytest.fixture(autouse=True)
def v2_engine(settings, engine_gateway):
    """The v2 format carries the SunoAPI-style fields; short songs keep the renders quick."""
    settings.SUNO_API_FORMAT = "v2"
    settings.ENGINE_MAX_SECONDS = 24.0


def song(project, owner, **changes) -> Clip:
    fields = {"mode": "custom", "mv": "chirp-auk", "lyrics": LYRICS, "tags": "pop", "title": "City Lights"}
    task = _run_until_settled(requests.music_request(project=project, user=owner, **{**fields, **changes}))
    assert task.status == "succeeded", task.fail_reason
    clip = task.clips.order_by("id").first()
    assert clip.media_state == "stored", clip.media_error
    return clip


def split(clip: Clip, owner) -> tuple[Clip, Clip]:
    task = _run_until_settled(stems.stems_request(clip=clip, user=owner))
    assert task.status == "succeeded", task.fail_reason
    found = {c.title: c for c in task.clips.all()}
    vocals, instrumental = found[f"{clip.title} - Vocals"], found[f"{clip.title} - Instrumental"]
    assert vocals.media_state == instrumental.media_state == "stored"
    return vocals, instrumental


def test_stems_come_back_on_the_source_card_and_sum_to_its_mix(project, owner):
    source = song(project, owner)
    vocals, instrumental = split(source, owner)

    for stem in (vocals, instrumental):
        assert stem.clip_type == "stem" and stem.parent_id == source.pk
        assert stem.metadata["stem_from_id"] == source.upstream_id
    # on the source's card, not cards of their own
    project.membership = project.team.memberships.get(user=owner)
    cards, _ = selectors.project_cards_page(project=project)
    assert [t.pk for t in cards] == [source.task_id]
    on_card = next(c for c in cards[0].clips.all() if c.pk == source.pk)
    assert {c.pk for c in on_card.stem_requests[0].clips.all()} == {vocals.pk, instrumental.pk}
    # asking again makes no second request (nothing billed twice)
    assert stems.stems_request(clip=source, user=owner).pk == vocals.task_id
    assert GenerationTask.objects.filter(mode="stems").count() == 1

    mix, v, i = measure.mono(source), measure.mono(vocals), measure.mono(instrumental)
    summed = measure.correlation(v[: len(i)] + i[: len(v)], mix)
    apart = measure.correlation(v, i)
    print(f"stems: corr(vocals + instrumental, mix) = {summed:.5f}; corr(vocals, instrumental) = {apart:.3f}")
    assert summed > 0.99 and abs(apart) < 0.3


def test_a_cover_keeps_the_tune_in_a_measurably_different_style(project, owner):
    source = song(project, owner, tags="pop")
    task = _run_until_settled(stems.cover_request(clip=source, user=owner, tags="punk rock", title=""))
    assert task.status == "succeeded", task.fail_reason
    cover = task.clips.order_by("id").first()
    assert cover.parent_id == source.pk and cover.metadata["cover_clip_id"] == source.upstream_id
    assert task.request_payload["task"] == "cover" and cover.title == source.title

    bpm = [c.metadata["engine"]["bpm"] for c in (source, cover)]
    src_vocals, cover_vocals = split(source, owner)[0], split(cover, owner)[0]
    a, b = measure.mono(src_vocals), measure.mono(cover_vocals)
    pairs = []
    for t in measure.voiced_times(a, step=0.1):
        other = t  # the same moment: a cover keeps its source's timing (its tempo x 1, 2 or 1/2)
        if measure.rms_at(b, other) > 0.01:
            held = measure.held_pitch(a, t), measure.held_pitch(b, other)
            if None not in held:
                pairs.append(held)
    contour = float(np.corrcoef(*np.array(pairs).T)[0, 1])
    mix = [measure.mono(c) for c in (source, cover)]
    measured_bpm = [measure.tempo(m, lo=80.0, hi=220.0) for m in mix]
    centroid = [measure.spectral_centroid(m) for m in mix]
    print(
        f"cover: pitch contour corr {contour:.3f} over {len(pairs)} frames; "
        f"tempo {bpm[0]:.0f} -> {bpm[1]:.0f} bpm (measured {measured_bpm[0]:.1f} -> {measured_bpm[1]:.1f}); "
        f"centroid {centroid[0]:.0f} -> {centroid[1]:.0f} Hz"
    )
    assert contour > 0.9 and len(pairs) > 20
    # another style: another tempo, heard in the audio (up to the octave an autocorrelation can mistake),
    # or another timbre
    for heard, told in zip(measured_bpm, bpm, strict=True):
        folded = min((heard * f for f in (0.5, 1, 2)), key=lambda x: abs(x - told))
        assert abs(folded - told) / told < 0.03, (heard, told)
    assert abs(bpm[1] - bpm[0]) > 15 or abs(centroid[1] - centroid[0]) > 100


def test_a_personas_songs_keep_its_voice(project, owner):
    singer = song(project, owner, tags="pop", extras={"vocal_gender": "f"})
    persona = personas.persona_create(clip=singer, user=owner, name="Ann", description="bright")
    persona.refresh_from_db()
    assert persona.is_ready and persona.task.status == "succeeded", persona.task.fail_reason
    assert persona.task.cost == 100

    sung = song(
        project,
        owner,
        tags="heavy metal",
        title="Iron",
        extras=persona_sing_fields(persona=persona, mv="chirp-auk"),
    )
    assert sung.metadata["persona_id"] == persona.upstream_id
    other = song(project, owner, tags="heavy metal", title="Other", extras={"vocal_gender": "m"})
    prints = {c.title: measure.voice_print(measure.mono(split(c, owner)[0])) for c in (singer, sung, other)}
    own = float(np.linalg.norm(prints["Iron"] - prints["City Lights"]))
    different = float(np.linalg.norm(prints["Iron"] - prints["Other"]))
    registers = {title: round(float(p[0]) * 12, 1) for title, p in prints.items()}
    print(f"persona: distance to its singer {own:.3f}, to another (male) voice {different:.3f}; {registers}")
    assert own < different


def test_a_persona_the_gateway_refuses_fails_with_a_reason_and_gives_the_credits_back(project, owner):
    upload_like = song(project, owner)
    Clip.objects.filter(pk=upload_like.pk).update(upstream_id="not-on-the-engine")
    upload_like.refresh_from_db()
    persona = personas.persona_create(clip=upload_like, user=owner, name="Ghost", description="")
    persona = Persona.objects.select_related("task").get(pk=persona.pk)
    assert not persona.is_ready and persona.task.status == "failed"
    assert "not-on-the-engine" in persona.task.fail_reason or persona.task.reason_code
    assert selectors.credits_used_today(team=project.team) == 10  # the song only


def test_boost_fills_the_style_field_from_the_gateway(project, owner, owner_client):
    made = boost.boost_request(project=project, user=owner, tags="student")
    made.refresh_from_db()
    assert made.status == StyleBoost.Status.DONE and len(made.upsampled_tags) > 40
    # the page's part: POST answers at once with a polling area, which swaps in the words when done
    answer = owner_client.post(
        reverse("songs:boost_create", args=[project.pk]), {"tags": "rainy jazz"}, HTTP_HX_REQUEST="true"
    )
    latest = StyleBoost.objects.latest("pk")
    state = owner_client.get(reverse("songs:boost_state", args=[latest.uid]) + "?left=5").content.decode()
    assert answer.status_code == 200 and latest.status == "done"
    assert f'data-boost-result="{latest.upsampled_tags}"' in state and "Undo" in state
