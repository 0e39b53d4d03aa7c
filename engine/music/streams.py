"""The master chain's effects for a song rendered in sections: each carries its state from one section to
the next and gives the very samples its whole-song version in engine.music.instruments gives (same
arithmetic, same order), while holding at most a few seconds of audio whatever the song's length.
"""

from __future__ import annotations

import numpy as np

from engine.music import instruments as ins


class Box:
    """ins.box (a moving average of k samples, cumsum in float64) over consecutive sections of one channel."""

    def __init__(self, k: int):
        self.k, self.done = k, 0
        self.last = np.zeros(1)  # the running sum before this section
        self.history = np.zeros(0)  # the last k running sums

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.k <= 1 or not len(x):
            return x
        c = np.cumsum(np.concatenate((self.last, x)), dtype=np.float64)[1:]
        full = np.concatenate((self.history, c))
        h = len(self.history)
        out = c.copy()
        first = max(0, self.k - self.done)  # the first sample with k samples behind it
        if first < len(c):
            out[first:] -= full[h + first - self.k : h + len(c) - self.k]
        self.done += len(c)
        self.last, self.history = c[-1:], full[-self.k :]
        return (out / self.k).astype(np.float32)


class Tone:
    """The dark genres' master low-pass (mastering._tone: two cascaded moving averages) per channel."""

    def __init__(self, k: int):
        self.boxes = [(Box(k), Box(k // 2 + 1)) for _ in range(2)]

    def __call__(self, audio: np.ndarray) -> None:
        for ch, (first, second) in zip(audio, self.boxes, strict=True):
            ch[:] = second(first(ch))


class Fir:
    """A centred FIR of odd length (np.convolve(x, taps, "same") per channel) over consecutive (2, m)
    sections, by FFT overlap-save in float32 blocks (4x quicker than np.convolve for 63 taps): each call
    returns the samples that are final, which lag the input by len(taps) // 2; finish() returns the rest."""

    BLOCK = 2048

    def __init__(self, taps: np.ndarray):
        self.half = len(taps) // 2
        self.spectrum = np.fft.rfft(taps.astype(np.float32), self.BLOCK)
        self.history = np.zeros((2, self.half), dtype=np.float32)  # "same" mode's zeros before the start

    def __call__(self, x: np.ndarray) -> np.ndarray:
        joined = np.concatenate((self.history, x), axis=1)
        m, edge = joined.shape[1], 2 * self.half
        self.history = joined[:, max(0, m - edge) :]
        count, hop = m - edge, self.BLOCK - edge  # final samples; new samples per block
        if count <= 0:
            return np.zeros((2, 0), dtype=np.float32)
        blocks = -(-count // hop)
        padded = np.zeros((2, blocks * hop + edge), dtype=np.float32)
        padded[:, :m] = joined
        frames = np.lib.stride_tricks.sliding_window_view(padded, self.BLOCK, axis=1)[:, ::hop]
        wet = np.fft.irfft(np.fft.rfft(frames, axis=-1) * self.spectrum, self.BLOCK, axis=-1)
        return np.ascontiguousarray(wet[..., edge:].reshape(2, -1)[:, :count], dtype=np.float32)

    def finish(self) -> np.ndarray:
        out = self(np.zeros((2, self.half), dtype=np.float32))  # "same" mode's zeros after the end
        self.history = self.history[:, :0]
        return out


class Echo:
    """ins.echo (dotted-eighth ping-pong: `repeats` repeats, each on the other side and quieter) added in
    place to consecutive sections of a (2, n) bus of n samples in all."""

    def __init__(self, sr: int, seconds: float, level: float, n: int, repeats: int = 3):
        self.d, self.level, self.n, self.repeats = int(seconds * sr), level, n, repeats
        self.history = np.zeros((2, 0), dtype=np.float32)  # the bus before this section, as it came in
        self.at = 0

    def __call__(self, bus: np.ndarray) -> None:
        a, b = self.at, self.at + bus.shape[1]
        joined = np.concatenate((self.history, bus), axis=1)  # joined[:, i] is the bus at a - h + i
        h = self.history.shape[1]
        out = np.zeros_like(bus)
        for r in range(1, self.repeats + 1):
            lag = r * self.d
            if lag >= self.n:
                break
            lo = max(a, lag)
            if lo >= b:
                continue
            src = joined[::-1] if r % 2 else joined  # odd repeats land on the opposite side
            gain = np.float32(self.level * 0.55 ** (r - 1))
            out[:, lo - a :] += src[:, lo - lag - a + h : b - lag - a + h] * gain
        bus += out
        self.history = joined[:, -self.repeats * self.d :] if self.d else joined[:, :0]
        self.at = b


class Reverb:
    """ins.reverb block by block: send() takes the mono send in sections of any length and returns the
    (2, m) wet samples that are final, which lag the send by up to one block (about 5 s, 19 s for
    ambient's long reverb); finish() returns the rest."""

    def __init__(self, sr: int, seconds: float, seed: int):
        self.spectrum, self.size, self.block = ins.impulse(sr, seconds, seed)
        self.pending = np.zeros(0, dtype=np.float32)
        self.wet = np.zeros((2, self.size), dtype=np.float32)  # sums from the current block on
        self.total = 0  # send samples taken

    def _convolve(self, seg: np.ndarray) -> np.ndarray:
        self.wet += np.fft.irfft(np.fft.rfft(seg, self.size) * self.spectrum, self.size)
        done = self.wet[:, : len(seg)].copy()
        self.wet = np.concatenate((self.wet[:, len(seg) :], np.zeros((2, len(seg)), np.float32)), axis=1)
        return done

    def send(self, send: np.ndarray) -> np.ndarray:
        self.total += len(send)
        self.pending = np.concatenate((self.pending, send))
        out = []
        while len(self.pending) >= self.block:
            out.append(self._convolve(self.pending[: self.block]))
            self.pending = self.pending[self.block :]
        return np.concatenate(out, axis=1) if out else np.zeros((2, 0), dtype=np.float32)

    def finish(self) -> np.ndarray:
        if not len(self.pending):
            return np.zeros((2, 0), dtype=np.float32)
        out, self.pending = self._convolve(self.pending), np.zeros(0, dtype=np.float32)
        return out


class Vinyl:
    """ins.vinyl (lo-fi crackle: dark hiss plus sparse clicks) for n samples in all, section by section."""

    def __init__(self, sr: int, n: int, seed: int):
        rng = np.random.default_rng(seed)
        for at in range(0, n, 1 << 20):  # the hiss's random numbers come first, the clicks' after them
            rng.standard_normal(min(1 << 20, n - at), dtype=np.float32)
        self.clicks = rng.integers(0, n, size=max(1, n // (sr // 6)))
        self.amps = rng.uniform(-0.25, 0.25, size=len(self.clicks)).astype(np.float32)
        self.hiss, self.box, self.at = np.random.default_rng(seed), Box(12), 0

    def __call__(self, m: int) -> np.ndarray:
        y = self.box(self.hiss.standard_normal(m, dtype=np.float32)) * 0.012
        here = (self.clicks >= self.at) & (self.clicks < self.at + m)
        y[self.clicks[here] - self.at] += self.amps[here]
        self.at += m
        return y


def sidechain(a: int, b: int, kicks: list[int], depth: float, sr: int) -> np.ndarray:
    """ins.duck's gain for samples [a, b): a dip at every kick, recovering over ~180 ms."""
    g = np.ones(b - a, dtype=np.float32)
    k = int(0.18 * sr)
    curve = 1.0 - depth * (1.0 - np.linspace(0.0, 1.0, k, dtype=np.float32)) ** 2
    for s in kicks:
        if s < b and s + k > a and s >= 0:
            lo = max(s, a)
            seg = g[lo - a : min(s + k, b) - a]
            np.minimum(seg, curve[lo - s : lo - s + len(seg)], out=seg)
    return g
