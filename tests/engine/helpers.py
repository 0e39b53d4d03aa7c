"""Helpers for the engine tests: the seed's custom song, and how a client posts, fetches and downloads."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import numpy as np

SEED_CUSTOM = {
    "prompt": "[Verse]\nWalking down the streets\nBeneath the city lights\n"
    "Neon signs flickering\nLighting up the night\n\n"
    "[Verse 2]\nConcrete jungle shining\nWith its dazzling glow",
    "tags": "emotional punk",
    "mv": "chirp-v3-5",
    "title": "City Lights",
}


def post(client, path, body, headers):
    return client.post(
        path,
        data=json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        **headers,
    )


def fetch_task(client, task_id: str, headers: dict) -> dict:
    answer = client.get(f"/suno/fetch/{task_id}", **headers).json()
    assert answer["code"] == "success", answer
    return answer["data"]


def make_song(client, headers: dict, **overrides) -> tuple[str, list[dict]]:
    """Submit a custom song (rendered inline in tests) and return its task id and complete clips."""
    answer = post(client, "/suno/submit/music", {**SEED_CUSTOM, **overrides}, headers).json()
    assert answer["code"] == "success", answer
    task = fetch_task(client, answer["data"], headers)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    return answer["data"], task["data"]


def media_bytes(client, url: str) -> bytes:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def url_path(url: str) -> str:
    """The path of a media link, without the signature and expiry the engine adds to every link."""
    return urlsplit(url).path


# --- the reseller's SunoAPI-style calls (docs/protocol.md section 7) ----------------------------------------

SONG_LYRICS = (
    "[Verse]\nWinter winds they cut so deep\nCity lights are fast asleep\n"
    "Walking home along the river\nEvery step a little shiver\n\n"
    "[Chorus]\nHold on hold on to the night\nWe will find our way to light\n"
    "Hold on hold on to the night\nWe will find our way to light"
)


def generate(client, headers: dict, body: dict) -> dict:
    """POST /suno/generate, rendered inline; the answer (a generation, or {"clips"} for stems)."""
    response = post(client, "/suno/generate", body, headers)
    assert response.status_code == 200, response.content
    return response.json()


def feed(client, headers: dict, *ids: str) -> list[dict]:
    response = client.get("/suno/feed/" + ",".join(ids), **headers)
    assert response.status_code == 200, response.content
    return response.json()


def sung_song(client, headers: dict, **overrides) -> dict:
    """A complete sung clip (the first of its task) made over the task format."""
    body = {"prompt": SONG_LYRICS, "tags": "pop", "title": "Winter", "mv": "chirp-v4", **overrides}
    _, clips = make_song(client, headers, **body)
    return clips[0]


def stems_of(client, headers: dict, clip_id: str) -> tuple[dict, dict]:
    """(vocals, instrumental) clips of a complete clip, by the reference's gen_stem body (scenario 11)."""
    body = {
        "task": "gen_stem", "generation_type": "TEXT", "title": "安全之弦", "mv": "chirp-auk", "prompt": "",
        "make_instrumental": True, "continue_clip_id": clip_id, "continued_aligned_prompt": None,
        "continue_at": None, "stem_type_id": 91, "stem_type_group_name": "Two", "stem_task": "two",
    }  # fmt: skip
    answer = generate(client, headers, body)
    vocals, instrumental = feed(client, headers, *(c["id"] for c in answer["clips"]))
    assert vocals["status"] == instrumental["status"] == "complete"
    return vocals, instrumental


def decoded(client, clip: dict):
    """The clip's MP3 as float32 (n, 2) on its own timeline (LAME's start delay removed)."""
    from engine.jobs import media

    audio, _ = media.decode_audio(media_bytes(client, clip["audio_url"]), sample_rate=44100)
    return audio[media.LAME_DELAY_SAMPLES :]


_CANDIDATES = 69 + np.arange(-27.0, 17.0, 0.05)  # MIDI 42-86 (92-1175 Hz), every 5 cents


def pitch(mono: np.ndarray, start: float, end: float) -> float:
    """Sung pitch (MIDI) in the middle of a note: the candidate f0 whose harmonics (up to 4 kHz) hold the
    most energy on average, minus the energy a half and a third of the way between them. The penalty rules
    out the octave and the twelfth above (the fundamental's other harmonics sit between theirs), the mean
    the octave below (half its harmonics are empty); formants and a weak fundamental move neither."""
    size = 2048
    at = max(0, int((start + 0.5 * (end - start)) * 44100) - size // 2)
    seg = mono[at : at + size].astype(np.float64)
    seg = np.pad(seg, (0, size - len(seg))) * np.hanning(size)
    spectrum = np.sqrt(np.abs(np.fft.rfft(seg, 4 * size)))
    bins = np.fft.rfftfreq(4 * size, 1.0 / 44100)
    f0 = 440.0 * 2.0 ** ((_CANDIDATES - 69) / 12)
    k = np.arange(1, 21)[None, :]
    inside = (k * f0[:, None]) <= 4000.0
    on = np.interp(k * f0[:, None], bins, spectrum)

    def mean(values: np.ndarray) -> np.ndarray:
        return (values * inside).sum(axis=1) / inside.sum(axis=1)

    halves = mean(np.interp((k - 0.5) * f0[:, None], bins, spectrum))
    thirds = mean(sum(np.interp((k - d) * f0[:, None], bins, spectrum) for d in (1 / 3, 2 / 3)) / 2)
    score = mean(on) - np.maximum(halves, thirds)
    return float(_CANDIDATES[int(np.argmax(score))])
