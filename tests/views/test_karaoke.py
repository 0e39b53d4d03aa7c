"""Karaoke and the waveform on the card: LRC and SRT downloads, the lines loaded into the card, who may
read them, and what the waveform costs a page."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from songs import karaoke, waveform
from songs.models import Clip, ClipTiming
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}

# As the engine (and the reference) answers: tags and blank lines ride on the next word.
WORDS = [
    {"word": "[Verse]\nWinter ", "success": True, "start_s": 8.38, "end_s": 8.78, "p_align": 0.98},
    {"word": "winds\n", "success": True, "start_s": 8.78, "end_s": 9.54, "p_align": 0.96},
    {"word": "they ", "success": True, "start_s": 9.9, "end_s": 10.41, "p_align": 1.0},
    {"word": "cut\n", "success": True, "start_s": 10.41, "end_s": 11.93, "p_align": 1.0},
    {"word": "\n[Chorus]\n城", "success": True, "start_s": 65.5, "end_s": 66.0, "p_align": 1.0},
    {"word": "市\n", "success": True, "start_s": 66.0, "end_s": 66.8, "p_align": 1.0},
    {"word": "never ", "success": False, "start_s": 66.8, "end_s": 66.8, "p_align": 0.0},
    {"word": "sung", "success": False, "start_s": 66.8, "end_s": 66.8, "p_align": 0.0},
]


@pytest.fixture
def clip(project):
    clip = make_stored_clip(make_task(project, status="succeeded"), title="城市之光 City")
    clip.duration, clip.lyrics = 240.0, "[Verse]\nWinter winds\nthey cut\n\n[Chorus]\n城市\nnever sung"
    clip.peaks = waveform.encode([i % 64 for i in range(waveform.POINTS)])
    clip.timing_state = "stored"
    clip.save()
    ClipTiming.objects.create(clip=clip, words=WORDS)
    return clip


# --- The pure formats ---------------------------------------------------------------------------


def test_lrc_has_the_title_a_line_per_sung_lyric_line_and_a_gap_between_sections():
    assert karaoke.lrc_text(WORDS, title="City [Live]") == (
        "[ti:City (Live)]\n[00:08.38]Winter winds\n[00:09.90]they cut\n\n[01:05.50]城市\n"
    )


def test_srt_has_one_numbered_cue_per_sung_line():
    assert karaoke.srt_text(WORDS) == (
        "1\n00:00:08,380 --> 00:00:09,540\nWinter winds\n\n"
        "2\n00:00:09,900 --> 00:00:11,930\nthey cut\n\n"
        "3\n00:01:05,500 --> 00:01:06,800\n城市\n"
    )


def test_lines_keep_the_unsung_words_and_name_each_section_once():
    lines = karaoke.lines_of(WORDS)
    assert [(line.section, line.text, line.sung) for line in lines] == [
        ("Verse", "Winter winds", True),
        ("", "they cut", True),
        ("Chorus", "城市", True),
        ("", "never sung", False),
    ]
    assert (lines[0].start, lines[0].end) == (8.38, 9.54)


# --- Downloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type", "first"),
    [("lrc", "application/x-lrc", "[ti:城市之光 City]"), ("srt", "application/x-subrip", "1")],
)
def test_the_lyric_files_are_named_after_the_title_in_any_script(
    owner_client, clip, kind, content_type, first
):
    response = owner_client.get(reverse("songs:clip_lyrics_file", args=[clip.uid, kind]))
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    body = response.content.decode("utf-8")
    assert body.splitlines()[0] == first and "城市" in body
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(f'城市之光 City.{kind}')}" in disposition  # RFC 5987


def test_viewers_may_download_the_lyrics_but_strangers_cannot_even_see_them(
    client_for, clip, viewer, stranger
):
    for kind in ("lrc", "srt"):
        url = reverse("songs:clip_lyrics_file", args=[clip.uid, kind])
        assert client_for(viewer).get(url).status_code == 200
        assert client_for(stranger).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302  # to the log-in page
    karaoke_url = reverse("songs:clip_karaoke", args=[clip.uid])
    assert client_for(viewer).get(karaoke_url, **HX).status_code == 200
    assert client_for(stranger).get(karaoke_url, **HX).status_code == 404


def test_a_clip_without_timed_lyrics_has_no_files(owner_client, project):
    bare = make_stored_clip(make_task(project, status="succeeded"))
    for kind in ("lrc", "srt"):
        assert owner_client.get(reverse("songs:clip_lyrics_file", args=[bare.uid, kind])).status_code == 404
    assert owner_client.get(reverse("songs:clip_karaoke", args=[bare.uid])).status_code == 404
    assert owner_client.get(f"/clips/{bare.uid}/lyrics/txt").status_code == 404


# --- The card -------------------------------------------------------------------------------------


def _card(client, project, clip) -> str:
    page = client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    return page[page.index(f'id="clip-{clip.pk}"') :]


def test_the_card_offers_lyrics_files_and_the_lyrics_load_when_opened(owner_client, project, clip):
    card = _card(owner_client, project, clip)
    assert f'data-karaoke-for="{clip.pk}"' in card and 'hx-trigger="toggle once"' in card
    assert "Lyrics (.lrc)" in card and "Subtitles (.srt)" in card
    lines = owner_client.get(reverse("songs:clip_karaoke", args=[clip.uid]), **HX).content.decode()
    seeks = re.findall(r'<button type="button" class="karaoke-seek" data-seek="([\d.]+)"', lines)
    assert seeks == ["8.38", "9.90", "65.50"]  # one per sung line, in order
    assert '<span data-start="8.38" data-end="8.78">Winter </span>' in lines
    assert "never sung" in lines and 'data-seek="66.80"' not in lines  # shown, but never highlighted
    assert lines.index("Chorus") < lines.index("城")


def test_the_waveform_is_a_slider_and_costs_a_few_hundred_bytes(owner_client, project, clip):
    card = _card(owner_client, project, clip)
    box = re.search(r'<div class="waveform-box">.*?</p>\s*</div>', card, re.S).group(0)
    assert 'role="slider"' in box and 'aria-valuemin="0"' in box and 'aria-valuemax="240"' in box
    assert 'aria-valuetext="0:00 of 4:00"' in box and 'data-valuetext="{now} of {total}"' in box
    assert f'data-peaks="{clip.peaks}"' in box
    assert f'data-continue-url="/projects/{project.pk}/continue/"' in box  # the owner may pick times
    # What a 4-minute clip's waveform adds to its card, peaks and all (measured: 827 bytes).
    assert len(box.encode()) < 1500, len(box.encode())


def test_a_viewer_gets_the_waveform_to_play_from_but_not_to_pick_times(client_for, project, clip, viewer):
    card = _card(client_for(viewer), project, clip)
    assert 'role="slider"' in card and "data-continue-url" not in card and "data-infill" not in card


def test_replacing_a_section_is_offered_on_the_waveform_only_where_the_gateway_can(
    owner_client, project, clip, settings
):
    settings.SUNO_API_FORMAT = "task"
    assert "data-infill" not in _card(owner_client, project, clip)  # the task format has no infill
    settings.SUNO_API_FORMAT = "v2"
    assert 'data-infill="1"' in _card(owner_client, project, clip)


def test_a_range_from_the_waveform_presets_both_times_of_replace_section(
    owner_client, project, clip, settings
):
    settings.SUNO_API_FORMAT = "v2"
    response = owner_client.get(
        reverse("songs:continue_form", args=[project.pk]),
        {"clip": clip.uid, "mode": "infill", "at": "0:12.5", "end": "0:31"},
        **HX,
    )
    body = response.content.decode()
    assert 'name="continue_at" value="0:12.5"' in body and 'name="infill_end" value="0:31"' in body


def test_a_clip_still_streaming_has_no_waveform_and_no_error(owner_client, project):
    task = make_task(project)
    Clip.objects.create(
        project=project, task=task, upstream_id="s-1", status="streaming", audio_url="http://gw.test/s.mp3"
    )
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk]))
    assert page.status_code == 200 and "data-waveform" not in page.content.decode()


def test_while_the_words_are_coming_the_card_keeps_their_place_without_offering_files(
    owner_client, project, clip
):
    Clip.objects.filter(pk=clip.pk).update(timing_state="pending")
    card = _card(owner_client, project, clip)
    assert 'class="karaoke karaoke-waiting"' in card
    assert "data-karaoke-for" not in card and "Lyrics (.lrc)" not in card
