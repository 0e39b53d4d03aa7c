"""Read-only queries. Views and services read through these; they never change anything.

Sections: who may see what; project pages; the team library; share links; credits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from songs import catalog
from songs.gateway import Capabilities, capabilities_for
from songs.models import (
    COPIES_PENDING,
    ROLE_RANK,
    Clip,
    ClipLike,
    GatewayFeature,
    GenerationTask,
    LyricDraft,
    Membership,
    Persona,
    Project,
    Role,
    ShareLink,
    StyleBoost,
    Team,
    UserLanguage,
)


def gateway_capabilities() -> Capabilities:
    """What the gateway offers: its format's features, narrowed by SUNO_FEATURES, less what it said it lacks.

    The UI offers only these, and requests for anything else are refused before they are saved.
    """
    carried = capabilities_for(settings.SUNO_API_FORMAT)
    wanted = set(settings.SUNO_FEATURES) or set(catalog.FEATURES)
    missing = set(
        GatewayFeature.objects.filter(
            gateway=settings.SUNO_GATEWAY_URL, missing_since__isnull=False
        ).values_list("name", flat=True)
    )
    return dataclasses.replace(
        carried,
        **{
            name: getattr(carried, name) and name in wanted and name not in missing
            for name in catalog.FEATURES
        },
    )


def membership_of(*, user, team_id: int) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(team_id=team_id, user=user).first()


def _allowed(obj, *, user, team_id: int, role: str, membership: Membership | None = None):
    """The object, with the user's membership attached, if their role allows; 404 for non-members."""
    membership = membership or membership_of(user=user, team_id=team_id)
    if membership is None:
        raise Http404("Not found.")  # outsiders cannot even learn that it exists
    if not membership.allows(role):
        raise PermissionDenied(
            _("This needs the %(role)s role in %(team)s.")
            % {"role": str(Role(role).label).lower(), "team": membership.team.name}
        )
    obj.membership = membership
    return obj


def teams_for_user(*, user, role: str = Role.VIEWER) -> QuerySet[Team]:
    ranks = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[role]]
    return Team.objects.filter(memberships__user=user, memberships__role__in=ranks).distinct()


def projects_for_user(*, user) -> QuerySet[Project]:
    return Project.objects.filter(team__memberships__user=user).select_related("team").distinct()


def project_for_user(*, user, pk: int, role: str = Role.VIEWER, with_pending: bool = False) -> Project:
    """The project, with the user's membership read in the same query (every project page needs both).

    ``with_pending`` reads whether anything is still running in that same query too (the page and its
    poller need it; project_has_pending then costs nothing).
    """
    user_id = user.pk if user.is_authenticated else None
    mine = Membership.objects.filter(team=OuterRef("team"), user_id=user_id)
    projects = Project.objects.select_related("team").annotate(
        my_membership=Subquery(mine.values("pk")[:1]), my_role=Subquery(mine.values("role")[:1])
    )
    if with_pending:
        tasks = GenerationTask.objects.filter(project=OuterRef("pk"), status__in=GenerationTask.PENDING)
        copies = Clip.objects.filter(COPIES_PENDING, project=OuterRef("pk"))
        projects = projects.annotate(
            has_pending=ExpressionWrapper(Exists(tasks) | Exists(copies), output_field=BooleanField())
        )
    project = projects.filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    membership = None
    if project.my_membership is not None:
        membership = Membership(pk=project.my_membership, team=project.team, user=user, role=project.my_role)
    return _allowed(project, user=user, team_id=project.team_id, role=role, membership=membership)


def clip_for_user(*, user, uid, role: str = Role.VIEWER) -> Clip:
    clip = Clip.objects.select_related("project__team", "task").filter(uid=uid).first()
    if clip is None:
        raise Http404("No such clip.")
    return _allowed(clip, user=user, team_id=clip.project.team_id, role=role)


def team_for_user(*, user, pk: int, role: str = Role.VIEWER) -> Team:
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise Http404("No such team.")
    return _allowed(team, user=user, team_id=team.pk, role=role)


