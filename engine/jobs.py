"""Render jobs: walk a task through the lifecycle a real gateway shows, making real audio on the way.

They run in django-q2 workers. ENGINE_PACE seconds pass between stages so the
studio sees SUBMITTED, IN_PROGRESS with streaming clips, then SUCCESS. Videos are made afterwards by
their own job (render_video), so a clip completes without waiting for its MP4.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django_q.tasks import async_task

from engine import clipmeta, drills, lyricist, media, render, storage
from engine.models import EngineClip, EngineTask
from engine.styles import parse_negative

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


def render_task(task_id: str) -> None:
    task = EngineTask.objects.filter(id=task_id, status=EngineTask.Status.NOT_START).first()
    if task is None:  # already rendered, or unknown: nothing to do
        return
    _set(task, status=EngineTask.Status.SUBMITTED, start_time=int(time.time()))
    _pause()
    try:
        if settings.ENGINE_FAIL_RATE and seed_of(task.id) % 1000 < settings.ENGINE_FAIL_RATE * 1000:
            raise RuntimeError("the engine was told to fail this task (ENGINE_FAIL_RATE)")
        if drills.task_gets_stuck():
            _set(task, status=EngineTask.Status.IN_PROGRESS, progress="10%")
            return  # never finishes: the studio must give up on it by itself
        {"LYRICS": _render_lyrics, "CONCAT": _render_concat}.get(task.action, _render_music)(task)
    except Exception as exc:  # a render bug must end the task visibly, not leave it hanging
        log.exception("engine task %s failed", task.id)
        _set(
            task,
            status=EngineTask.Status.FAILURE,
            fail_reason=f"render failed: {exc}",
            finish_time=int(time.time()),
        )
        task.clips.update(status="error")
        return
    _set(task, status=EngineTask.Status.SUCCESS, progress="100%", finish_time=int(time.time()))


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
    if "continue_clip_id" in payload:  # a continuation goes on under the original's name and style
        source = EngineClip.objects.filter(id=payload["continue_clip_id"]).first()
        if source is not None:
            song["title"] = song["title"] or source.title
            song["tags"] = song["tags"] or source.metadata.get("tags", "")
    return song


def prepare_clips(task: EngineTask, status: str = "queued") -> list[EngineClip]:
    """The task's clips, created now or reused (the v2 format shows them at submit time)."""
    song = song_inputs(task)
    clips = list(task.clips.all())
    for clip in clips:
        clip.status, clip.title = status, song["title"]
        clip.metadata = clipmeta.for_music(task.payload, song)
        clip.save(update_fields=["status", "title", "metadata"])
    if clips:
        return clips
    return [
        EngineClip.objects.create(
            task=task,
            index=i,
            status=status,
            title=song["title"],
            mv=task.payload["mv"],
            seed=seed_of(task.id, i),
            metadata=clipmeta.for_music(task.payload, song),
        )
        for i in range(CLIPS_PER_TASK)
    ]


def _render_music(task: EngineTask) -> None:
    song = song_inputs(task)
    clips = prepare_clips(task)
    negative = parse_negative(task.payload.get("negative_tags", ""))
    kind = render.infill if "infill_start_s" in task.payload else render.continuation
    _set(task, status=EngineTask.Status.IN_PROGRESS, progress="10%")
    for number, clip in enumerate(clips, start=1):
        if "continue_clip_id" in task.payload:
            rendered = kind(task.payload, song, clip.seed, negative)
        else:
            rendered = render.new_song(song, clip.seed, negative)
        _store(clip, rendered)
        _set(task, progress=f"{10 + 80 * number // len(clips)}%")
    _pause()  # the clips stream for a while before they are final, as on Suno
    complete(clips)


def _render_concat(task: EngineTask) -> None:
    last = EngineClip.objects.get(id=task.payload["clip_id"])
    clip = EngineClip.objects.create(
        task=task,
        status="queued",
        title=last.title,
        mv=last.mv,
        seed=seed_of(task.id, 0),
        metadata=clipmeta.for_concat(task.payload, last.metadata),
    )
    _set(task, status=EngineTask.Status.IN_PROGRESS, progress="10%")
    _store(clip, render.concat(task.payload))
    _pause()
    complete([clip])


def _store(clip: EngineClip, rendered: render.Rendered) -> None:
    """Audio, lossless copy and cover on disk; the clip streams from here on."""
    storage.save_audio(clip.id, rendered.audio)
    tags = clip.metadata.get("tags", "")
    cover = media.render_cover(
        title=clip.title or tags, tags=tags, seed=clip.seed, genre=rendered.engine.get("genre")
    )
    storage.write_atomic(storage.media_path(clip.id, "jpeg"), cover)
    clip.metadata = {**clip.metadata, "duration": round(rendered.duration, 3), "engine": rendered.engine}
    clip.status = "streaming"
    clip.has_audio = clip.has_image = True
    clip.save(update_fields=["metadata", "status", "has_audio", "has_image"])


def complete(clips: list[EngineClip]) -> None:
    """Final clips: complete now, their videos pending until the video job has made them."""
    for clip in clips:
        clip.status, clip.video_pending = "complete", True
        clip.save(update_fields=["status", "video_pending"])
        queue_video(clip.id)


def queue_video(clip_id: str) -> None:
    async_task("engine.jobs.render_video", clip_id, task_name=f"engine-video-{clip_id}")


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
