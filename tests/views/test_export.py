"""Export (issue 12, part 9): a song or a whole project as one ZIP, streamed, named after the titles."""

from __future__ import annotations

import io
import json
import uuid
import wave
import zipfile
from pathlib import Path
from urllib.parse import quote

import miniaudio
import pytest
from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from songs import export
from songs.models import Clip
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = pytest.mark.django_db

LYRICS = "[Verse]\nWalking down the streets\n\n[Chorus]\nCity lights"


def _song(project, *, title="City Lights", seconds=1.0, lyrics=LYRICS, cover=True, **fields) -> Clip:
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(seconds), title=title)
    values = {"lyrics": lyrics, "tags": "emotional punk", "model_name": "chirp-v3", **fields}
    for name, value in values.items():
        setattr(clip, name, value)
    if cover:
        name = f"clips/images/{clip.uid}.jpeg"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (200, 30, 90)).save(path, "JPEG")
        clip.image_file = name
    clip.save()
    return clip


def _stem(source: Clip, part: str) -> Clip:
    stem = make_stored_clip(make_task(source.project, status="succeeded"), title=f"{source.title} - {part}")
    stem.clip_type = "stem"
    stem.metadata = {"type": "stem", "stem_from_id": source.upstream_id}
    stem.save()
    return stem


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response
    assert isinstance(response, StreamingHttpResponse) and response.streaming  # never a bytes body
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _export_clip(client, clip):
    return client.get(reverse("songs:clip_export", args=[clip.uid]))


def _export_project(client, project):
    return client.get(reverse("songs:project_export", args=[project.pk]))


def test_a_song_zip_holds_its_mp3_wav_cover_lyrics_and_metadata(owner_client, project):
    clip = _song(project, seconds=2.0)
    archive = _zip(_export_clip(owner_client, clip))
    assert sorted(archive.namelist()) == [
        "City Lights/City Lights - cover.jpeg",
        "City Lights/City Lights - lyrics.txt",
        "City Lights/City Lights - metadata.json",
        "City Lights/City Lights.mp3",
        "City Lights/City Lights.wav",
    ]
    stored = (Path(settings.MEDIA_ROOT) / clip.audio_file.name).read_bytes()
    assert archive.read("City Lights/City Lights.mp3") == stored  # the stored file, byte for byte
    assert archive.read("City Lights/City Lights - lyrics.txt").decode() == LYRICS + "\n"
    kinds = {info.filename.rsplit(".", 1)[1]: info.compress_type for info in archive.infolist()}
    assert kinds == {  # media as it is (it does not deflate), text deflated
        "mp3": zipfile.ZIP_STORED,
        "wav": zipfile.ZIP_STORED,
        "jpeg": zipfile.ZIP_STORED,
        "txt": zipfile.ZIP_DEFLATED,
        "json": zipfile.ZIP_DEFLATED,
    }
    assert archive.testzip() is None  # every CRC right


def test_the_wav_is_the_stored_mp3_decoded_with_a_true_length(owner_client, project):
    clip = _song(project, seconds=2.0)
    archive = _zip(_export_clip(owner_client, clip))
    data = archive.read("City Lights/City Lights.wav")
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 44100)
        frames = wav.getnframes()
        assert len(wav.readframes(frames)) == frames * 4  # the header names exactly the samples that follow
    mp3 = miniaudio.decode((Path(settings.MEDIA_ROOT) / clip.audio_file.name).read_bytes(), nchannels=2)
    assert frames == mp3.num_frames and abs(frames / 44100 - 2.0) < 0.1
    decoded = miniaudio.decode(data, nchannels=2)
    assert max(abs(s) for s in decoded.samples[44100:44200]) > 1000  # the tone, not silence


def test_the_metadata_json_gives_the_lineage_through_parent(owner_client, project):
    first = _song(project, title="Take one", cover=False)
    second = _song(project, title="Take two", cover=False, parent=first, continue_at=30.0)
    third = _song(project, title="Take three", cover=False, parent=second, continue_at=60.5, duration=42.0)
    archive = _zip(_export_clip(owner_client, third))
    meta = json.loads(archive.read("Take three/Take three - metadata.json"))
    assert meta["title"] == "Take three" and meta["tags"] == "emotional punk" and meta["model"] == "chirp-v3"
    assert meta["duration"] == 42.0 and meta["upstream_id"] == third.upstream_id
    assert meta["task_upstream_id"] == third.task.upstream_id and meta["continue_at"] == 60.5
    assert timezone.datetime.fromisoformat(meta["created"]) == third.created_at
    assert [(p["title"], p["upstream_id"]) for p in meta["parents"]] == [
        ("Take two", second.upstream_id),
        ("Take one", first.upstream_id),
    ]
    assert meta["parents"][0]["continue_at"] == 30.0
    assert "Take three/" + meta["files"][0] in archive.namelist()


