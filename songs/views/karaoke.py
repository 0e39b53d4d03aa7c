"""Karaoke: a clip's lyrics as sung (loaded into its card when opened), and as LRC and SRT downloads.

Everyone who may play the clip may read and download them (viewers too): the same check as its audio.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from songs import export, karaoke, selectors

# kind -> (content type, what makes the file)
LYRIC_FILES = {
    "lrc": ("application/x-lrc; charset=utf-8", lambda words, title: karaoke.lrc_text(words, title=title)),
    "srt": ("application/x-subrip; charset=utf-8", lambda words, title: karaoke.srt_text(words)),
}


def _words(request: HttpRequest, uid: uuid.UUID):
    """The clip (for those who may play it) and its karaoke words; 404 when it has none."""
    clip = selectors.clip_for_user(user=request.user, uid=uid)
    try:
        words = clip.timing.words
    except ObjectDoesNotExist:
        words = None
    if not words:
        raise Http404("This clip has no timed lyrics.")
    return clip, words


@login_required
@require_GET
def clip_karaoke(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """The lines and words with their times; static/js/waveform.js highlights them as the clip plays."""
    clip, words = _words(request, uid)
    response = render(
        request, "songs/partials/karaoke_lines.html", {"clip": clip, "lines": karaoke.lines_of(words)}
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def clip_lyrics_file(request: HttpRequest, uid: uuid.UUID, kind: str) -> HttpResponse:
    """ "Lyrics (.lrc)" and "Subtitles (.srt)", named after the clip's title (RFC 5987 for any script)."""
    if kind not in LYRIC_FILES:
        raise Http404
    clip, words = _words(request, uid)
    content_type, make = LYRIC_FILES[kind]
    response = HttpResponse(make(words, clip.title), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.download_name(clip.title, kind))
    response["Cache-Control"] = "private, no-cache"
    return response
