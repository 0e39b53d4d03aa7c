"""A song rendered and mastered in sections, so that memory stays flat whatever its length.

The composer records what each bus plays (engine.music.composer.Mix with sections=True: an event per
note, drum hit and sung line) instead of writing it into whole-song buffers. `master` then plays those
events a few seconds at a time and runs the master chain of engine.music.mastering over the sections,
with the chain's effects carrying their state across (engine.music.streams). The chain needs a few
figures of the whole song before its first sample can be final (the buses' levels, the peak that sets
the drive, the final peak that normalises), so it goes over the song in passes, keeping what the next
pass reads in temporary files rather than in memory:

1. play the buses (sidechain, crackle), measure their levels (100 ms frame energies), spool them (the
   band's presence dip under a lead vocal);
2. levels, vocal lift and duck, echo, reverb send and reverb, tone: spool the dry mix and the lead
   vocal, measure their means and extremes;
3. drive, soft clip, the vocal's limiter, fades: measure the final peak;
4. the same again, normalised: the master's sections, handed out as they are made.

Every step is the whole-song chain's own arithmetic in the same order, so the result is the same song
(the means and peaks are summed in another order: last-bit differences). A sung line is sung when its
first section is played and dropped after its last.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator

import numpy as np

from engine.music import mastering, streams
from engine.music.genres import Profile

HOP = 4410  # ins.active_rms's frames
SECTION = HOP * 50  # samples played and mastered at a time (5 s at 44.1 kHz): a whole number of frames
BUSES = ("music", "drums", "voice")


class Sung:
    """A sung line's audio, made when a section first needs it and dropped when no section will."""

    ndim = 1

    def __init__(self, make: Callable[[], np.ndarray]):
        self.make, self.audio, self.users = make, None, 0

    def get(self) -> np.ndarray:
        if self.audio is None:
            self.audio = self.make()
        return self.audio

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0:
            self.audio = None


class Player:
    """Plays recorded events (start, skip, bus, signal, gains) into consecutive sections [a, b), adding
    them in the order they were recorded, as the whole-song buses received them."""

    def __init__(self, events: list[tuple], names: tuple[str, ...]):
        self.events, self.names = events, names
        self.order = sorted(range(len(events)), key=lambda i: events[i][0])
        self.next, self.active = 0, []
        for event in events:
            if isinstance(event[3], Sung):
                event[3].users += 1

    def __call__(self, a: int, b: int) -> dict[str, np.ndarray]:
        while self.next < len(self.order) and self.events[self.order[self.next]][0] < b:
            self.active.append(self.order[self.next])
            self.next += 1
        buses = {name: np.zeros((2, b - a), dtype=np.float32) for name in self.names}
        still = []
        for i in sorted(self.active):
            start, skip, bus, sig, gains = self.events[i]
            audio = sig.get() if isinstance(sig, Sung) else sig
            end = start + audio.shape[-1] - skip
            lo, hi = max(start, a), min(end, b)
            if hi > lo:
                dest, part = buses[bus][:, lo - a : hi - a], audio[..., lo - start + skip : hi - start + skip]
                if len(gains) == 2:
                    dest[0] += part * gains[0]
                    dest[1] += part * gains[1]
                else:
                    dest += part * gains[0]
            if end > b:
                still.append(i)
            elif isinstance(sig, Sung):
                sig.release()
        self.active = still
        return buses


class Spool:
    """Named (2, m) float32 streams on disk (temporary files, one per channel), written in order, read back
    by sample range."""

    def __init__(self, names: tuple[str, ...]):
        # closed by close(), which master() calls in a finally: clause
        self.files = {
            name: [tempfile.TemporaryFile(prefix="engine-song-") for _ in range(2)]  # noqa: SIM115
            for name in names
        }

    def write(self, name: str, audio: np.ndarray) -> None:
        for f, channel in zip(self.files[name], audio, strict=True):
            f.write(np.ascontiguousarray(channel, dtype=np.float32).tobytes())

    def read(self, name: str, a: int, b: int) -> np.ndarray:
        out = np.empty((2, b - a), dtype=np.float32)
        for f, channel in zip(self.files[name], out, strict=True):
            f.seek(a * 4)
            f.readinto(channel)
        return out

    def close(self) -> None:
        for pair in self.files.values():
            for f in pair:
                f.close()


