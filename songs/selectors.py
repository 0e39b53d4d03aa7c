"""Read-only queries. Views read through these; they never change anything."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from songs.models import Clip, GenerationTask, LyricDraft, Project


def projects_for_user(*, user) -> QuerySet[Project]:
    return Project.objects.filter(owner=user)


def project_for_user(*, user, pk: int) -> Project:
    project = projects_for_user(user=user).filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    return project


def clip_for_user(*, user, uid) -> Clip:
    clip = Clip.objects.select_related("project").filter(uid=uid, project__owner=user).first()
    if clip is None:
        raise Http404("No such clip.")
    return clip


def project_cards(*, project: Project, changed_since=None) -> QuerySet[GenerationTask]:
    """Music, whole-song and upload requests with their clips, newest first: one card each."""
    tasks = project.tasks.exclude(action=GenerationTask.Action.LYRICS)
    if changed_since is not None:
        tasks = tasks.filter(changed_at__gt=changed_since)
    clips = Clip.objects.select_related("parent").order_by("id")
    return (
        tasks.select_related("parent_clip", "upload")
        .prefetch_related(Prefetch("clips", queryset=clips))
        .order_by("-created_at")
    )


def project_has_pending(*, project: Project) -> bool:
    return (
        project.tasks.filter(status__in=GenerationTask.PENDING).exists()
        or project.clips.filter(
            Q(media_state=Clip.MediaState.PENDING) | Q(video_state=Clip.MediaState.PENDING)
        ).exists()
    )


def draft_for_user(*, user, pk: int) -> LyricDraft:
    draft = LyricDraft.objects.select_related("project").filter(pk=pk, project__owner=user).first()
    if draft is None:
        raise Http404("No such draft.")
    return draft


def project_lyrics(*, project: Project) -> dict:
    """The lyrics panel: drafts, plus lyrics requests still running or failed without a draft."""
    tasks = (
        project.tasks.filter(action=GenerationTask.Action.LYRICS, drafts__isnull=True)
        .exclude(status=GenerationTask.Status.SUCCEEDED)
        .order_by("-created_at")[:5]
    )
    return {"drafts": project.drafts.order_by("-updated_at"), "lyric_tasks": tasks}


def lyrics_changed_since(*, project: Project, since) -> bool:
    return project.tasks.filter(action=GenerationTask.Action.LYRICS, changed_at__gt=since).exists()


def clip_chain(*, clip: Clip, limit: int = 20) -> list[Clip]:
    """The continuation chain that ends at this clip, oldest first (parents are few and cached)."""
    chain = [clip]
    while chain[0].parent_id and chain[0].continue_at is not None and len(chain) < limit:
        chain.insert(0, chain[0].parent)
    return chain
