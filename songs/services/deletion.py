"""Deleting a project with everything it stored on disk (ASVS 8.3.2): its clips' media, WAV copies,
uploads and, when the built-in engine is the gateway, the engine's own copies of its clips.

Files go only after the database commit: a rolled-back delete must leave a project whose files work.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from songs.models import Clip, Project, Upload

log = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")  # an upstream clip id we may use in a file name


def project_delete(*, project: Project) -> None:
    paths = _project_paths(project)
    with transaction.atomic():
        project.delete()
        transaction.on_commit(lambda: files_remove(paths=paths))


def _project_paths(project: Project) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    paths: list[Path] = []
    for clip in Clip.objects.filter(project=project).only("uid", "upstream_id", *_CLIP_FILES):
        paths += [root / getattr(clip, field).name for field in _CLIP_FILES if getattr(clip, field)]
        paths.append(root / "clips" / "wav" / f"{clip.uid}.wav")
        paths += _engine_paths(root, clip.upstream_id)
    for upload in Upload.objects.filter(project=project).exclude(file=""):
        paths.append((root / upload.file.name).parent)  # uploads/<uid>/: the file and its MP3
    return paths


_CLIP_FILES = ("audio_file", "image_file", "video_file")


def _engine_paths(root: Path, upstream_id: str) -> list[Path]:
    """The built-in engine keeps <clip id>.<kind> in its folder; a real gateway's copies are its own."""
    if settings.SUNO_BASE_URL or not _SAFE_ID.fullmatch(upstream_id or ""):
        return []
    folder = root / settings.ENGINE_MEDIA_SUBDIR
    return sorted(folder.glob(f"{upstream_id}.*"))


def files_remove(*, paths: list[Path]) -> None:
    """Remove files and upload folders, never anything outside MEDIA_ROOT; missing ones are fine."""
    root = Path(settings.MEDIA_ROOT).resolve()
    for path in paths:
        target = path.resolve()
        if target == root or root not in target.parents:
            log.warning("Not removing %s: outside the media folder", path)
            continue
        try:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not remove %s: %s", path, exc)
