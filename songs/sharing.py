"""Public share links: a token that lets anyone hear one clip, or a project's finished clips.

Services push (share_create, share_revoke); selectors pull (share_for_token, shared_clip, ...).
The token is the only key, so everything a link exposes goes through `shareable_clips`.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from songs import selectors
from songs.models import Clip, Project, Role, ShareLink


def _team_id(*, clip: Clip | None = None, project: Project | None = None) -> int:
    return clip.project.team_id if clip is not None else project.team_id


def _link_team_id(link: ShareLink) -> int:
    return _team_id(clip=link.clip, project=link.project)


def share_create(*, user, clip: Clip | None = None, project: Project | None = None) -> ShareLink:
    """A live public link to the clip or the project; the user's own live link if they made one already."""
    if (clip is None) == (project is None):
        raise ValueError("Share exactly one clip or one project.")
    membership = selectors.membership_of(user=user, team_id=_team_id(clip=clip, project=project))
    if membership is None or not membership.allows(Role.EDITOR):
        raise PermissionDenied("Sharing needs the editor role.")
    if clip is not None and not _is_shareable(clip):
        raise ValidationError(
            "This clip cannot be shared: it is unfinished, in the trash or hidden by staff."
        )
    existing = ShareLink.objects.filter(
        created_by=user, clip=clip, project=project, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    link = ShareLink(token=secrets.token_urlsafe(24), clip=clip, project=project, created_by=user)
    link.full_clean()
    link.save()
    return link


def share_can_revoke(*, link: ShareLink, user, membership=None) -> bool:
    """Its creator, or an owner of the team (pass the user's membership when it is at hand)."""
    if not user.is_authenticated:
        return False
    if link.created_by_id == user.pk:
        return True
    if membership is None:
        membership = selectors.membership_of(user=user, team_id=_link_team_id(link))
    return membership is not None and membership.is_owner


def share_revoke(*, link: ShareLink, user) -> ShareLink:
    """Stop a link from working (it answers 404 from now on). Its creator or a team owner may."""
    if not share_can_revoke(link=link, user=user):
        raise PermissionDenied("Only whoever made this link, or an owner, can stop it.")
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


# --- selectors ---------------------------------------------------------------------------------


def share_for_token(token: str) -> ShareLink | None:
    """The live link with this token, or None (unknown and revoked tokens look the same)."""
    return (
        ShareLink.objects.select_related("clip__project", "project")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )


def share_link_for_user(*, user, pk: int) -> ShareLink:
    """A link seen from the studio: 404 unless the user is in the team of the thing it shares."""
    link = ShareLink.objects.select_related("clip__project", "project").filter(pk=pk).first()
    if link is None:
        raise Http404("No such link.")
    if link.clip_id:
        link.clip = selectors.clip_for_user(user=user, uid=link.clip.uid)
    else:
        link.project = selectors.project_for_user(user=user, pk=link.project_id)
    return link


def _is_shareable(clip: Clip) -> bool:
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


def live_clip_shares(*, project: Project) -> dict[int, list[ShareLink]]:
    """Live links of the project's clips by clip id, in one query (for a page full of cards)."""
    by_clip: dict[int, list[ShareLink]] = {}
    links = ShareLink.objects.filter(clip__project=project, revoked_at__isnull=True).select_related(
        "created_by"
    )
    for link in links.order_by("-created_at", "-id"):
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


# --- what the templates get --------------------------------------------------------------------


def absolute(request: HttpRequest, path: str) -> str:
    # The address the visitor used: share links are pasted into chats from the browser's view.
    return request.build_absolute_uri(path)


def share_box(*, request: HttpRequest, project: Project, clip: Clip | None = None, links=None) -> dict:
    """Context for partials/share_box.html: the Share button, or the live link and what may be done.

    `project` is the clip's project (or the shared one), with `.membership` as the selectors attach it.
    """
    user = request.user
    if links is None:
        links = live_shares(clip=clip) if clip is not None else live_shares(project=project)
    link = pick_link(links, user=user)
    membership = getattr(project, "membership", None)
    if clip is not None:
        box = {"id": f"share-clip-{clip.pk}", "create_url": reverse("songs:clip_share", args=[clip.uid])}
    else:
        box = {
            "id": f"share-project-{project.pk}",
            "create_url": reverse("songs:project_share", args=[project.pk]),
        }
    return {
        **box,
        "kind": "clip" if clip is not None else "project",
        "hidden": clip is not None and clip.hidden_from_sharing,
        "link": link,
        "url": absolute(request, link.get_absolute_url()) if link else "",
        "mine": link is not None and link.created_by_id == user.pk,
        "can_revoke": link is not None and share_can_revoke(link=link, user=user, membership=membership),
    }
