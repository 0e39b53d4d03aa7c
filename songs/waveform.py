"""A clip's waveform as a few hundred small numbers, worked out once when its audio is stored.

Pure: MP3 or WAV bytes in, peaks out; no Django, no files. The audio is decoded as a stream (one
channel, a low rate) in chunks, so memory stays small whatever the file holds, and decoding stops at
``max_seconds`` (a small MP3 can hold hours: a decompression bomb). Each peak is the loudest sample of
its slice of the song, scaled to the loudest slice, on ``LEVELS`` steps; ``encode`` packs them into one
character each (``ALPHABET``), which is what the card carries: about 300 bytes whatever the length.
"""

from __future__ import annotations

from array import array

import miniaudio

POINTS = 300
LEVELS = 64
# One character per level, safe in an HTML attribute and a URL: static/js/waveform.js reads it back.
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
_RATE = 8000  # enough to see loudness; cheap to decode
_BLOCK = 80  # samples per block (10 ms); the peaks are made from the blocks' own peaks
_CHUNK_FRAMES = 16384


class NoAudio(ValueError):
    """The bytes are not audio miniaudio can decode, or hold no samples."""


def peaks_of(data: bytes, *, points: int = POINTS, max_seconds: float = 20 * 60) -> list[int]:
    """``points`` levels (0 to LEVELS - 1) of the audio's loudness over its whole length."""
    blocks = _block_peaks(data, max_seconds)
    if not blocks:
        raise NoAudio("no samples")
    slices = _resample(blocks, points)
    top = max(slices)
    if top <= 0:
        return [0] * len(slices)
    return [min(LEVELS - 1, round(value / top * (LEVELS - 1))) for value in slices]


def _block_peaks(data: bytes, max_seconds: float) -> list[int]:
    cap = int(max_seconds * _RATE)
    try:
        stream = miniaudio.stream_memory(
            data,
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=1,
            sample_rate=_RATE,
            frames_to_read=_CHUNK_FRAMES,
        )
    except miniaudio.DecodeError as exc:
        raise NoAudio(str(exc)) from None
    blocks: list[int] = []
    carry = array("h")
    read = 0
    try:
        for chunk in stream:
            samples = carry + array("h", chunk.tobytes())
            whole = len(samples) - len(samples) % _BLOCK
            for start in range(0, whole, _BLOCK):
                block = samples[start : start + _BLOCK]
                blocks.append(max(max(block), -min(block)))
            carry = samples[whole:]
            read += len(chunk)
            if read >= cap:
                break
    except miniaudio.DecodeError as exc:
        raise NoAudio(str(exc)) from None
    finally:
        stream.close()
    if carry:
        blocks.append(max(max(carry), -min(carry)))
    return blocks


def _resample(blocks: list[int], points: int) -> list[int]:
    """The loudest block of each of ``points`` equal slices (fewer blocks than points: one each)."""
    if len(blocks) <= points:
        return list(blocks)
    size = len(blocks) / points
    return [max(blocks[int(i * size) : max(int((i + 1) * size), int(i * size) + 1)]) for i in range(points)]


def encode(peaks: list[int]) -> str:
    return "".join(ALPHABET[max(0, min(LEVELS - 1, value))] for value in peaks)


def decode(text: str) -> list[int]:
    return [ALPHABET.index(char) for char in text if char in ALPHABET]
