"""Render jobs: walk a task through the lifecycle a real gateway shows, making real audio on the way.

They run in django-q2 workers. ENGINE_PACE seconds pass between stages so the
studio sees SUBMITTED, IN_PROGRESS with streaming clips, then SUCCESS. Videos are made afterwards by
their own job (render_video), so a clip completes without waiting for its MP4.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable

from django.conf import settings

from engine.jobs import clipmeta, endings, faults, leases, media, render, score, storage
from engine.models import EngineClip, EngineTask
from engine.music.plan import Controls
from engine.music.styles import Negative, parse_negative
from engine.voice import voices
from engine.words import lyricist

log = logging.getLogger(__name__)
CLIPS_PER_TASK = 2


def _pause() -> None:
    if settings.ENGINE_PACE > 0:
        time.sleep(settings.ENGINE_PACE)


def seed_of(*parts: object) -> int:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _set(task: EngineTask, **fields) -> None:
    for name, value in fields.items():
        setattr(task, name, value)
    task.save(update_fields=list(fields))


def _gets_stuck() -> bool:
    """The stuck-task drill (ENGINE_STUCK_RATE, .env.example): this render never finishes."""
    rate = settings.ENGINE_STUCK_RATE
    return rate >= 1 or (rate > 0 and random.random() < rate)


def render_task(task_id: str) -> None:
    """The render job. Database and broker errors are retried (engine.jobs.faults); if they outlast the
    retries the task keeps its lease and is taken up again later (engine.jobs.leases), never failed."""
    what = f"engine task {task_id}"
    task = faults.retrying(lambda: leases.claim(task_id), what=what)
    if task is None:  # already rendered, rendering elsewhere, unknown, or the database is still away
        return
    faults.retrying(lambda: _render(task), what=what)


class _Pace:
    """The job's first pace (SUBMITTED, then IN_PROGRESS ENGINE_PACE seconds later), kept while the first
    clip renders instead of slept before it: the render's first pass calls tick() between its sections,
    which moves the task on once the pace is over; begin() waits out what is left of it."""

    def __init__(self, move_on: Callable[[], None]):
        self.move_on, self.start, self.done = move_on, time.monotonic(), False

    def tick(self) -> None:
        if not self.done and time.monotonic() - self.start >= settings.ENGINE_PACE:
            self.done = True
            self.move_on()

    def begin(self) -> None:
        if not self.done:
            time.sleep(max(0.0, settings.ENGINE_PACE - (time.monotonic() - self.start)))
            self.tick()


def _render(task: EngineTask) -> None:
    if task.action in ("LYRICS", "CONCAT"):  # a music render keeps its first pace while it renders (_Pace)
        _pause()
    try:
        if settings.ENGINE_FAIL_RATE and seed_of(task.id) % 1000 < settings.ENGINE_FAIL_RATE * 1000:
            _pause_music(task)
            raise faults.RenderFailed("The engine was told to fail this song (ENGINE_FAIL_RATE).")
        if _gets_stuck():
            _pause_music(task)
            _set(task, status=EngineTask.Status.IN_PROGRESS, progress="10%", fail_reason=leases.STUCK)
            return  # never finishes: the studio must give up on it by itself
        {"LYRICS": _render_lyrics, "CONCAT": _render_concat}.get(task.action, _render_music)(task)
    except faults.INFRASTRUCTURE:
        raise  # not the song's fault: retried
    except Exception as exc:  # a render that cannot be made ends its task visibly, never left hanging
        log.exception("engine task %s failed", task.id)
        endings.fail(task, faults.reason_for(exc))
        return
    endings.succeed(task)


def _render_lyrics(task: EngineTask) -> None:
    _set(task, status=EngineTask.Status.IN_PROGRESS, progress="50%")
    title, text = lyricist.write_lyrics(prompt=task.payload["prompt"], seed=seed_of(task.id))
    _pause()
    _set(task, result={"status": "complete", "title": title, "text": text})


def song_inputs(task: EngineTask) -> dict:
    """Title, tags, lyrics and instrumental flag of a music task (inspiration mode writes its own)."""
    payload = task.payload
    negative = parse_negative(payload.get("negative_tags", ""))
    instrumental = payload["make_instrumental"] or negative.no_vocals
    if payload["gpt_description_prompt"] and not payload["prompt"]:
        idea = lyricist.inspire(
            description=payload["gpt_description_prompt"], seed=seed_of(task.id), instrumental=instrumental
        )
        song = {"title": idea["title"], "tags": idea["tags"], "lyrics": idea["lyrics"]}
    else:
        song = {"title": payload["title"], "tags": payload["tags"], "lyrics": payload["prompt"]}
    song["instrumental"] = instrumental or not song["lyrics"].strip()
    song["mv"] = payload.get("mv", "")  # its model's longest song caps the clip (engine.catalog)
    source_id = payload.get("continue_clip_id") or payload.get("cover_clip_id") or payload.get("stem_from_id")
    source = EngineClip.objects.filter(id=source_id).first() if source_id else None
    if source is not None:  # continuations, covers and stems go on under the original's name and style
        song["title"] = song["title"] or source.title
        song["tags"] = song["tags"] or source.metadata.get("tags", "")
    if source is not None and payload.get("task") in ("cover", "gen_stem"):
        song["title"] = source.title if payload["task"] == "gen_stem" else song["title"]
        song["lyrics"] = song["lyrics"] or source.metadata.get("prompt", "")  # a cover sings the same words
        song["instrumental"] = instrumental or not song["lyrics"].strip()
    return song


def singer(payload: dict, seed: int) -> voices.Voice:
    """A persona's voice; else a voice of the asked gender (vocal_gender, or "female vocals" in the tags);
    else the source's (continue, cover); else the engine's neutral voice."""
    if payload.get("voice"):
        return voices.from_dict(payload["voice"])
    gender = payload.get("vocal_gender") or voices.gender_in(payload.get("tags", ""))
    if gender:
        return voices.for_gender(gender, seed)
    source_id = payload.get("continue_clip_id") or payload.get("cover_clip_id")
    source = EngineClip.objects.filter(id=source_id).first() if source_id else None
    return voices.from_dict((source.metadata.get("engine") or {}).get("voice") if source else None)


def controls_of(payload: dict) -> Controls:
    weird = payload.get("weirdness_constraint")
    return Controls(
        style_weight=payload.get("style_weight"),
        variety=0.5 if weird is None else float(weird),
        target_seconds=payload.get("duration"),
    )


def _clip_plan(task: EngineTask, song: dict, index: int) -> tuple[str, dict]:
    """Title and metadata of a task's clip: two takes of the song, or the vocals and instrumental stems."""
    if task.payload.get("task") != "gen_stem":
        return song["title"], clipmeta.for_music(task.payload, song)
    source = EngineClip.objects.get(id=task.payload["stem_from_id"])
    vocals = index == 0
    title = f"{source.title} - {'Vocals' if vocals else 'Instrumental'}"
    return title, clipmeta.for_stem(source.metadata, source.id, vocals)