def _frames(bus: np.ndarray) -> np.ndarray:
    """ins.active_rms's 100 ms frame energies of a section (a whole number of frames but for the last)."""
    frames = bus.shape[1] // HOP
    return np.square(bus[:, : frames * HOP]).reshape(2, frames, HOP).mean(axis=(0, 2))


def _active_rms(energies: list[np.ndarray], first: np.ndarray) -> float:
    joined = np.concatenate(energies)
    if not len(joined):  # shorter than a frame: ins.active_rms's plain RMS
        return float(np.sqrt(np.mean(first**2))) if first.size else 0.0
    return float(np.sqrt(np.percentile(joined, 85)))


def _ranges(n: int, size: int) -> Iterator[tuple[int, int]]:
    for a in range(0, n, size):
        yield a, min(n, a + size)


class _Stats:
    """Per-channel sums and extremes of a stream, for its mean and its peak after the mean is removed."""

    def __init__(self):
        self.sum, self.top, self.bottom = np.zeros(2), np.full(2, -np.inf), np.full(2, np.inf)

    def add(self, x: np.ndarray) -> None:
        self.sum += x.sum(axis=1, dtype=np.float64)
        self.top, self.bottom = np.maximum(self.top, x.max(axis=1)), np.minimum(self.bottom, x.min(axis=1))

    def peak(self, mean: np.ndarray) -> float:
        return float(np.max(np.maximum(self.top - mean, mean - self.bottom)))


def master(
    play: Callable[[int, int], dict[str, np.ndarray]],
    n: int,
    *,
    prof: Profile,
    kicks: list[int],
    seed: int,
    bpm: float,
    sr: int,
    fade_s: float,
    singing: list[tuple[float, float]] = (),
    tick: Callable[[], None] | None = None,
) -> Iterator[np.ndarray]:
    """The mastered song, (m, 2) float32 sections in order; engine.music.mastering.master's chain without
    the vocal stem. play(a, b) gives the buses' samples [a, b); tick() is called between sections of the
    first pass (the caller's chance to keep its own pace)."""
    raw, dry = Spool(BUSES), Spool(("out", "lead"))
    try:
        gains = _play_and_measure(play, n, raw, prof, kicks, seed, sr, tick, bool(singing))
        mix = _mix(raw, n, gains, prof, seed, bpm, sr, singing, dry)
        finish = _Finisher(dry, n, prof, sr, fade_s, mix)
        peak = max((float(np.max(np.abs(finish(a, b)))) for a, b in _ranges(n, SECTION)), default=0.0)
        scale = np.float32(0.891 / (peak or 1.0))  # about -1 dBFS
        for a, b in _ranges(n, SECTION):
            out = finish(a, b)
            out *= scale
            yield np.ascontiguousarray(out.T)
    finally:
        raw.close()
        dry.close()


def _play_and_measure(play, n, raw, prof, kicks, seed, sr, tick, lead) -> dict[str, np.float32]:
    """Pass 1: the buses played, sidechained and crackled, spooled (with a lead vocal, the band's presence
    dip applied after its level is measured); returns the gains of mastering._levels."""
    energies = {name: [] for name in BUSES}
    vinyl = streams.Vinyl(sr, n, seed % 65521) if prof.crackle else None
    dips = {name: streams.Fir(mastering.presence_taps(sr)) for name in ("music", "drums")} if lead else {}
    first = {}
    for a, b in _ranges(n, SECTION):
        buses = play(a, b)
        if prof.sidechain:
            buses["music"] *= streams.sidechain(a, b, kicks, prof.sidechain, sr)
        if vinyl is not None:
            buses["drums"] += vinyl(b - a)
        for name in BUSES:
            energies[name].append(_frames(buses[name]))
            first.setdefault(name, buses[name])
            raw.write(name, dips[name](buses[name]) if name in dips else buses[name])
        if tick is not None:
            tick()
    for name, dip in dips.items():
        raw.write(name, dip.finish())
    ref = _active_rms(energies["music"], first.get("music", np.zeros((2, 0))))
    gains = {}
    for name, ratio in (("drums", prof.levels[0]), ("voice", prof.levels[1])):
        level = _active_rms(energies[name], first.get(name, np.zeros((2, 0))))
        if level > 1e-6 and ref > 1e-6:
            gains[name] = np.float32(ratio * ref / level)
    return gains


class _Mixed:
    """What pass 2 learnt: the dry mix's and the lead vocal's means and peaks."""

    def __init__(self, lead: bool):
        self.lead = lead
        self.out, self.voice, self.both = _Stats(), _Stats(), _Stats()


