"""The studio's media through Django's storage API only: the file system on one machine, an S3-compatible
bucket (django-storages) on several. No module of the studio builds a path from MEDIA_ROOT.

- Writing: work that makes a file (a download, a WAV, an MP3 of an upload) writes it into a temp folder of
  its own first (``work_dir``), then ``file_store`` saves the complete file through the storage, so a
  stored name always holds a complete file and a worker killed mid-file leaves only a temp file that
  ``work_sweep`` removes later.
- Reading a file locally (ffmpeg-like work: WAV conversion, upload checks): ``local_copy`` gives the
  storage's own path where it has one, otherwise a temp copy.
- Serving (``media_response``, after the view checked permission): a redirect to a short-lived signed
  link on a bucket; ``X-Accel-Redirect`` when a proxy serves the files (``MEDIA_ACCEL_REDIRECT``); else a
  file response with HTTP Range.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from studio.ranged import ranged_file_response


def work_dir() -> Path:
    """The folder where files are made before they are stored (local to this machine, never served)."""
    folder = Path(settings.MEDIA_WORK_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def work_file(suffix: str) -> Iterator[Path]:
    """A fresh, empty-named temp path in ``work_dir``; removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(dir=work_dir(), prefix="work-"))
    try:
        yield folder / f"file{suffix}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def work_sweep(*, older_than: float = 3600.0) -> int:
    """Remove what work killed mid-file left in ``work_dir`` (older than an hour); returns how many."""
    cutoff, removed = time.time() - older_than, 0
    folder = Path(settings.MEDIA_WORK_DIR)
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if entry.stat().st_mtime >= cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
            removed += 1
    return removed


def file_store(name: str, source: Path) -> str:
    """Save a complete local file under ``name`` (replacing what is there); returns the stored name."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with open(source, "rb") as handle:
        return default_storage.save(name, File(handle, name=os.path.basename(name)))


def file_exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def files_delete(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def _local_path(name: str) -> Path | None:
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:  # a bucket: no local path
        return None


@contextlib.contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """A local file with the stored file's bytes: its own path on the file system, a temp copy otherwise."""
    path = _local_path(name)
    if path is not None:
        yield path
        return
    with work_file(Path(name).suffix) as tmp, default_storage.open(name, "rb") as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
        out.close()
        yield tmp


def media_response(
    request: HttpRequest,
    name: str,
    *,
    content_type: str,
    filename: str | None = None,
    as_attachment: bool = False,
    redirect: bool = True,
) -> HttpResponse:
    """Serve a stored file the caller may see (checked before): signed redirect, X-Accel-Redirect or Range.

    ``redirect=False`` streams a bucket's file through the studio instead (for a gateway fetching an
    upload: it may refuse links off the studio's own address).
    """
    if not name:
        raise Http404("Not stored.")
    disposition = content_disposition_header(as_attachment, filename) if filename else None
    path = _local_path(name)
    if path is None and not redirect:
        if not default_storage.exists(name):
            raise Http404("Not stored.")
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
        if disposition:
            response["Content-Disposition"] = disposition
        return response
    if path is None:
        parameters = {"ResponseContentType": content_type}
        if disposition:
            parameters["ResponseContentDisposition"] = disposition
        url = default_storage.url(name, parameters=parameters, expire=settings.MEDIA_URL_EXPIRY)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, max-age=60"  # well inside the signed link's lifetime
        return response
    if not path.is_file():
        raise Http404("Not stored.")
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT + quote(name)
        if disposition:
            response["Content-Disposition"] = disposition
        return response
    return ranged_file_response(
        request, path, content_type=content_type, filename=filename, as_attachment=as_attachment
    )
