"""Audio file chores for the studio: probe, convert WAV to MP3 for upstream, MP3 to WAV for download.

Decoding and encoding happen in workers or on a download request, never per poll.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lameenc
import miniaudio


class NotAudio(ValueError):
    pass


@dataclass(frozen=True)
class Probe:
    duration: float
    sample_rate: int
    channels: int
    is_mp3: bool


def probe(path: Path) -> Probe:
    """Decode the file completely: a header alone can lie about what follows."""
    try:
        decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16)
    except miniaudio.DecodeError:
        raise NotAudio("That file is not audio we can read (MP3 or WAV).") from None
    if decoded.num_frames == 0:
        raise NotAudio("That audio file is empty.")
    with open(path, "rb") as handle:
        head = handle.read(3)
    is_mp3 = head == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    return Probe(decoded.num_frames / decoded.sample_rate, decoded.sample_rate, decoded.nchannels, is_mp3)


def to_mp3(path: Path, dest: Path, *, bitrate: int = 192) -> None:
    decoded = miniaudio.decode_file(
        str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=2, sample_rate=44100
    )
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(44100)
    encoder.set_channels(2)
    encoder.set_quality(5)
    data = encoder.encode(decoded.samples.tobytes()) + encoder.flush()
    _write_atomic(dest, bytes(data))


def to_wav(path: Path, dest: Path) -> None:
    decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16)
    with _atomic(dest) as tmp, wave.open(str(tmp), "wb") as out:
        out.setnchannels(decoded.nchannels)
        out.setsampwidth(2)
        out.setframerate(decoded.sample_rate)
        out.writeframes(decoded.samples.tobytes())


def _write_atomic(dest: Path, data: bytes) -> None:
    with _atomic(dest) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def _atomic(dest: Path) -> Iterator[Path]:
    """A temp file of its own beside dest, moved onto it when complete: two writers never share one."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the web server must read it
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
