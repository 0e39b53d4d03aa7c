"""Public share links: making and revoking them. Reads (what a link shows) live in songs.selectors."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from songs import selectors
from songs.models import Clip, Project, Role, ShareLink


def share_create(*, user, clip: Clip | None = None, project: Project | None = None) -> ShareLink:
    """A live public link to the clip or the project; the user's own live link if they made one already."""
    if (clip is None) == (project is None):
        raise ValueError("Share exactly one clip or one project.")
    team_id = selectors.share_team_id(clip=clip, project=project)
    membership = selectors.membership_of(user=user, team_id=team_id)
    if membership is None or not membership.allows(Role.EDITOR):
        raise PermissionDenied(_("Sharing needs the editor role."))
    if clip is not None and not selectors.clip_is_shareable(clip):
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


def share_revoke(*, link: ShareLink, user) -> ShareLink:
    """Stop a link from working (it answers 404 from now on). Its creator or a team owner may."""
    if not selectors.share_can_revoke(link=link, user=user):
        raise PermissionDenied(_("Only whoever made this link, or an owner, can stop it."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link