def project_cards(*, project: Project, changed_since=None, among=None) -> QuerySet[GenerationTask]:
    """Music, whole-song and upload requests with their clips, newest first: one card each (of those with
    the ids in ``among``, when given: the cards a page shows)."""
    tasks = project.tasks.exclude(action__in=(GenerationTask.Action.LYRICS, GenerationTask.Action.PERSONA))
    if among is not None:
        tasks = tasks.filter(pk__in=among)
    tasks = tasks.exclude(mode=GenerationTask.Mode.STEMS)  # shown on their source clip's card
    if changed_since is not None:
        # A card also changes when the stems of one of its clips move on.
        stems = GenerationTask.objects.filter(
            mode=GenerationTask.Mode.STEMS, parent_clip__task=OuterRef("pk"), changed_at__gt=changed_since
        )
        tasks = tasks.filter(Q(changed_at__gt=changed_since) | Exists(stems))
    stems = GenerationTask.objects.filter(mode=GenerationTask.Mode.STEMS, parent_clip__task=OuterRef("pk"))
    tasks = tasks.annotate(has_stems=Exists(stems))  # read in the same query: attach_extras needs no other
    live = Clip.objects.filter(trashed_at__isnull=True).select_related("parent").order_by("id")
    clips = with_liked_by(live, user_id=project.membership.user_id)
    return (
        tasks.select_related("parent_clip", "upload")
        .prefetch_related(Prefetch("clips", queryset=clips))
        .order_by("-created_at")
    )


def attach_extras(*, tasks: list[GenerationTask]) -> None:
    """Give each card's clips their stems requests (``clip.stem_requests``, newest first, with clips), and
    each persona song its persona's name (``clip.persona_name``).

    Cards without stems (``has_stems``, read with the cards) and without persona songs cost no query.
    """
    with_stems = [task for task in tasks if getattr(task, "has_stems", False)]
    on_page = {clip.pk: clip for task in with_stems for clip in task.clips.all()}
    if on_page:
        stems = Clip.objects.filter(trashed_at__isnull=True).order_by("id")
        requests = (
            GenerationTask.objects.filter(mode=GenerationTask.Mode.STEMS, parent_clip_id__in=on_page)
            .prefetch_related(Prefetch("clips", queryset=stems))
            .order_by("-pk")
        )
        for request in requests:
            clip = on_page[request.parent_clip_id]
            clip.stem_requests = [*getattr(clip, "stem_requests", []), request]
    sung = [task for task in tasks if (task.request_payload or {}).get("task") == "artist_consistency"]
    if sung:
        ids = {task.request_payload.get("persona_id") or "" for task in sung}
        names = dict(Persona.objects.filter(upstream_id__in=ids).values_list("upstream_id", "name"))
        for task in sung:
            for clip in task.clips.all():
                clip.persona_name = names.get(task.request_payload.get("persona_id") or "", "")


# A first screenful and some: older cards load as the reader scrolls to the end (cards_more.html).
CARDS_PER_PAGE = 10


def project_cards_page(
    *, project: Project, before: int | None = None, size: int = CARDS_PER_PAGE
) -> tuple[list[GenerationTask], int | None]:
    """One page of cards, newest first, and the key of the next (older) page, or None at the end.

    The page's "Song so far" lines are worked out here from one query (``attach_chains``): the size and the
    query count of a project page do not grow with the library.
    """
    tasks = project_cards(project=project).order_by("-pk")
    if before is not None:
        tasks = tasks.filter(pk__lt=before)
    page = list(tasks[: size + 1])
    older = page[size - 1].pk if len(page) > size else None
    page = page[:size]
    attach_chains(project=project, tasks=page)
    attach_extras(tasks=page)
    return page, older


def attach_chains(*, project: Project, tasks: list[GenerationTask]) -> None:
    """Give each card's clips the continuation chain that ends at them (``clip.chain``), oldest first.

    One query reads the few fields a chain needs for every clip of the project, instead of one query per
    step up the chain for every card.
    """
    on_page = [clip for task in tasks for clip in task.clips.all()]
    if not any(clip.parent_id and clip.continue_at is not None for clip in on_page):
        return  # no continuation on this page: nothing to walk, no query
    fields = ("id", "parent_id", "continue_at", "duration", "title")
    rows = {row["id"]: row for row in Clip.objects.filter(project=project).values(*fields)}
    for task in tasks:
        for clip in task.clips.all():
            clip.chain = _chain_rows(rows, clip.pk)


def _chain_rows(rows: dict[int, dict], clip_id: int, limit: int = 20) -> list[dict]:
    chain = [rows[clip_id]] if clip_id in rows else []
    while (
        chain and chain[0]["parent_id"] in rows and chain[0]["continue_at"] is not None and len(chain) < limit
    ):
        chain.insert(0, rows[chain[0]["parent_id"]])
    return chain