def _mix(raw, n, gains, prof, seed, bpm, sr, singing, dry) -> _Mixed:
    """Pass 2: levels, the lead vocal's lift and duck, echo, reverb and tone; spools the mix and the lead."""
    echo, voice_send = prof.echo, 1.3
    if singing:
        echo, voice_send = prof.echo * mastering.VOCAL_ECHO, mastering.VOCAL_SEND
    curve = mastering.duck_curve(n, sr, singing) if singing else None
    echoes = streams.Echo(sr, 0.75 * 60.0 / bpm, echo, n) if echo else None
    send_amt, seconds = prof.reverb
    reverb = streams.Reverb(sr, seconds, seed % 4093)
    tone = streams.Tone(prof.tone) if prof.tone else None
    mixed = _Mixed(lead=bool(singing))
    waiting = np.zeros((2, 0), np.float32), np.zeros((2, 0), np.float32)  # dry mix and lead awaiting reverb

    def finished(wet: np.ndarray) -> None:
        nonlocal waiting
        w = wet.shape[1]
        out, lead = waiting[0][:, :w], waiting[1][:, :w]
        waiting = waiting[0][:, w:], waiting[1][:, w:]
        out += wet
        if tone is not None:
            tone(out)
        mixed.out.add(out)
        dry.write("out", out)
        if singing:
            mixed.voice.add(lead)
            mixed.both.add(out + lead)
            dry.write("lead", lead)

    for a, b in _ranges(n, SECTION):
        music, drums, voice = (raw.read(name, a, b) for name in BUSES)
        if "drums" in gains:
            drums *= gains["drums"]
        if "voice" in gains:
            voice *= gains["voice"]
        if singing:
            voice *= np.float32(mastering.VOCAL_LIFT)
            duck = mastering.ducking_between(a, b, curve)
            music *= duck
            drums *= duck
        if echoes is not None:
            echoes(voice)
        send = music.sum(axis=0) + drums.sum(axis=0) * np.float32(0.35)
        send = send + voice.sum(axis=0) * np.float32(voice_send)
        send *= np.float32(0.5 * send_amt)
        out = music
        out += drums
        if not singing:
            out += voice
        lead = voice if singing else np.zeros((2, 0), np.float32)
        waiting = np.concatenate((waiting[0], out), axis=1), np.concatenate((waiting[1], lead), axis=1)
        wet = reverb.send(send)
        if wet.shape[1]:
            finished(wet)
    finished(reverb.finish())
    return mixed


class _Finisher:
    """Passes 3 and 4: a section of the master, before normalising (means removed, drive, soft clip, the
    lead vocal's limiter added, fades)."""

    def __init__(self, dry: Spool, n: int, prof: Profile, sr: int, fade_s: float, mixed: _Mixed):
        self.dry, self.n, self.mixed = dry, n, mixed
        stats = mixed.both if mixed.lead else mixed.out
        means = mixed.out.sum / max(n, 1), mixed.voice.sum / max(n, 1)
        peak = stats.peak(means[0] + means[1] if mixed.lead else means[0])
        self.drive = np.float32(prof.drive / (peak or 1.0))
        self.lead_peak = float(self.drive) * mixed.voice.peak(means[1]) if mixed.lead else 0.0
        self.mean_out, self.mean_lead = (m.astype(np.float32)[:, None] for m in means)
        self.fade = min(n, int(fade_s * sr))
        self.head = np.linspace(0.0, 1.0, min(n, int(0.005 * sr)), dtype=np.float32)
        self.tail = np.linspace(1.0, 0.0, self.fade, dtype=np.float32) ** 2

    def __call__(self, a: int, b: int) -> np.ndarray:
        out = self.dry.read("out", a, b)
        out -= self.mean_out
        out *= self.drive
        np.tanh(out, out=out)
        if self.mixed.lead:
            lead = self.dry.read("lead", a, b)
            lead -= self.mean_lead
            lead *= self.drive
            out += mastering.limit_voice(lead, self.lead_peak)
        start = self.n - self.fade
        if b > start:
            lo = max(a, start)
            out[:, lo - a :] *= self.tail[lo - start : b - start]
        if a < len(self.head):
            out[:, : min(b, len(self.head)) - a] *= self.head[a : min(b, len(self.head))]
        return out
