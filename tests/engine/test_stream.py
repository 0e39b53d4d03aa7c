"""Songs rendered in sections (engine.music.sections): the same song as a whole-song render, memory that
does not grow with the song's length, and a clip that streams while the rest of it is still being made.

No test here waits on the machine's speed: the stream is looked at from inside the render, at the moment
its first section is on disk, and memory is the largest amount Python and numpy held (tracemalloc).
"""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from engine.jobs import lifecycle, render, storage
from engine.music import composer, sections
from engine.music.styles import parse_negative
from engine.voice import voices
from tests.engine.helpers import fetch_task, post

pytestmark = pytest.mark.django_db(transaction=True)  # renders are started on commit, as in production

LYRICS = "[Verse]\nWalking down the streets\nBeneath the city lights\n[Chorus]\nCity lights carry me home"


@pytest.mark.parametrize(
    "tags, instrumental",
    [("upbeat pop", False), ("lofi chill", False), ("edm", False), ("ambient", False), ("metal", True)],
)
def test_a_song_made_in_sections_is_the_song_made_whole(tags, instrumental):
    """Crackle (lofi), sidechain (edm), the long reverb and dark tone (ambient), the band's clip
    (instrumental metal): every step of the master carried across sections gives the same samples."""
    asked = dict(
        tags=tags, lyrics=LYRICS, title="City", seed=5, max_seconds=16.0, instrumental=instrumental,
        voice=voices.for_gender("f", 5),
    )  # fmt: skip
    whole = composer.compose(**asked)
    made = composer.compose_sections(**asked)
    audio = np.concatenate(list(made.sections(None)))
    assert made.frames > 3 * sections.SECTION  # several sections, reverb blocks and passes
    assert audio.shape == whole.audio.shape and made.meta == whole.meta and made.notes == whole.notes
    assert float(np.max(np.abs(audio - whole.audio))) < 1e-6  # the int16 step is 3e-5
    # What is stored: the same 16-bit samples, give or take the last bit where a float sum's order (numpy's
    # SIMD path differs between CPUs) lands a sample on the other side of a rounding step.
    stored = storage.to_pcm16(audio).astype(np.int32) - storage.to_pcm16(whole.audio)
    assert int(np.max(np.abs(stored))) <= 1


def _render_peak(seconds: float) -> tuple[int, int]:
    """(largest memory held, samples) while a new song of ``seconds`` is rendered and stored."""
    song = {"tags": "upbeat pop", "lyrics": LYRICS, "title": "City", "instrumental": False, "mv": "chirp-v6"}
    controls = composer.Controls(target_seconds=seconds)
    tracemalloc.start()
    try:
        made = render.new_song(song, 11, parse_negative(""), controls=controls)
        storage.save_sections(f"memory-{seconds:g}", made.sections.sections(None), made.sections.frames)
        return tracemalloc.get_traced_memory()[1], made.sections.frames
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_songs_length(settings):
    """A song four times as long needs less extra memory than a single whole-song stereo buffer would take
    (before: three whole-song buses, the reverb send, the echo and the master's copies)."""
    settings.ENGINE_MAX_SECONDS = 120.0
    _render_peak(20.0)  # the singer's word cache is filled by the first render
    short, short_frames = _render_peak(30.0)
    long, long_frames = _render_peak(120.0)
    assert long_frames == 120 * 44100 and short_frames == 30 * 44100
    one_buffer = (long_frames - short_frames) * 2 * 4  # the extra length as one float32 stereo buffer
    assert long - short < one_buffer / 2, (short / 1e6, long / 1e6)


def test_a_clip_streams_while_the_rest_of_it_is_being_made(client, engine_key, settings, monkeypatch):
    """At the moment the first section is on disk the task is still rendering, the clip is streaming and
    its audio link answers MP3 bytes; that answer goes on to the end of the song, the final file."""
    settings.ENGINE_MAX_SECONDS = 30.0
    seen, reader = {}, {}
    save_sections = storage.save_sections

    def watched(clip_id, parts, frames, on_first):
        def first():
            on_first()
            if "response" in reader:  # the task's second clip
                return
            task = fetch_task(client, seen["task"], engine_key)
            clip = next(c for c in task["data"] if c["id"] == clip_id)
            seen.update(status=task["status"], clip=clip["status"], final=storage.media_path(clip_id, "mp3"))
            seen["done_then"] = seen["final"].is_file()
            response = client.get(clip["audio_url"].removeprefix("http://testserver"))
            reader["response"] = response
            chunks = iter(response.streaming_content)
            reader["first"] = next(chunks)

            def rest():
                reader["all"] = reader["first"] + b"".join(chunks)

            reader["thread"] = threading.Thread(target=rest, daemon=True)
            reader["thread"].start()

        save_sections(clip_id, parts, frames, first)

    monkeypatch.setattr(lifecycle.storage, "save_sections", watched)
    monkeypatch.setattr(lifecycle.leases, "queue_render", lambda task_id, name=None: True)  # run below
    body = {"prompt": LYRICS, "tags": "upbeat pop", "title": "City", "mv": "chirp-v6", "duration": 30}
    seen["task"] = post(client, "/suno/submit/music", body, engine_key).json()["data"]
    lifecycle.render_task(seen["task"])  # as the queue's worker runs it
    assert seen["status"] == "IN_PROGRESS" and seen["clip"] == "streaming"
    assert not seen["done_then"]  # the MP3 was not finished when its first bytes were served
    assert reader["first"][0] == 0xFF  # an MP3 frame
    reader["thread"].join(timeout=120)
    final = seen["final"].read_bytes()
    assert reader["all"] == final and len(final) > 30 * 192_000 / 8 * 0.9  # the whole song, 192 kbit/s
    assert fetch_task(client, seen["task"], engine_key)["status"] == "SUCCESS"