def test_cjk_titles_name_the_zip_its_folders_and_files(owner_client, project):
    clip = _song(project, title="夜の街 · 城市之光", cover=False)
    response = _export_clip(owner_client, clip)
    disposition = response["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('夜の街 · 城市之光.zip', safe='')}" in disposition
    assert f'filename="song-{str(clip.uid)[:8]}.zip"' in disposition  # an ASCII fallback for old clients
    disposition.encode("latin-1")  # a header must be sendable as it is
    archive = _zip(response)
    assert "夜の街 · 城市之光/夜の街 · 城市之光.mp3" in archive.namelist()
    info = archive.getinfo("夜の街 · 城市之光/夜の街 · 城市之光.mp3")
    assert info.flag_bits & 0x800  # marked UTF-8, so unzip tools show the characters


def test_accented_titles_keep_an_ascii_fallback_close_to_the_title(owner_client, project):
    clip = _song(project, title="Café Crème", cover=False)
    disposition = _export_clip(owner_client, clip)["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"Cafe Creme.zip\"; filename*=UTF-8''Caf%C3%A9")


def test_the_project_zip_has_a_folder_per_song_unique_when_titles_repeat(owner_client, project):
    _song(project, title="City Lights", cover=False)
    _song(project, title="City Lights", cover=False)
    _song(project, title="city lights", cover=False)
    _song(project, title="Ocean", cover=False)
    response = _export_project(owner_client, project)
    assert 'filename="Night Drive.zip"' in response["Content-Disposition"]
    archive = _zip(response)
    folders = sorted({name.split("/")[0] for name in archive.namelist()})
    assert folders == ["City Lights", "City Lights (2)", "Ocean", "city lights (3)"]


def test_the_project_zip_leaves_out_trashed_and_unfinished_clips(owner_client, project):
    _song(project, title="Keeper", cover=False)
    _song(project, title="Binned", cover=False, trashed_at=timezone.now())
    _song(project, title="Half done", cover=False, status="streaming")
    folders = {name.split("/")[0] for name in _zip(_export_project(owner_client, project)).namelist()}
    assert folders == {"Keeper"}


def test_stems_go_into_their_source_song_not_a_folder_of_their_own(owner_client, project):
    source = _song(project, title="Anthem", cover=False)
    vocals, instrumental = _stem(source, "Vocals"), _stem(source, "Instrumental")
    trashed = _stem(source, "Old vocals")
    Clip.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    for archive in (_zip(_export_project(owner_client, project)), _zip(_export_clip(owner_client, source))):
        names = archive.namelist()
        assert {n.split("/")[0] for n in names} == {"Anthem"}
        assert {"Anthem/stems/Anthem - Vocals.mp3", "Anthem/stems/Anthem - Instrumental.mp3"} <= set(names)
        assert not any("Old vocals" in n for n in names)
        stored = (Path(settings.MEDIA_ROOT) / vocals.audio_file.name).read_bytes()
        assert archive.read("Anthem/stems/Anthem - Vocals.mp3") == stored
        meta = json.loads(archive.read("Anthem/Anthem - metadata.json"))
        assert {s["upstream_id"] for s in meta["stems"]} == {vocals.upstream_id, instrumental.upstream_id}


@pytest.mark.parametrize(
    "title",
    ["../../etc/passwd", "..\\..\\boot.ini", "/abs/olute", "..", ".hidden", "CON", "a/../../b", " \x00\x1f "],
)
def test_no_title_can_name_a_path_outside_the_songs_folder(owner_client, project, title):
    clip = _song(project, title=title, cover=False)
    archive = _zip(_export_clip(owner_client, clip))
    for name in archive.namelist():
        parts = name.split("/")
        assert len(parts) in (2, 3) and all(part not in ("", ".", "..") for part in parts), name
        assert not any(part.startswith(".") for part in parts) and "\\" not in name, name
        assert parts[0].upper() != "CON", name


def test_viewers_may_export_strangers_get_404(client_for, project, viewer, stranger):
    clip = _song(project, cover=False)
    assert _zip(_export_clip(client_for(viewer), clip)).namelist()
    assert _zip(_export_project(client_for(viewer), project)).namelist()
    assert _export_clip(client_for(stranger), clip).status_code == 404
    assert _export_project(client_for(stranger), project).status_code == 404
    anonymous = client_for(None)
    assert _export_clip(anonymous, clip).status_code == 302
    assert _export_project(anonymous, project).status_code == 302
    assert _export_clip(client_for(stranger), type(clip)(uid=uuid.uuid4())).status_code == 404


def test_a_trashed_clip_cannot_be_exported(owner_client, project):
    clip = _song(project, cover=False, trashed_at=timezone.now())
    assert _export_clip(owner_client, clip).status_code == 404


def test_the_zip_is_sent_while_it_is_made(owner_client, project):
    clip = _song(project, seconds=20.0, cover=False)
    response = _export_clip(owner_client, clip)
    chunks = iter(response.streaming_content)
    first = next(chunks)
    size = (Path(settings.MEDIA_ROOT) / clip.audio_file.name).stat().st_size
    assert first.startswith(b"PK\x03\x04") and len(first) < size  # before the MP3 has even been read whole
    rest = sum(len(chunk) for chunk in chunks)
    assert len(first) + rest > size + 20 * 44100 * 4  # the MP3 and the 20 s WAV followed


def test_the_card_and_the_project_page_offer_download_zip(owner_client, project, viewer, client_for):
    clip = _song(project, cover=False)
    for client in (owner_client, client_for(viewer)):
        page = client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
        assert f'href="{reverse("songs:clip_export", args=[clip.uid])}"' in page
        assert f'href="{reverse("songs:project_export", args=[project.pk])}"' in page
        assert "Download ZIP" in page


def test_song_entries_is_a_list_of_names_a_karaoke_lrc_can_join(project):
    clip = _song(project, cover=False)
    entries = export.song_entries(clip)
    assert [e.name for e in entries] == [
        "City Lights.mp3",
        "City Lights.wav",
        "City Lights - lyrics.txt",
        "City Lights - metadata.json",
    ]
    assert export.lrc_entry(clip, names=export.Names(), base="City Lights") is None  # no timed lyrics


def test_a_song_with_timed_lyrics_gets_its_lrc(project):
    from songs.models import ClipTiming

    clip = _song(project, cover=False)
    words = [{"word": "[Verse]\nCity ", "start_s": 1.5, "end_s": 2.0, "success": True, "p_align": 1.0}]
    words.append({"word": "lights\n", "start_s": 2.0, "end_s": 2.6, "success": True, "p_align": 1.0})
    ClipTiming.objects.create(clip=clip, words=words)
    clip.timing_state = "stored"
    entries = {e.name: e for e in export.song_entries(clip)}
    assert "City Lights.lrc" in entries
    assert entries["City Lights.lrc"].source == "[ti:City Lights]\n[00:01.50]City lights\n"


def test_safe_names():
    assert export.safe_name('a/b\\c:d*e?f"g<h>i|j') == "a b c d e f g h i j"
    assert export.safe_name("...") == "Untitled" and export.safe_name("", fallback="Song") == "Song"
    assert export.safe_name("nul.txt") == "_nul.txt"
    long = export.safe_name("長" * 200)
    assert len(long.encode()) <= 150 and set(long) == {"長"}
    names = export.Names()
    assert [names.unique("A", ".mp3"), names.unique("a", ".mp3"), names.unique("A", ".wav")] == [
        "A.mp3",
        "a (2).mp3",
        "A.wav",
    ]


def test_a_wav_a_worker_made_goes_into_the_zip_as_it_is(owner_client, project, monkeypatch):
    """The web request decodes nothing once the WAV is stored (it was ~0.5 s of CPU a 3-minute song)."""
    from songs.services import copies

    clip = _song(project, seconds=2.0)
    copies.clip_wav_make(clip_pk=clip.pk)  # what the worker does on the first WAV download
    clip.refresh_from_db()
    assert clip.wav_file.name == f"clips/wav/{clip.uid}.wav"

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded in the web request")

    monkeypatch.setattr(export.audio, "pcm_chunks", no_decoding)
    archive = _zip(_export_clip(owner_client, clip))
    stored = (Path(settings.MEDIA_ROOT) / clip.wav_file.name).read_bytes()
    assert archive.read("City Lights/City Lights.wav") == stored and stored[:4] == b"RIFF"


def test_a_wav_stored_before_it_was_recorded_on_the_clip_is_found_once(project):
    from songs.services import copies

    clip = _song(project, seconds=1.0)
    name = copies.wav_name(clip=clip)
    (Path(settings.MEDIA_ROOT) / name).parent.mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / name).write_bytes(b"RIFF....WAVE")
    assert copies.clip_wav_ready(clip=clip)
    assert Clip.objects.get(pk=clip.pk).wav_file.name == name  # next time: no storage lookup
