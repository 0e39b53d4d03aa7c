"""File responses that honour HTTP Range, so browsers can seek in audio and video.

Django's FileResponse and static `serve` always answer 200 with the whole
file; <audio> needs 206 Partial Content to jump to a position.
"""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return (start, end) inclusive for a single satisfiable range, else None."""
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # suffix range: the last N bytes
        length = int(last)
        if length == 0:
            return None
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def _iter_slice(path: Path, start: int, length: int):
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def download_disposition(as_attachment: bool, filename: str) -> str:
    """Content-Disposition for a file named after a song title in any script (RFC 6266 / RFC 5987).

    An ASCII name is sent as it is: ``attachment; filename="City Lights.mp3"``. Any other gets an ASCII
    fallback for old clients and the exact name in UTF-8: ``filename="song.mp3";
    filename*=UTF-8''%E4%B9%A1%E6%84%81.mp3`` (乡愁.mp3). Path separators and control characters go.
    """
    disposition = "attachment" if as_attachment else "inline"
    name = "".join(" " if unicodedata.category(c)[0] == "C" or c in "/\\" else c for c in filename).strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""

    def ascii_quoted(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"')

    if name.isascii():
        return f'{disposition}; filename="{ascii_quoted(name)}"'
    fallback = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    fallback = " ".join(fallback.split()) or "song"
    fallback_ext = suffix if suffix.isascii() else ""
    return (
        f'{disposition}; filename="{ascii_quoted(fallback + fallback_ext)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def ranged_file_response(
    request: HttpRequest,
    path: Path,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    as_attachment: bool = False,
) -> HttpResponse:
    size = os.path.getsize(path)
    content_type = content_type or mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    header = request.headers.get("Range", "")
    if header:
        span = _parse_range(header, size)
        if span is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = span
        length = end - start + 1
        body = _iter_slice(path, start, length)
        response = StreamingHttpResponse(body, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 - closed by Django
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    if filename:
        response["Content-Disposition"] = download_disposition(as_attachment, filename)
    return response
