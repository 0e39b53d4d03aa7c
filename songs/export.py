"""Song and project exports: a ZIP made while it is sent, never whole in memory (issue 12, part 9).

``song_entries`` is the file list of one song, a pure function of the rows the selectors read
(``selectors.export_songs``); ``zip_chunks`` streams those lists as a ZIP (zipstream-ng): media is read in
chunks through the storage API (``FieldFile.open("rb")``) and stored as it is (MP3 and images do not deflate),
text is deflated. A WAV a worker has made (``clip.wav_file``) is sent as it is; otherwise it is decoded from
the stored MP3 inside the stream, a chunk at a time, and none is held in memory (bench/bench_export.py
measures the peak RSS of a 20-song project).

Names come from the titles (CJK kept), made safe for every file system: no separators, no leading dots, so
no path leaves the song's folder; a title used twice gets " (2)". ``content_disposition`` names the download
(RFC 5987 ``filename*`` with an ASCII fallback).
"""

from __future__ import annotations

import json
import re
import struct
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import miniaudio
from django.core.exceptions import ObjectDoesNotExist
from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from songs import audio, karaoke

# The WAV inside an export: what the gateways and the engine make, as the WAV download (songs.audio.to_wav).
WAV_RATE, WAV_CHANNELS, WAV_WIDTH = 44100, 2, 2
_FRAME_BYTES = WAV_CHANNELS * WAV_WIDTH
_CHUNK = 64 * 1024
# A name's longest form in UTF-8 bytes: with " (99)" and an extension it stays under the 255 bytes of a
# file name on common file systems.
_NAME_BYTES = 150
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10))}


@dataclass(frozen=True)
class Entry:
    """One file of a song's folder. ``kind``: "file" (stored media as it is), "wav" (decoded from the stored
    MP3 while streaming) or "text" (``source`` is the text)."""

    name: str
    kind: str
    source: Any = field(default=None, compare=False)

    @property
    def compressed(self) -> bool:
        return self.kind == "text"


# --- names ---------------------------------------------------------------------------------------------


def safe_name(title: str, *, fallback: str = "Untitled") -> str:
    """A title as a file or folder name: separators, control and reserved characters become spaces, no
    leading or trailing dots or spaces (so never "." or ".."), at most _NAME_BYTES of UTF-8."""
    name = unicodedata.normalize("NFC", title or "")
    # Invisible format characters go: bidi controls (U+202E turns "x\u202egpj.exe" into "xexe.jpg" on
    # screen), zero-width spaces and joiners, the byte-order mark. None belongs in a file name.
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    name = _UNSAFE.sub(" ", name)
    name = " ".join(name.split()).strip(" .")
    while len(name.encode("utf-8")) > _NAME_BYTES:
        name = name[:-1]
    name = name.rstrip(" .")
    if not name:
        return fallback
    return f"_{name}" if name.split(".")[0].upper() in _RESERVED else name


def download_name(title: str, ext: str) -> str:
    """A clip's download (its MP3, WAV, cover, lyrics) named after its title, made safe as in a ZIP."""
    return f"{safe_name(title, fallback='clip')}.{ext}"


