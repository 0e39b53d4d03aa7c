"""Render jobs: walk a task through the lifecycle a real gateway shows, making real audio on the way.

They run in django-q2 workers. ENGINE_PACE seconds pass between stages so the
studio sees SUBMITTED, IN_PROGRESS with streaming clips, then SUCCESS.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from django.conf import settings

from engine import composer, lyricist, media
from engine.models import EngineClip, EngineTask
from engine.views import media_path

log = logging.getLogger(__name__)
CLIPS_PER_TASK = 2


def _pause() -> None:
    if settings.ENGINE_PACE > 0:
        time.sleep(settings.ENGINE_PACE)


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
        if settings.ENGINE_FAIL_RATE and _seed(task.id) % 1000 < settings.ENGINE_FAIL_RATE * 1000:
            raise RuntimeError("the engine was told to fail this task (ENGINE_FAIL_RATE)")
        if task.action == "LYRICS":
            _render_lyrics(task)
        else:
            _render_music(task)
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
    title, text = lyricist.write_lyrics(prompt=task.payload["prompt"], seed=_seed(task.id))
    _pause()
    _set(task, result={"status": "complete", "title": title, "text": text})


def _song_inputs(task: EngineTask) -> dict:
    payload = task.payload
    instrumental = payload["make_instrumental"]
    if payload["gpt_description_prompt"] and not payload["prompt"]:
        idea = lyricist.inspire(
            description=payload["gpt_description_prompt"], seed=_seed(task.id), instrumental=instrumental
        )
        return {
            "title": idea["title"],
            "tags": idea["tags"],
            "lyrics": idea["lyrics"],
            "instrumental": instrumental,
        }
    return {
        "title": payload["title"],
        "tags": payload["tags"],
        "lyrics": payload["prompt"],
        "instrumental": instrumental or not payload["prompt"].strip(),
    }


def _render_music(task: EngineTask) -> None:
    song = _song_inputs(task)
    clips = [
        EngineClip.objects.create(
            task=task,
            index=i,
            status="queued",
            title=song["title"],
            mv=task.payload["mv"],
            seed=_seed(task.id, i),
            metadata=_metadata(task, song),
        )
        for i in range(CLIPS_PER_TASK)
    ]
    _set(task, status=EngineTask.Status.IN_PROGRESS, progress="10%")
    for number, clip in enumerate(clips, start=1):
        _render_clip(clip, song)
        _set(task, progress=f"{10 + 80 * number // CLIPS_PER_TASK}%")
    _pause()  # the clips stream for a while before they are final, as on Suno
    for clip in clips:
        clip.status = "complete"
        clip.save(update_fields=["status"])


def _metadata(task: EngineTask, song: dict) -> dict:
    payload = task.payload
    return {
        "tags": song["tags"],
        "negative_tags": payload.get("negative_tags", ""),
        "prompt": song["lyrics"],
        "gpt_description_prompt": payload["gpt_description_prompt"] or None,
        "type": "gen",
        "duration": None,
        "history": None,
        "concat_history": None,
        "stream": True,
        "infill": False,
        "has_vocal": not song["instrumental"],
        "make_instrumental": song["instrumental"],
        "refund_credits": False,
        "error_type": None,
        "error_message": None,
    }


def _render_clip(clip: EngineClip, song: dict) -> None:
    rendered = composer.compose(
        tags=song["tags"],
        lyrics=song["lyrics"],
        title=song["title"],
        seed=clip.seed,
        instrumental=song["instrumental"],
        max_seconds=settings.ENGINE_MAX_SECONDS,
    )
    mp3 = media.encode_mp3(rendered.audio, rendered.sample_rate)
    _write_atomic(media_path(clip.id, "mp3"), mp3)
    cover = media.render_cover(title=clip.title or song["tags"], tags=song["tags"], seed=clip.seed)
    _write_atomic(media_path(clip.id, "jpeg"), cover)
    clip.metadata = {
        **clip.metadata,
        "duration": round(rendered.duration, 2),
        "engine": {k: v for k, v in rendered.meta.items() if k != "sections"},
    }
    clip.status = "streaming"
    clip.has_audio = clip.has_image = True
    clip.save(update_fields=["metadata", "status", "has_audio", "has_image"])