def clip_card(*, clip: Clip) -> GenerationTask | None:
    """The card (a task with its clips) a clip sits on, as the project page shows it; None for none.

    ``clip`` comes from ``clip_for_user``, so its project gets the reader's membership for the template.
    """
    project = clip.project
    project.membership = clip.membership
    task = project_cards(project=project).filter(pk=clip.task_id).first()
    if task is not None:
        attach_chains(project=project, tasks=[task])
        attach_extras(tasks=[task])
    return task


def project_has_pending(*, project: Project) -> bool:
    """A request still running, or a copy still downloading: one query (none if read with the project)."""
    if hasattr(project, "has_pending"):
        return project.has_pending
    tasks = GenerationTask.objects.filter(project=OuterRef("pk"), status__in=GenerationTask.PENDING)
    copies = Clip.objects.filter(COPIES_PENDING, project=OuterRef("pk"))
    return Project.objects.filter(pk=project.pk).filter(Exists(tasks) | Exists(copies)).exists()


def draft_for_user(*, user, pk: int, role: str = Role.VIEWER) -> LyricDraft:
    draft = LyricDraft.objects.select_related("project__team").filter(pk=pk).first()
    if draft is None:
        raise Http404("No such draft.")
    return _allowed(draft, user=user, team_id=draft.project.team_id, role=role)


def project_lyrics(*, project: Project) -> dict:
    """The lyrics panel: drafts, plus lyrics requests still running or failed without a draft."""
    tasks = (
        project.tasks.filter(action=GenerationTask.Action.LYRICS, drafts__isnull=True)
        .exclude(status=GenerationTask.Status.SUCCEEDED)
        .order_by("-created_at")[:5]
    )
    drafts = project.drafts.filter(trashed_at__isnull=True).order_by("-updated_at")
    return {"drafts": drafts, "lyric_tasks": tasks}


def lyrics_changed_since(*, project: Project, since) -> bool:
    return project.tasks.filter(action=GenerationTask.Action.LYRICS, changed_at__gt=since).exists()


def clip_chain(*, clip: Clip, limit: int = 20) -> list[Clip]:
    """The continuation chain that ends at this clip, oldest first (parents are few and cached)."""
    chain = [clip]
    while chain[0].parent_id and chain[0].continue_at is not None and len(chain) < limit:
        chain.insert(0, chain[0].parent)
    return chain


# --- the team library ------------------------------------------------------------------------------


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
    clips = clips.select_related("project__team", "task")
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
    return clips.select_related("project__team").order_by("-trashed_at", "-id")[:limit]


def trashed_drafts(*, user, limit: int = TRASH_LIMIT) -> QuerySet[LyricDraft]:
    drafts = LyricDraft.objects.filter(project__team__memberships__user=user, trashed_at__isnull=False)
    return drafts.select_related("project__team").order_by("-trashed_at", "-id")[:limit]


# --- share links ---------------------------------------------------------------------------------


def share_team_id(*, clip: Clip | None = None, project: Project | None = None) -> int:
    return clip.project.team_id if clip is not None else project.team_id


def _link_team_id(link: ShareLink) -> int:
    return share_team_id(clip=link.clip, project=link.project)


def share_can_revoke(*, link: ShareLink, user, membership=None) -> bool:
    """Its creator, or an owner of the team (pass the user's membership when it is at hand)."""
    if not user.is_authenticated:
        return False
    if link.created_by_id == user.pk:
        return True
    if membership is None:
        membership = membership_of(user=user, team_id=_link_team_id(link))
    return membership is not None and membership.is_owner


def share_for_token(token: str) -> ShareLink | None:
    """The live link with this token, or None (unknown and revoked tokens look the same).

    A link lives only while its creator may still share in the team that owns what it shows: when
    they leave, become a viewer, or the project moves to a team they are not in, it stops."""
    link = (
        ShareLink.objects.select_related("clip__project", "project", "created_by")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )
    if link is None or link.created_by is None:
        return None
    membership = membership_of(user=link.created_by, team_id=_link_team_id(link))
    return link if membership is not None and membership.allows(Role.EDITOR) else None


def share_link_for_user(*, user, pk: int) -> ShareLink:
    """A link seen from the studio: 404 unless the user is in the team of the thing it shares."""
    link = ShareLink.objects.select_related("clip__project", "project").filter(pk=pk).first()
    if link is None:
        raise Http404("No such link.")
    if link.clip_id:
        link.clip = clip_for_user(user=user, uid=link.clip.uid)
    else:
        link.project = project_for_user(user=user, pk=link.project_id)
    return link


