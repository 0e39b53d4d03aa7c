"""Downloads of a whole song or a whole project as one ZIP, streamed as it is made (songs.export).

Viewers may export (they may listen and download); outsiders get 404; trashed clips are never in one.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from songs import export, selectors


@login_required
@require_GET
def clip_export(request: HttpRequest, uid: uuid.UUID) -> StreamingHttpResponse:
    """ "Download ZIP" on a card: one song's folder (MP3, WAV, cover, lyrics, stems, metadata)."""
    clip = selectors.clip_for_user(user=request.user, uid=uid)
    if clip.trashed_at is not None:
        raise Http404("No such clip.")
    songs = selectors.export_songs(project=clip.project, clip=clip)
    return _zip_response(export.song_folders(songs), name=clip.title, fallback=f"song-{str(clip.uid)[:8]}")


@login_required
@require_GET
def project_export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """ "Download ZIP" on the project page: a folder per song."""
    project = selectors.project_for_user(user=request.user, pk=pk)
    songs = selectors.export_songs(project=project)
    return _zip_response(export.song_folders(songs), name=project.name, fallback=f"project-{project.pk}")


def _zip_response(folders, *, name: str, fallback: str) -> StreamingHttpResponse:
    filename = export.safe_name(name, fallback=fallback) + ".zip"
    response = StreamingHttpResponse(export.zip_chunks(folders), content_type="application/zip")
    response["Content-Disposition"] = export.content_disposition(filename, fallback=f"{fallback}.zip")
    response["Cache-Control"] = "private, no-store"
    return response
