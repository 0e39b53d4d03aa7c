"""Read-only queries. Views read through these; they never change anything."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from songs.library import with_liked_by
from songs.models import (
    COPIES_PENDING,
    ROLE_RANK,
    Clip,
    GenerationTask,
    LyricDraft,
    Membership,
    Project,
    Role,
    Team,
)


def membership_of(*, user, team_id: int) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(team_id=team_id, user=user).first()


def _allowed(obj, *, user, team_id: int, role: str):
    """The object, with the user's membership attached, if their role allows; 404 for non-members."""
    membership = membership_of(user=user, team_id=team_id)
    if membership is None:
        raise Http404("Not found.")  # outsiders cannot even learn that it exists
    if not membership.allows(role):
        raise PermissionDenied(f"This needs the {role} role in {membership.team.name}.")
    obj.membership = membership
    return obj


def teams_for_user(*, user, role: str = Role.VIEWER) -> QuerySet[Team]:
    ranks = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[role]]
    return Team.objects.filter(memberships__user=user, memberships__role__in=ranks).distinct()


def projects_for_user(*, user) -> QuerySet[Project]:
    return Project.objects.filter(team__memberships__user=user).select_related("team").distinct()


def project_for_user(*, user, pk: int, role: str = Role.VIEWER) -> Project:
    project = Project.objects.select_related("team").filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    return _allowed(project, user=user, team_id=project.team_id, role=role)


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


def project_cards(*, project: Project, changed_since=None) -> QuerySet[GenerationTask]:
    """Music, whole-song and upload requests with their clips, newest first: one card each."""
    tasks = project.tasks.exclude(action=GenerationTask.Action.LYRICS)
    if changed_since is not None:
        tasks = tasks.filter(changed_at__gt=changed_since)
    live = Clip.objects.filter(trashed_at__isnull=True).select_related("parent").order_by("id")
    clips = with_liked_by(live, user_id=project.membership.user_id)
    return (
        tasks.select_related("parent_clip", "upload")
        .prefetch_related(Prefetch("clips", queryset=clips))
        .order_by("-created_at")
    )


def project_has_pending(*, project: Project) -> bool:
    return (
        project.tasks.filter(status__in=GenerationTask.PENDING).exists()
        or project.clips.filter(COPIES_PENDING).exists()
    )


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
