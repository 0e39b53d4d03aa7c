"""Songs rendered in sections (engine.music.sections): the same song as a whole-song render, memory that
does not grow with the song's length, and a clip that streams while the rest of it is still being made;
the same for continuations, infills and concats (engine.music.arrange's *_sections).

No test here waits on the machine's speed: the stream is looked at from inside the render, at the moment
its first section is on disk, and memory is the largest amount Python and numpy held (tracemalloc).
"""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from engine.api.protocol import key_fingerprint
from engine.jobs import lifecycle, render, storage
from engine.models import EngineClip, EngineTask
from engine.music import arrange, composer, sections
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
    return _peak(lambda: render.new_song(song, 11, parse_negative(""), controls=controls))


def _peak(make) -> tuple[int, int]:
    """(largest memory held, samples) while make() renders a clip and it is stored."""
    tracemalloc.start()
    try:
        made = make().sections
        storage.save_sections(f"memory-{made.frames}", made.sections(None), made.frames)
        return tracemalloc.get_traced_memory()[1], made.frames
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


# --- continuations, infills and concats ---------------------------------------------------------------------

SR = storage.SAMPLE_RATE
SONG = {"tags": "upbeat pop", "lyrics": LYRICS, "title": "City", "instrumental": False, "mv": "chirp-v6"}


def stored_clip(made: arrange.Sections, owner: str = "sections", **meta) -> EngineClip:
    """A complete clip of the engine with these samples (its lossless copy and MP3), made without the API."""
    task = EngineTask.objects.create(key_fingerprint=owner, action="MUSIC", payload={}, status="SUCCESS")
    metadata = {"duration": round(made.duration, 3), "tags": SONG["tags"], **meta}
    clip = EngineClip.objects.create(
        task=task, status="complete", mv="chirp-v6", has_audio=True, metadata=metadata
    )
    storage.save_sections(clip.id, made.sections(None), made.frames)
    return clip


def source_song(seconds: float, owner: str = "sections") -> EngineClip:
    made = composer.compose_sections(
        **{k: SONG[k] for k in ("tags", "lyrics", "title")}, seed=3, max_seconds=seconds,
        voice=voices.for_gender("m", 3),
    )  # fmt: skip
    return stored_clip(made, owner, engine={**made.meta, "bar_offset": 0.0})


def assert_same_song(made: render.Rendered, whole: np.ndarray) -> None:
    """test_a_song_made_in_sections_is_the_song_made_whole's tolerance: float sums in another order."""
    audio = np.concatenate(list(made.sections.sections(None)))
    assert audio.shape == whole.shape == (made.sections.frames, 2)
    assert float(np.max(np.abs(audio - whole))) < 1e-6
    stored = storage.to_pcm16(audio).astype(np.int32) - storage.to_pcm16(whole)
    assert int(np.max(np.abs(stored))) <= 1


@pytest.mark.parametrize("at", [4.321, "bar", 15.95])  # mid-bar; on a bar line; the fill runs past the end
def test_a_continuation_made_in_sections_is_the_continuation_made_whole(settings, at):
    """The new part composed whole (composer.recompose of the clip's score, as compose() made it before)
    and joined by arrange.continue_part: the same samples, the same score and grid."""
    settings.ENGINE_MAX_SECONDS = 30.0
    clip = source_song(16.0)
    bar = 240.0 / clip.metadata["engine"]["bpm"]  # as render.continuation reckons it
    at = 3 * bar if at == "bar" else at
    payload = {"continue_clip_id": clip.id, "continue_at": at}
    controls = composer.Controls(target_seconds=17.0)
    made = render.continuation(payload, SONG, 9, parse_negative(""), voices.for_gender("f", 9), controls)
    new = composer.recompose(made.score["args"])
    join = arrange.next_bar_line(at, bar)
    whole = arrange.continue_part(storage.load_audio(clip.id), SR, at, join, new.audio)
    assert made.audio is None and made.sections.frames > 3 * sections.SECTION
    assert_same_song(made, whole)
    assert made.score["offset"] == round(join - at, 6) and made.score["notes"] == new.notes
    assert made.engine["bar_offset"] == round(join - at, 6) and made.duration == pytest.approx(17.0, abs=1e-3)


def test_an_infill_made_in_sections_is_the_infill_made_whole(settings):
    settings.ENGINE_MAX_SECONDS = 30.0
    clip = source_song(24.0)
    payload = {"continue_clip_id": clip.id, "infill_start_s": 5.3, "infill_end_s": 17.9}
    made = render.infill(payload, SONG, 9, parse_negative(""))
    new = composer.recompose(made.score["args"])
    new_at = arrange.prev_bar_line(5.3, 240.0 / clip.metadata["engine"]["bpm"])
    whole = arrange.infill_part(storage.load_audio(clip.id), SR, 5.3, 17.9, new.audio, new_at)
    assert made.audio is None and made.sections.frames > 2 * sections.SECTION
    assert_same_song(made, whole)


