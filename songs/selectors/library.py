"""The team library: search, filters, likes and the trash."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower

from songs import catalog
from songs.models import (
    ROLE_RANK,
    Clip,
    ClipLike,
    GenerationTask,
    LyricDraft,
    Membership,
    Role,
)

MAX_SEARCH_WORDS = 8  # enough for any real search; keeps the query from growing without end


TRASH_LIMIT = 200


@dataclass(frozen=True)
class ClipFilters:
    """What the library is narrowed to; empty values narrow nothing."""

    team_id: int | None = None
    q: str = ""
    status: str = ""
    model: str = ""
    liked: bool = False
    mode: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = ""  # "" newest first, "title" by title (A–Z, any script)


def with_liked_by(clips: QuerySet[Clip], *, user_id: int | None) -> QuerySet[Clip]:
    """Annotate `liked_by_me` (one subquery, not one query per clip)."""
    mine = ClipLike.objects.filter(clip=OuterRef("pk"), user_id=user_id)
    return clips.annotate(liked_by_me=Exists(mine))


def _team_clips(*, user) -> QuerySet[Clip]:
    # One membership per (team, user), so the join never repeats a clip.
    return Clip.objects.filter(project__team__memberships__user=user)


def search_words(q: str) -> list[str]:
    return q.split()[:MAX_SEARCH_WORDS]


def library_clips(*, user, filters: ClipFilters | None = None) -> QuerySet[Clip]:
    """The clips of all projects of the user's teams, not trashed, newest first, with `liked_by_me`."""
    filters = filters or ClipFilters()
    clips = _team_clips(user=user).filter(trashed_at__isnull=True)
    if filters.team_id:
        clips = clips.filter(project__team_id=filters.team_id)
    for word in search_words(filters.q):
        # Every word must match, each in any of title, style or lyrics.
        clips = clips.filter(Q(title__icontains=word) | Q(tags__icontains=word) | Q(lyrics__icontains=word))
    if filters.status:
        clips = clips.filter(status=filters.status)
    if filters.model:
        clips = clips.filter(_model_q(filters.model))
    if filters.mode:
        clips = clips.filter(task__mode=filters.mode)
    if filters.date_from:
        clips = clips.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        clips = clips.filter(created_at__date__lte=filters.date_to)
    clips = with_liked_by(clips, user_id=user.pk)
    if filters.liked:
        clips = clips.filter(liked_by_me=True)
    clips = clips.select_related("project__team", "task", "parent__task")
    # Which of its request's clips it is ("take 2"): what tells apart songs with one title, style and time.
    # Counted over all of the request's clips, whatever the filters leave on the page.
    siblings = Clip.objects.filter(task_id=OuterRef("task_id")).values("task_id")
    take = siblings.filter(id__lte=OuterRef("id")).annotate(n=Count("id")).values("n")
    clips = clips.annotate(take=Subquery(take), takes=Subquery(siblings.annotate(n=Count("id")).values("n")))
    if filters.sort == "title":
        # Case-insensitive for Latin titles (Lower works in SQLite and PostgreSQL alike); Chinese and
        # other scripts by code point after them; untitled songs last.
        untitled = Case(When(title="", then=Value(1)), default=Value(0))
        return clips.order_by(untitled, Lower("title"), "-created_at", "-id")
    return clips.order_by("-created_at", "-id")


def _model_q(model: str) -> Q:
    """The model the gateway reports, or the one that was asked for (Suno reports chirp-v3-5 as chirp-v3)."""
    return Q(model_name=model) | Q(task__request_payload__mv__in=[model, f"{model}-upload"])


def library_clip(*, user, pk: int) -> Clip | None:
    """One library row again (after an undo), annotated like the list."""
    return library_clips(user=user).filter(pk=pk).first()


def model_choices(*, user) -> list[tuple[str, str]]:
    """The model table, then whatever other model names the user's clips carry."""
    choices = catalog.model_choices()
    known = {mv for mv, _ in choices}
    reported = (
        _team_clips(user=user)
        .exclude(model_name="")
        .values_list("model_name", flat=True)
        .distinct()
        .order_by("model_name")
    )
    return choices + [(name, name) for name in reported if name not in known]


def mode_choices() -> list[tuple[str, str]]:
    # Lyrics requests make drafts, never clips.
    return [c for c in GenerationTask.Mode.choices if c[0] != GenerationTask.Mode.LYRICS]


def editable_team_ids(*, user) -> set[int]:
    """Teams where the user may trash, restore and rename (one query for a whole page of rows)."""
    roles = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.EDITOR]]
    return set(Membership.objects.filter(user=user, role__in=roles).values_list("team_id", flat=True))


def trashed_clips(*, user, limit: int = TRASH_LIMIT) -> QuerySet[Clip]:
    clips = _team_clips(user=user).filter(trashed_at__isnull=False)
    return clips.select_related("project__team", "task").order_by("-trashed_at", "-id")[:limit]


def trashed_drafts(*, user, limit: int = TRASH_LIMIT) -> QuerySet[LyricDraft]:
    drafts = LyricDraft.objects.filter(project__team__memberships__user=user, trashed_at__isnull=False)
    return drafts.select_related("project__team").order_by("-trashed_at", "-id")[:limit]