def clip_is_shareable(clip: Clip) -> bool:
    return clip.status == Clip.Status.COMPLETE and clip.trashed_at is None and not clip.hidden_from_sharing


def shareable_clips() -> QuerySet[Clip]:
    """Clips a public link may ever show: finished, not in the trash, not hidden by staff."""
    return Clip.objects.filter(
        status=Clip.Status.COMPLETE, trashed_at__isnull=True, hidden_from_sharing=False
    ).select_related("parent", "task")


def shared_clips(*, link: ShareLink) -> QuerySet[Clip]:
    """What this link plays: the clip itself, or the project's shareable clips, newest first."""
    if link.clip_id:
        return shareable_clips().filter(pk=link.clip_id)
    return shareable_clips().filter(project_id=link.project_id).order_by("-created_at", "-id")


def shared_clip(*, link: ShareLink, uid) -> Clip | None:
    return shared_clips(link=link).filter(uid=uid).first()


def live_clip_shares(*, project: Project) -> dict[int | None, list[ShareLink]]:
    """Live links of the project's clips by clip id, and of the project itself under None, in one query
    (for a page full of cards and the project's own Share box)."""
    by_clip: dict[int | None, list[ShareLink]] = {}
    live = ShareLink.objects.filter(Q(clip__project=project) | Q(project=project), revoked_at__isnull=True)
    for link in live.select_related("created_by").order_by("-created_at", "-id"):
        by_clip.setdefault(link.clip_id, []).append(link)
    return by_clip


def live_shares(*, clip: Clip | None = None, project: Project | None = None) -> list[ShareLink]:
    """Live links to this one clip, or to the project itself, newest first."""
    links = ShareLink.objects.filter(revoked_at__isnull=True).select_related("created_by")
    links = links.filter(clip=clip) if clip is not None else links.filter(project=project)
    return list(links.order_by("-created_at", "-id"))


def pick_link(links: list[ShareLink], *, user) -> ShareLink | None:
    """The link to show a user: their own if they made one, else the newest a team-mate made."""
    own = [link for link in links if link.created_by_id == user.pk]
    return (own or links or [None])[0]


# --- credits (the rule of what counts; songs.services.quotas charges) --------------------------------


def _today_start() -> datetime:
    return datetime.combine(timezone.now().date(), time.min, tzinfo=UTC)


def _counted() -> Q:
    """The rule, once: today's tasks count, except failed ones (a failure is its own refund)."""
    return Q(created_at__gte=_today_start()) & ~Q(status=GenerationTask.Status.FAILED)


def credits_used_today(*, team: Team) -> int:
    used = GenerationTask.objects.filter(_counted(), charged_team=team).aggregate(total=Sum("cost"))["total"]
    return used or 0


def with_credits_used_today(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams annotated with `credits_used_today` in the same query (for lists of teams).

    A subquery, not a join: other joins on the list (say, a search by member) cannot multiply the sum.
    """
    used = (
        GenerationTask.objects.filter(_counted(), charged_team=OuterRef("pk"))
        .values("charged_team")
        .annotate(total=Sum("cost"))
        .values("total")
    )
    return teams.annotate(credits_used_today=Coalesce(Subquery(used), 0))


# --- personas and style boosts -------------------------------------------------------------------------


def team_personas(*, team: Team) -> QuerySet[Persona]:
    """A team's personas with their request (its state) and source clip, for the team page."""
    return Persona.objects.filter(team=team).select_related("task", "source_clip")


def ready_personas(*, team: Team) -> QuerySet[Persona]:
    """The personas a song of this team can be sung by: made upstream, their source clip still here."""
    return team_personas(team=team).exclude(upstream_id="").filter(source_clip__isnull=False)


def boost_for_user(*, user, uid) -> StyleBoost:
    """A style boost, for the person who asked for it only (404 for anyone else)."""
    boost = StyleBoost.objects.filter(uid=uid, user_id=user.pk if user.is_authenticated else None).first()
    if boost is None:
        raise Http404("No such boost.")
    return boost


# --- exports (a ZIP of one song or a whole project: songs.export writes it) --------------------------


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


def user_language(*, user) -> str | None:
    """The language a person chose with the switcher, or None (then the browser's is used)."""
    return UserLanguage.objects.filter(user=user).values_list("language", flat=True).first()