def prepare_clips(task: EngineTask, status: str = "queued") -> list[EngineClip]:
    """The task's clips, created now or reused (the v2 format shows them at submit time)."""
    song = song_inputs(task)
    clips = list(task.clips.all())
    for clip in clips:
        clip.status = status
        clip.title, clip.metadata = _clip_plan(task, song, clip.index)
        clip.save(update_fields=["status", "title", "metadata"])
    if clips:
        return clips
    made = []
    for i in range(CLIPS_PER_TASK):
        title, metadata = _clip_plan(task, song, i)
        made.append(
            EngineClip.objects.create(
                task=task,
                index=i,
                status=status,
                title=title,
                mv=task.payload["mv"],
                seed=seed_of(task.id, i),
                metadata=metadata,
            )
        )
    return made


def _pause_music(task: EngineTask) -> None:
    """The first pace of a music task that will not render (the fail and stuck drills)."""
    if task.action not in ("LYRICS", "CONCAT"):
        _pause()


def _render_music(task: EngineTask) -> None:
    """The clips one after the other, each streaming (its MP3 growing on disk) from its first section on
    (stems: once made)."""
    song = song_inputs(task)
    clips = prepare_clips(task, status="submitted")

    def in_progress() -> None:  # + pace: the task is in progress, its clips queued
        EngineClip.objects.filter(task=task, status="submitted").update(status="queued")
        _set(task, status=EngineTask.Status.IN_PROGRESS, progress="10%")

    pace = _Pace(in_progress)
    negative = parse_negative(task.payload.get("negative_tags", ""))
    stems = _stems(task.payload) if task.payload.get("task") == "gen_stem" else None
    if stems is not None:  # stems are made whole, not in sections: no ticks
        pace.begin()
    for number, clip in enumerate(clips, start=1):
        if stems is not None:
            rendered = stems[clip.index]
        else:
            rendered = _render_clip(task.payload, song, clip.seed, negative)
        _store(clip, rendered, pace)
        _set(task, progress=f"{10 + 80 * number // len(clips)}%")
    _pause()  # the clips stream for a while before they are final, as on Suno
    complete(clips)


