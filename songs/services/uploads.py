"""A person's own audio: saved first (file or link), checked in a worker, then registered upstream.

The gateway fetches the file through a signed, expiring link to the studio.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from songs import audio, media
from songs.gateway import Gateway, GatewayError, fetch_public_for, upload_file, verdicts
from songs.models import Clip, GenerationTask, Project, Upload
from songs.services import timing
from songs.services.requests import task_create

_SALT = "songs.upload-link"
# The clip id of an upload a family never registers (sunoapi): the studio's own, never sent as an id.
LOCAL_PREFIX = "upload:"


class UploadRefused(Exception):
    """The upload cannot be used; the message says why, in words for the user."""


def upload_link_base() -> str:
    """Where the gateway can reach us. Empty means uploads cannot work with this gateway."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL
    if settings.SUNO_BASE_URL:
        return ""
    # The built-in engine fetches it on this machine: from the studio's own server, which is the
    # gateway's address too unless the engine has a server of its own (ENGINE_PORT, make run).
    return settings.STUDIO_URL if settings.ENGINE_PORT else settings.SUNO_GATEWAY_URL


def upload_link(upload: Upload) -> str:
    token = signing.dumps(str(upload.uid), salt=_SALT)
    return upload_link_base() + reverse("songs:upload_public", args=[token])


def upload_from_token(token: str) -> Upload | None:
    try:
        uid = signing.loads(token, salt=_SALT, max_age=settings.UPLOAD_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return Upload.objects.filter(uid=uid).exclude(file="").first()


def upload_create(
    *,
    project: Project,
    user,
    file: UploadedFile | None = None,
    url: str = "",
    request_key: uuid.UUID | None = None,
) -> GenerationTask:
    """Save the file (or the link) first, then queue the work that checks it and registers it."""
    upload = Upload(project=project, user=user, source_url=url)
    with transaction.atomic():
        if file is not None:
            upload.original_name = Path(file.name).name[:255]
            upload.file.save(f"{upload.uid}/{_safe_name(upload.original_name)}", file, save=False)
        else:
            upload.original_name = Path(url.split("?", 1)[0]).name[:255]
        upload.save()
        try:
            task = task_create(
                project=project,
                user=user,
                action=GenerationTask.Action.UPLOAD,
                mode=GenerationTask.Mode.UPLOAD,
                payload={"url": upload_link(upload)},
                request_key=request_key,
                upload=upload,
            )
        except Exception:
            upload.file.delete(save=False)  # refused (e.g. over quota): keep no orphan file
            raise
        if task.upload_id != upload.pk:  # a double click: the first click's upload is the one kept
            upload.file.delete(save=False)
            upload.delete()
        return task


def _safe_name(name: str) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:80]
    return stem or "audio"


def upload_prepare(*, upload: Upload, gateway: Gateway) -> None:
    """In a worker: fetch a linked file safely, check it is audio within limits, keep an MP3.

    The checks and the conversion read a local copy of the stored file; an MP3 made from another format
    is saved back through the storage and replaces it.
    """
    if not upload.file:
        _fetch_link(upload, gateway)
    with media.local_copy(upload.file.name) as path:
        try:
            probe = audio.probe(path, max_seconds=settings.UPLOAD_MAX_SECONDS)
        except audio.NotAudio as exc:  # TooLong included: decoding stopped at the limit
            raise UploadRefused(str(exc)) from None
        if probe.duration > settings.UPLOAD_MAX_SECONDS:
            raise UploadRefused(
                _("That audio is %(length).1f minutes long; the limit is %(limit)d minutes.")
                % {"length": probe.duration / 60, "limit": settings.UPLOAD_MAX_SECONDS // 60}
            )
        if probe.is_mp3:
            sha = _sha256(path)
        else:  # gateways take MP3 only
            original = upload.file.name
            with media.work_file(".mp3") as mp3:
                audio.to_mp3(path, mp3)
                sha = _sha256(mp3)
                upload.file.name = media.file_store(str(PurePosixPath(original).with_suffix(".mp3")), mp3)
            if original != upload.file.name:
                media.files_delete([original])
    upload.duration = probe.duration
    upload.sha256 = sha
    upload.save(update_fields=["file", "duration", "sha256"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch_link(upload: Upload, gateway: Gateway) -> None:
    name = f"uploads/{upload.uid}/{_safe_name(upload.original_name or 'linked-audio')}"
    try:
        with media.work_file(PurePosixPath(name).suffix) as tmp:
            fetch_public_for(gateway, upload.source_url, dest=tmp, max_bytes=settings.UPLOAD_MAX_BYTES)
            upload.file.name = media.file_store(name, tmp)
    except GatewayError as exc:
        if exc.retryable:
            raise  # the task is queued again and tried later
        raise UploadRefused(_("Could not use that link: %(reason)s") % {"reason": exc.message}) from None
    upload.save(update_fields=["file"])


def upload_send(*, upload: Upload, url: str, gateway: Gateway) -> str:
    """Register the audio with the gateway; returns its clip id. The seed's one call (the gateway fetches
    ``url``) where the gateway has it, else the reseller's multi-step upload of the stored file
    (docs/protocol.md 7.4). A 404 or a web page sent nothing, so trying the other way bills nothing twice.
    """
    if gateway.uploads_by_link:
        # Nothing to register: the studio's own id stands for the audio, whose link goes with each use.
        return f"{LOCAL_PREFIX}{upload.uid}"
    try:
        return gateway.upload_audio_url(url=url)
    except GatewayError as exc:
        if exc.kind != verdicts.NOT_SUPPORTED or not gateway.capabilities.upload:
            raise
    with media.local_copy(upload.file.name) as path:
        return upload_file(gateway, path=path, filename=PurePosixPath(upload.file.name).name)


def upload_link_for(*, clip: Clip | None) -> str:
    """A fresh signed link to the audio behind an uploaded clip (for families that take uploads by link),
    or "" when the clip is not an upload of this studio."""
    upload = clip.task.upload if clip is not None and clip.clip_type == "upload" else None
    return upload_link(upload) if upload is not None and upload.file else ""


def upload_registered(*, task: GenerationTask, clip_id: str) -> Clip:
    """The gateway knows the audio as clip_id: it becomes a clip that can be continued."""
    upload = task.upload
    clip, _created = Clip.objects.get_or_create(
        upstream_id=clip_id,
        defaults={
            "project": task.project,
            "task": task,
            "title": upload.title,
            "status": Clip.Status.COMPLETE,
            "clip_type": "upload",
            "duration": upload.duration,
            "audio_file": upload.file.name,
            "audio_sha256": upload.sha256,
            "media_state": Clip.MediaState.STORED,
            "metadata": {
                "type": "upload",
                "duration": upload.duration,
                "source": upload.source_url or "file",
            },
        },
    )
    if _created:
        timing.clip_audio_stored(clip_pk=clip.pk)  # its waveform (an upload has no karaoke)
    return clip