def test_concats_are_the_old_concatenations(settings):
    """A chain (root, a continuation of it), and an original with a section replaced: the same samples as
    arrange.whole_song and arrange.stitch_infill of the clips' audio loaded whole."""
    root = source_song(12.0)
    continued = render.continuation(
        {"continue_clip_id": root.id, "continue_at": 7.0}, SONG, 4, parse_negative("")
    )
    part = stored_clip(continued.sections)
    chain = [{"id": root.id, "continue_at": 7.0}, {"id": part.id, "continue_at": None}]
    made = render.concat({"is_infill": False, "chain": chain})
    whole = arrange.whole_song([(storage.load_audio(root.id), 7.0), (storage.load_audio(part.id), None)], SR)
    assert np.array_equal(np.concatenate(list(made.sections.sections(None))), whole)
    assert made.sections.frames == len(whole) and made.engine["bpm"] == root.metadata["engine"]["bpm"]
    made = render.concat(
        {
            "is_infill": True,
            "original": root.id,
            "clip_id": part.id,
            "infill_start_s": 2.5,
            "infill_end_s": 6.0,
        }
    )
    whole = arrange.stitch_infill(storage.load_audio(root.id), SR, 2.5, 6.0, storage.load_audio(part.id))
    assert np.array_equal(np.concatenate(list(made.sections.sections(None))), whole)
    assert made.sections.frames == len(whole) == len(storage.load_audio(root.id))


def test_continuing_and_joining_take_no_more_memory_for_a_longer_song(settings):
    """A continuation four times as long, and the concat of its chain, need less extra memory than a single
    float32 copy of the extra length (before: the source loaded whole, the new part's whole-song buses and
    master, the join's copy; the concat held every part and their concatenation)."""
    settings.ENGINE_MAX_SECONDS = 130.0
    root = source_song(125.0)

    def continuation(seconds: float) -> render.Rendered:
        payload = {"continue_clip_id": root.id, "continue_at": 5.0}
        controls = composer.Controls(target_seconds=seconds)
        return render.continuation(payload, SONG, 11, parse_negative(""), controls=controls)

    _peak(lambda: continuation(20.0))  # the singer's word cache is filled by the first render
    (short, short_frames), (long, long_frames) = (_peak(lambda s=s: continuation(s)) for s in (30.0, 120.0))
    assert short_frames == 30 * SR and long_frames == 120 * SR
    assert long - short < (long_frames - short_frames) * 2 * 4 / 2, (short / 1e6, long / 1e6)

    def concat(part: EngineClip) -> render.Rendered:
        chain = [{"id": root.id, "continue_at": 5.0}, {"id": part.id, "continue_at": None}]
        return render.concat({"is_infill": False, "chain": chain})

    parts = [stored_clip(continuation(seconds).sections) for seconds in (30.0, 120.0)]
    (short, short_frames), (long, long_frames) = (_peak(lambda part=part: concat(part)) for part in parts)
    assert long_frames - short_frames == 90 * SR
    assert long - short < (long_frames - short_frames) * 2 * 4 / 2, (short / 1e6, long / 1e6)


def test_a_continuation_streams_while_the_rest_of_it_is_being_made(client, engine_key, settings, monkeypatch):
    """At the moment its first piece is on disk (the rest of the source's bar and the new part's first
    section), the task is rendering, the clip is streaming and most of the new part is still to be made."""
    settings.ENGINE_MAX_SECONDS = 30.0
    source = source_song(12.0, owner=key_fingerprint(settings.ENGINE_API_KEY))
    seen = {}
    save_sections = storage.save_sections

    def watched(clip_id, parts, frames, on_first):
        counted = {"made": 0}

        def counting():
            for part in parts:
                counted["made"] += 1
                yield part

        def first():
            on_first()
            if "task" not in seen:
                return
            task = fetch_task(client, seen.pop("task"), engine_key)
            clip = next(c for c in task["data"] if c["id"] == clip_id)
            seen.update(status=task["status"], clip=clip["status"], at_first=counted["made"], counted=counted)
            seen["done_then"] = storage.media_path(clip_id, "mp3").is_file()
            seen["streamed"] = storage.part_path(clip_id, "mp3").stat().st_size

        save_sections(clip_id, counting(), frames, first)

    monkeypatch.setattr(lifecycle.storage, "save_sections", watched)
    monkeypatch.setattr(lifecycle.leases, "queue_render", lambda task_id, name=None: True)  # run below
    body = {**SONG, "prompt": LYRICS, "continue_clip_id": source.id, "continue_at": 6.1, "duration": 25}
    task_id = post(client, "/suno/submit/music", body, engine_key).json()["data"]
    seen["task"] = task_id
    lifecycle.render_task(task_id)
    assert seen["status"] == "IN_PROGRESS" and seen["clip"] == "streaming" and seen["streamed"] > 0
    assert not seen["done_then"]  # the MP3 was not finished when its first bytes were on disk
    # at most the fill, the tail's overlap and the rest of the new part's first section were made then
    assert seen["at_first"] <= 3 < seen["counted"]["made"]
    assert fetch_task(client, task_id, engine_key)["status"] == "SUCCESS"
