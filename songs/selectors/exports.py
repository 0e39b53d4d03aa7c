"""What a ZIP of one song or a whole project holds (songs.export writes it)."""

from __future__ import annotations

from dataclasses import dataclass

from songs.models import (
    Clip,
    Project,
)


@dataclass
class ExportSong:
    clip: Clip
    stems: list[Clip]  # made from it (metadata type "stem", stem_from_id its upstream id), oldest first
    parents: list[dict]  # its chain via `parent`, nearest first: title, upstream_id, continue_at, created_at


def export_songs(*, project: Project, clip: Clip | None = None) -> list[ExportSong]:
    """What an export holds: the one clip asked for, or every complete clip of the project with its audio
    stored, oldest first; trashed clips never. A stem goes into its source's folder when the source is in
    the export, else it is a song of its own. Three queries whatever the project's size."""
    live = project.clips.filter(trashed_at__isnull=True).exclude(audio_file="")
    stems: dict[str, list[Clip]] = {}
    for stem in live.filter(clip_type="stem").order_by("created_at", "id"):
        stems.setdefault(_stem_from(stem), []).append(stem)
    if clip is not None:
        songs = [clip]
    else:
        complete = live.filter(status=Clip.Status.COMPLETE).select_related("task", "timing")
        songs = list(complete.order_by("created_at", "id"))
        exported = {song.upstream_id for song in songs}
        songs = [s for s in songs if s.clip_type != "stem" or _stem_from(s) not in exported]
    fields = ("id", "parent_id", "title", "upstream_id", "continue_at", "created_at")
    rows = {row["id"]: row for row in Clip.objects.filter(project=project).values(*fields)}
    return [ExportSong(s, stems.get(s.upstream_id, []), _parents(rows, s.parent_id)) for s in songs]


def _stem_from(clip: Clip) -> str:
    return str((clip.metadata or {}).get("stem_from_id") or "") if isinstance(clip.metadata, dict) else ""


def _parents(rows: dict[int, dict], parent_id: int | None, limit: int = 50) -> list[dict]:
    chain: list[dict] = []
    while parent_id in rows and len(chain) < limit and all(p["id"] != parent_id for p in chain):
        chain.append(rows[parent_id])
        parent_id = rows[parent_id]["parent_id"]
    return chain
