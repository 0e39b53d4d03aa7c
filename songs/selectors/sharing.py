"""Share links: which are live, who may stop them, what a public link plays."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from songs.models import (
    Clip,
    Project,
    Role,
    ShareLink,
)
from songs.selectors.access import clip_for_user, membership_of, project_for_user


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


def shared_clips_summary(*, link: ShareLink) -> tuple[int, float]:
    """How many songs a link plays and their total length in seconds: one query, whatever their number."""
    totals = shared_clips(link=link).order_by().aggregate(count=Count("pk"), seconds=Sum("duration"))
    return totals["count"], totals["seconds"] or 0.0


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
