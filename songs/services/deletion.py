"""Deleting a project with everything it stored (ASVS 8.3.2): its clips' media, WAV copies, uploads and,
when the built-in engine is the gateway, the engine's own copies of its clips.

Files go only after the database commit: a rolled-back delete must leave a project whose files work.
Everything of the studio's goes through the storage API (a bucket on several machines); the built-in
engine keeps its copies in its own folder on the engine's machine, reached through a file-system storage.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction

from songs.models import Clip, Project, Upload
from songs.services.copies import gateway_wav_name, wav_name

log = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")  # an upstream clip id we may use in a file name
_CLIP_FILES = ("audio_file", "image_file", "video_file")


def project_delete(*, project: Project) -> None:
    names, engine_names = _project_files(project)
    with transaction.atomic():
        project.delete()
        transaction.on_commit(lambda: files_remove(names=names, engine_names=engine_names))


def _project_files(project: Project) -> tuple[list[str], list[str]]:
    names: list[str] = []
    upstream_ids: set[str] = set()
    for clip in Clip.objects.filter(project=project).only("uid", "upstream_id", *_CLIP_FILES):
        names += [getattr(clip, field).name for field in _CLIP_FILES if getattr(clip, field)]
        names += [wav_name(clip=clip), gateway_wav_name(clip=clip)]
        if _SAFE_ID.fullmatch(clip.upstream_id or ""):
            upstream_ids.add(clip.upstream_id)
    for upload in Upload.objects.filter(project=project).exclude(file=""):
        names.append(upload.file.name)
    return names, _engine_files(upstream_ids)


def _engine_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.MEDIA_ROOT)


def _engine_files(upstream_ids: set[str]) -> list[str]:
    """The built-in engine keeps <clip id>.<kind> in its folder; a real gateway's copies are its own."""
    if settings.SUNO_BASE_URL or not upstream_ids:
        return []
    folder = settings.ENGINE_MEDIA_SUBDIR
    try:
        _dirs, files = _engine_storage().listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(f"{folder}/{name}" for name in files if name.split(".", 1)[0] in upstream_ids)


def files_remove(*, names: list[str], engine_names: list[str] = ()) -> None:
    """Remove stored files by name (missing ones are fine); a name the storage refuses is logged."""
    for storage, batch in ((default_storage, names), (_engine_storage(), engine_names)):
        for name in batch:
            try:
                storage.delete(name)
            except Exception as exc:  # noqa: BLE001 - SuspiciousFileOperation, OSError, a bucket's error
                log.warning("Could not remove %s: %s", name, exc)