def _render_clip(payload: dict, song: dict, seed: int, negative: Negative) -> render.Rendered:
    voice = singer(payload, seed)
    if payload.get("task") == "cover":
        return render.cover(payload, song, seed, negative, voice=voice, controls=controls_of(payload))
    if "continue_clip_id" in payload:
        if "infill_start_s" in payload:
            return render.infill(payload, song, seed, negative, voice)
        return render.continuation(payload, song, seed, negative, voice, controls_of(payload))
    return render.new_song(song, seed, negative, voice=voice, controls=controls_of(payload))


def _stems(payload: dict) -> list[render.Rendered]:
    """[vocals, instrumental] of the source clip: its voice as mixed, and the rest of the mix."""
    source = EngineClip.objects.get(id=payload["stem_from_id"])
    audio = storage.load_audio(source.id, payload.get("source_duration"))
    vocals = score.vocals_of(source, len(audio))
    meta = {**(source.metadata.get("engine") or {})}
    return [
        render.Rendered(vocals, {**meta, "stem": "vocals"}),
        render.Rendered(audio - vocals, {**meta, "stem": "instrumental"}),
    ]


def prepare_concat_clip(task: EngineTask, status: str = "queued") -> EngineClip:
    """The whole song's clip, created now or reused (/suno/generate/concat shows it at submit time)."""
    clip = task.clips.first()
    if clip is not None:
        clip.status = status
        clip.save(update_fields=["status"])
        return clip
    last = EngineClip.objects.get(id=task.payload["clip_id"])
    return EngineClip.objects.create(
        task=task,
        status=status,
        title=last.title,
        mv=last.mv,
        seed=seed_of(task.id, 0),
        metadata=clipmeta.for_concat(task.payload, last.metadata),
    )


def _render_concat(task: EngineTask) -> None:
    clip = prepare_concat_clip(task)
    _set(task, status=EngineTask.Status.IN_PROGRESS, progress="10%")
    _store(clip, render.concat(task.payload))
    _pause()
    complete([clip])


def _store(clip: EngineClip, rendered: render.Rendered, pace: _Pace | None = None) -> None:
    """Audio, lossless copy and cover on disk. A clip made in sections (all but stems) streams from its
    first section on (its MP3 grows while the rest is made); other audio once its files are written."""

    def streaming() -> None:
        tags = clip.metadata.get("tags", "")
        cover = media.render_cover(
            title=clip.title or tags, tags=tags, seed=clip.seed, genre=rendered.engine.get("genre")
        )
        storage.write_atomic(storage.media_path(clip.id, "jpeg"), cover)
        if pace is not None:
            pace.begin()
        clip.metadata = {**clip.metadata, "duration": round(rendered.duration, 3), "engine": rendered.engine}
        clip.status, clip.score = "streaming", rendered.score
        clip.has_audio = clip.has_image = True
        clip.save(update_fields=["metadata", "status", "score", "has_audio", "has_image"])

    if rendered.sections is None:
        storage.save_audio(clip.id, rendered.audio)
        streaming()
        return
    tick = pace.tick if pace is not None else None
    storage.save_sections(clip.id, rendered.sections.sections(tick), rendered.sections.frames, streaming)


def complete(clips: list[EngineClip]) -> None:
    """Final clips: complete now, their videos pending until the video job has made them."""
    for clip in clips:
        clip.status, clip.video_pending, clip.video_queued_at = "complete", True, int(time.time())
        clip.save(update_fields=["status", "video_pending", "video_queued_at"])
        queue_video(clip.id)


def queue_video(clip_id: str) -> None:
    """The clip's video job; a broker that cannot take it costs only time, never the song (the clip stays
    complete, its video_pending says the MP4 is not made, and reading it after a lease queues it again)."""
    leases.queue_video(clip_id)


def render_video(clip_id: str) -> None:
    """The clip's MP4 (cover + audio). A failure only costs the video: the clip itself stays complete."""
    clip = EngineClip.objects.filter(id=clip_id).first()
    if clip is None or clip.has_video or not clip.has_audio:
        return
    try:
        mp4 = media.render_video(
            cover_jpeg=storage.media_path(clip.id, "jpeg").read_bytes(),
            mp3=storage.media_path(clip.id, "mp3").read_bytes(),
            duration=float(clip.metadata.get("duration") or 0.0),
        )
        storage.write_atomic(storage.media_path(clip.id, "mp4"), mp4)
    except Exception:
        log.exception("engine video for clip %s failed", clip.id)
        clip.video_pending = False
        clip.save(update_fields=["video_pending"])
        return
    clip.video_pending, clip.has_video = False, True
    clip.save(update_fields=["video_pending", "has_video"])
