"""Where the engine keeps its media: MP3, cover, video and a lossless PCM copy per clip.

The lossless copy (int16 .npy, the exact samples the MP3 was encoded from) makes cuts for continue,
infill and concat exact and cheap: no decoding, no encoder delay, no generation loss. It is never served.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from django.conf import settings

from engine.jobs import media

SAMPLE_RATE = 44100  # everything the engine stores is at this rate; uploads are resampled on decode


def media_path(clip_id: str, kind: str) -> Path:
    return Path(settings.MEDIA_ROOT) / settings.ENGINE_MEDIA_SUBDIR / f"{clip_id}.{kind}"


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def to_pcm16(audio: np.ndarray) -> np.ndarray:
    """The same rounding as the MP3 encoder's input, so the .npy holds exactly what the MP3 encodes."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def save_audio(clip_id: str, audio: np.ndarray, sample_rate: int = SAMPLE_RATE, quality: int = 5) -> None:
    """MP3 for listeners, int16 .npy for the engine's own cuts. quality: LAME's 2 (best) .. 7 (fastest)."""
    pcm = to_pcm16(audio)
    path = media_path(clip_id, "npy")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".npy.part")
    with open(tmp, "wb") as f:
        np.save(f, pcm)
    os.replace(tmp, path)
    write_atomic(media_path(clip_id, "mp3"), media.encode_mp3(audio, sample_rate, quality=quality))


def part_path(clip_id: str, kind: str) -> Path:
    """Where a file is written before it is complete (then renamed, so its readers keep reading it)."""
    path = media_path(clip_id, kind)
    return path.with_suffix(path.suffix + ".part")


def save_sections(
    clip_id: str,
    sections: Iterable[np.ndarray],
    frames: int,
    on_first: Callable[[], None] = lambda: None,
    sample_rate: int = SAMPLE_RATE,
) -> None:
    """save_audio() for a song made section by section ((m, 2) float32, ``frames`` samples in all): each
    section is encoded as it comes, so the MP3 grows on disk (as <clip>.mp3.part, the stream served while
    the clip is streaming: engine.api.views_media) and only a section is ever held. on_first() is called
    once the first section's MP3 bytes are on disk; both files take their final names at the end, if the
    sections came to ``frames`` samples (the lossless copy's header, written first, says so)."""
    npy, mp3 = part_path(clip_id, "npy"), part_path(clip_id, "mp3")
    npy.parent.mkdir(parents=True, exist_ok=True)
    enc = media.mp3_encoder(sample_rate)
    first = True
    try:
        with open(npy, "wb") as lossless, open(mp3, "wb") as stream:
            header = {"descr": "<i2", "fortran_order": False, "shape": (frames, 2)}
            np.lib.format.write_array_header_1_0(lossless, header)
            made = 0
            for section in sections:
                made += len(section)
                pcm = to_pcm16(section).tobytes()
                lossless.write(pcm)
                stream.write(enc.encode(pcm))
                if first and stream.tell():
                    stream.flush()
                    on_first()
                    first = False
                else:
                    stream.flush()
            if made != frames:
                raise ValueError(f"clip {clip_id}: its sections came to {made} samples, not {frames}")
            stream.write(enc.flush())
            if first:
                stream.flush()
                on_first()
        os.replace(npy, media_path(clip_id, "npy"))
        os.replace(mp3, media_path(clip_id, "mp3"))
    except BaseException:
        npy.unlink(missing_ok=True)
        mp3.unlink(missing_ok=True)
        raise


class Lossless:
    """A clip's lossless copy read in place: ``len()`` and ``[a:b]`` like the float32 (n, 2) array
    load_audio() gives, each slice read from the file and converted to float32 only when it is asked for.

    Its slices are read by position rather than through a memory map (np.load(mmap_mode="r")): every page
    a map has read counts as the process's memory until the map is closed, so reading a source through to
    its end would hold all of it again, as int16.
    """

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read(f)
            self.start = f.tell()
        if dtype != np.dtype("<i2") or fortran or len(shape) != 2 or shape[1] != 2:
            raise ValueError(f"{path} is not a clip's int16 stereo copy")
        self.frames = int(shape[0])

    def __len__(self) -> int:
        return self.frames

    def __getitem__(self, key: slice) -> np.ndarray:
        lo, hi, step = key.indices(self.frames)
        if step != 1:
            raise ValueError("a clip's audio is read in contiguous slices")
        pcm = np.zeros((max(0, hi - lo), 2), dtype=np.int16)
        if len(pcm):
            with open(self.path, "rb") as f:
                f.seek(self.start + lo * pcm.itemsize * 2)
                if f.readinto(pcm) != pcm.nbytes:
                    raise ValueError(f"{self.path} is shorter than its header says")
        return pcm.astype(np.float32) / np.float32(32767.0)


def open_audio(clip_id: str, duration: float | None = None) -> Lossless | np.ndarray:
    """The clip's audio as load_audio() gives it, for reading a slice at a time: its lossless copy in
    place (Lossless), or, for clips made before that copy existed, the decoded MP3 (whole: there is no
    cheaper way into an MP3)."""
    npy = media_path(clip_id, "npy")
    if npy.is_file():
        return Lossless(npy)
    mp3 = media_path(clip_id, "mp3")
    if not mp3.is_file():
        raise FileNotFoundError(f"clip {clip_id} has no audio on this engine")
    audio, rate = media.decode_audio(mp3.read_bytes(), sample_rate=SAMPLE_RATE)
    audio = audio[media.LAME_DELAY_SAMPLES :]
    if duration:
        audio = audio[: int(round(float(duration) * rate))]
    return audio


def load_audio(clip_id: str, duration: float | None = None) -> np.ndarray:
    """Float32 (n, 2) on the clip's song timeline: sample 0 is song time 0.

    Clips made before the lossless copy existed are decoded from their MP3, minus LAME's start delay
    (decoders keep it; docs/engine.md, traps), and cut to their stated duration.
    """
    return open_audio(clip_id, duration)[:]


def delete_media(clip_id: str) -> None:
    """Every file of a clip, the lossless copy included: what the engine no longer keeps, it never serves."""
    for kind in ("mp3", "jpeg", "mp4", "npy"):
        media_path(clip_id, kind).unlink(missing_ok=True)
