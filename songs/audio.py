"""Audio file chores for the studio: probe, convert WAV to MP3 for upstream, MP3 to WAV for download.

Decoding and encoding happen in workers or on a download request, never per poll. Everything streams
in chunks of a second or so: a small MP3 can hold hours of audio (a decompression bomb), so nothing is
ever decoded whole, and the probe stops at the length limit.
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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class NotAudio(ValueError):
    pass


class TooLong(NotAudio):
    """Longer than the limit; decoding stopped there, so the real length is not known."""


# Decoding for the probe only counts frames: one channel at a low rate is cheap and keeps the length.
_PROBE_RATE = 16000
_CHUNK_FRAMES = 16384


@dataclass(frozen=True)
class Probe:
    duration: float
    sample_rate: int
    channels: int
    is_mp3: bool


def probe(path: Path, *, max_seconds: float | None = None) -> Probe:
    """Decode the file as a stream, counting its length (a header alone can lie about what follows).

    Memory stays at one chunk whatever the file holds; past ``max_seconds`` it stops and raises TooLong.
    """
    try:
        info = miniaudio.get_file_info(str(path)) if _is_wav(path) else None
        frames = _count_frames(path, max_seconds)
    except miniaudio.DecodeError:
        raise NotAudio(_("That file is not audio we can read (MP3 or WAV).")) from None
    if frames == 0:
        raise NotAudio(_("That audio file is empty."))
    rate, channels = (info.sample_rate, info.nchannels) if info else (0, 0)  # 0: not read for MP3
    return Probe(frames / _PROBE_RATE, rate, channels, _is_mp3(path))


def _count_frames(path: Path, max_seconds: float | None) -> int:
    cap = None if max_seconds is None else int(max_seconds * _PROBE_RATE)
    frames = 0
    stream = miniaudio.stream_file(
        str(path),
        output_format=miniaudio.SampleFormat.SIGNED16,
        nchannels=1,
        sample_rate=_PROBE_RATE,
        frames_to_read=_CHUNK_FRAMES,
    )
    try:
        for chunk in stream:
            frames += len(chunk)
            if cap is not None and frames > cap:
                raise TooLong(
                    _("That audio is too long; the limit is %(limit)s.") % {"limit": _span(max_seconds)}
                )
    finally:
        stream.close()
    return frames


def _span(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return _("%(count)s seconds") % {"count": f"{seconds:g}"}


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(12)


def _is_mp3(path: Path) -> bool:
    head = _head(path)
    return head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _is_wav(path: Path) -> bool:
    head = _head(path)
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


class _Source(miniaudio.StreamableSource):
    """An open file (a local one, or a storage's) for miniaudio to read and seek."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def read(self, num_bytes: int) -> bytes | bytearray:
        return self.handle.read(num_bytes)

    def seek(self, offset: int, origin: miniaudio.SeekOrigin) -> bool:
        # Without seeking the MP3 decoder drops the last two frames (52 ms): it looks at the file's end first.
        try:
            self.handle.seek(offset, _WHENCE[origin])
        except (OSError, ValueError):
            return False
        return True


_WHENCE = {miniaudio.SeekOrigin.START: 0, miniaudio.SeekOrigin.CURRENT: 1, miniaudio.SeekOrigin.END: 2}


def pcm_chunks(
    handle, *, nchannels: int, sample_rate: int, source_format=miniaudio.FileFormat.UNKNOWN
) -> Iterator[bytes]:
    """16-bit PCM of an open, seekable file (the format found by looking, unless given), in chunks,
    converted to the given layout. The one decoder of the studio: conversions and ZIP exports use it."""
    stream = miniaudio.stream_any(
        _Source(handle),
        source_format=source_format,
        output_format=miniaudio.SampleFormat.SIGNED16,
        nchannels=nchannels,
        sample_rate=sample_rate,
        frames_to_read=_CHUNK_FRAMES,
    )
    try:
        for chunk in stream:
            yield chunk.tobytes()
    finally:
        stream.close()


def _stream(path: Path, *, nchannels: int, sample_rate: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        yield from pcm_chunks(handle, nchannels=nchannels, sample_rate=sample_rate)


def to_mp3(path: Path, dest: Path, *, bitrate: int = 192) -> None:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(44100)
    encoder.set_channels(2)
    encoder.set_quality(5)
    with _atomic(dest) as tmp, open(tmp, "wb") as out:
        for pcm in _stream(path, nchannels=2, sample_rate=44100):
            out.write(encoder.encode(pcm))
        out.write(encoder.flush())


def to_wav(path: Path, dest: Path) -> None:
    info = miniaudio.get_file_info(str(path)) if _is_wav(path) else None
    # MP3: stereo at 44.1 kHz, what the gateways and the engine make (reading the MP3's own layout
    # would mean a pass over the whole file first).
    channels, rate = (info.nchannels, info.sample_rate) if info else (2, 44100)
    with _atomic(dest) as tmp, wave.open(str(tmp), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        for pcm in _stream(path, nchannels=channels, sample_rate=rate):
            out.writeframes(pcm)


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