class Names:
    """Unique names in one folder: a title used twice gets " (2)", " (3)"… (case-insensitively, as on
    macOS and Windows)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def unique(self, stem: str, ext: str = "") -> str:
        name, n = f"{stem}{ext}", 1
        while name.casefold() in self.taken:
            n += 1
            name = f"{stem} ({n}){ext}"
        self.taken.add(name.casefold())
        return name


def ascii_name(name: str, *, fallback: str) -> str:
    """The ASCII fallback of a download's name (for clients without RFC 5987): accents dropped, other
    scripts left out; nothing left gives ``fallback``."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = " ".join(re.sub(r"[^A-Za-z0-9 ._()'-]+", " ", text).split()).strip(" .")
    return text or fallback


def content_disposition(filename: str, *, fallback: str) -> str:
    """attachment; filename="<ASCII>"; filename*=UTF-8''<the real name> (RFC 6266 and 5987)."""
    stem, dot, ext = filename.rpartition(".")
    plain = ascii_name(stem, fallback="")
    plain = f"{plain}{dot}{ext}" if plain and dot else fallback
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- what goes into a song's folder --------------------------------------------------------------------


def song_entries(clip, *, stems: Iterable = (), parents: Iterable[dict] = ()) -> list[Entry]:
    """The files of one song's folder, named after its title; pure (reads no file and no database).

    MP3 and WAV when the audio is stored, the cover, the lyrics (.txt, and .lrc once timed lyrics exist:
    ``lrc_entry``), the stems made from it under stems/, and a JSON of its metadata and lineage.
    """
    names, base = Names(), safe_name(clip.title)
    entries: list[Entry] = []
    if clip.audio_file:
        entries.append(Entry(names.unique(base, ".mp3"), "file", clip.audio_file))
        if clip.wav_file:  # made by a worker: sent as it is
            entries.append(Entry(names.unique(base, ".wav"), "file", clip.wav_file))
        else:  # decoded from the MP3 while it is sent
            entries.append(Entry(names.unique(base, ".wav"), "wav", clip.audio_file))
    if clip.image_file:
        entries.append(Entry(names.unique(f"{base} - cover", ".jpeg"), "file", clip.image_file))
    if (clip.lyrics or "").strip():
        entries.append(Entry(names.unique(f"{base} - lyrics", ".txt"), "text", _lines(clip.lyrics)))
    lrc = lrc_entry(clip, names=names, base=base)
    if lrc is not None:
        entries.append(lrc)
    stem_names, stem_rows = Names(), []
    for stem in stems:
        if stem.audio_file:
            name = "stems/" + stem_names.unique(safe_name(stem.title, fallback="Stem"), ".mp3")
            entries.append(Entry(name, "file", stem.audio_file))
            stem_rows.append({"title": stem.title, "upstream_id": stem.upstream_id, "file": name})
    meta_name = names.unique(f"{base} - metadata", ".json")
    files = [entry.name for entry in entries] + [meta_name]
    meta = song_metadata(clip, parents=parents, stems=stem_rows, files=files)
    entries.append(Entry(meta_name, "text", json.dumps(meta, ensure_ascii=False, indent=2) + "\n"))
    return entries


def lrc_entry(clip, *, names: Names, base: str) -> Entry | None:
    """The timed lyrics as LRC (``songs.karaoke.lrc_text``) for a clip that has them; None otherwise
    (instrumentals and uploads have none). ``selectors.export_songs`` reads them with the clips."""
    if getattr(clip, "timing_state", "") != "stored":
        return None
    try:
        words = clip.timing.words
    except ObjectDoesNotExist:
        return None
    if not words:
        return None
    return Entry(names.unique(base, ".lrc"), "text", karaoke.lrc_text(words, title=clip.title))


def song_metadata(clip, *, parents: Iterable[dict], stems: list[dict], files: list[str]) -> dict:
    """Who the song is and where it comes from: what a person (or another tool) needs besides the audio."""
    meta = clip.metadata if isinstance(clip.metadata, dict) else {}
    return {
        "title": clip.title,
        "tags": clip.tags,
        "negative_tags": meta.get("negative_tags") or "",
        "model": clip.model_name,
        "duration": clip.duration,
        "created": _iso(clip.created_at),
        "type": clip.clip_type,
        "description": clip.description,
        "instrumental": bool(meta.get("make_instrumental")) or not (clip.lyrics or "").strip(),
        "upstream_id": clip.upstream_id,
        "task_upstream_id": clip.task.upstream_id if clip.task_id else "",
        "continue_at": clip.continue_at,
        "stem_from_id": meta.get("stem_from_id") or None,
        "parents": [
            {
                "title": row["title"],
                "upstream_id": row["upstream_id"],
                "continue_at": row["continue_at"],
                "created": _iso(row["created_at"]),
            }
            for row in parents
        ],
        "stems": stems,
        "files": files,
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n") + "\n"


# --- the ZIP, as a stream ------------------------------------------------------------------------------


def zip_chunks(folders: Iterable[tuple[str, list[Entry]]]) -> Iterator[bytes]:
    """The ZIP of these folders, in chunks, made as it is read. Media is stored as it is, text deflated.

    Nothing is read before the response is iterated, and at most one chunk of a file (or of decoded
    audio) is in memory at a time.
    """
    archive = ZipStream(compress_type=ZIP_STORED)
    for folder, entries in folders:
        for entry in entries:
            archive.add(
                _content(entry),
                f"{folder}/{entry.name}",
                compress_type=ZIP_DEFLATED if entry.compressed else ZIP_STORED,
            )
    yield from archive


def _content(entry: Entry):
    if entry.kind == "text":
        return entry.source.encode("utf-8")
    if entry.kind == "wav":
        return wav_chunks(entry.source)
    return file_chunks(entry.source)


def file_chunks(stored) -> Iterator[bytes]:
    """A stored file (a FieldFile) in chunks, through the storage API."""
    with stored.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _pcm(stored) -> Iterator[bytes]:
    """16-bit stereo PCM at 44.1 kHz of a stored MP3, a chunk at a time; stops quietly where it cannot
    decode any further (a damaged file yields what could be read)."""
    with stored.open("rb") as handle:
        try:
            yield from audio.pcm_chunks(
                handle, nchannels=WAV_CHANNELS, sample_rate=WAV_RATE, source_format=miniaudio.FileFormat.MP3
            )
        except miniaudio.DecodeError:
            return


def wav_header(frames: int) -> bytes:
    data = frames * _FRAME_BYTES
    return (
        b"RIFF" + struct.pack("<I", 36 + data) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, WAV_CHANNELS, WAV_RATE, WAV_RATE * _FRAME_BYTES,
                                _FRAME_BYTES, WAV_WIDTH * 8)
        + b"data" + struct.pack("<I", data)
    )  # fmt: skip


def wav_chunks(stored) -> Iterator[bytes]:
    """A WAV of a stored MP3, decoded while streaming. A WAV names its length before its samples, so the
    MP3 is decoded twice: once to count (about 0.1 s a 3-minute song here), once to send. What is sent
    is held to the counted length (padded with silence or cut), so the file is always valid."""
    try:
        frames = sum(len(pcm) for pcm in _pcm(stored)) // _FRAME_BYTES
    except miniaudio.MiniaudioError:
        frames = 0  # not audio miniaudio can read: an empty but valid WAV
    frames = min(frames, (2**32 - 1 - 36) // _FRAME_BYTES)  # what a RIFF header can name
    yield wav_header(frames)
    remaining = frames * _FRAME_BYTES
    if remaining:
        try:
            for pcm in _pcm(stored):
                piece = pcm[:remaining]
                remaining -= len(piece)
                if piece:
                    yield piece
                if not remaining:
                    break
        except miniaudio.MiniaudioError:
            pass
    while remaining > 0:
        pad = min(remaining, _CHUNK)
        remaining -= pad
        yield bytes(pad)


# --- a song, a project ---------------------------------------------------------------------------------


def song_folders(songs: Iterable) -> list[tuple[str, list[Entry]]]:
    """A folder per song (``selectors.ExportSong``), named after its title, unique in the ZIP."""
    folders, names = [], Names()
    for song in songs:
        folder = names.unique(safe_name(song.clip.title))
        folders.append((folder, song_entries(song.clip, stems=song.stems, parents=song.parents)))
    return folders
