"""Teams, members, invites, projects, and moving projects between teams. Keyword-only services."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from songs.models import Invite, Membership, Project, Role, Team

INVITE_DAYS = 7


class TeamRuleBroken(Exception):
    """A change that would leave a team in a bad state; the message says which, for the user."""


def team_personal(*, user) -> Team:
    """Everyone has a personal team; made on first need (also for users made in the admin)."""
    team = Team.objects.filter(personal_for=user).first()
    if team is None:
        with transaction.atomic():
            name = _("%(name)s's team") % {"name": user.get_username()}  # in the language of sign-up
            team = Team.objects.create(name=name, personal_for=user)
            Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def team_create(*, user, name: str) -> Team:
    with transaction.atomic():
        # Not the model's default: a person who makes teams must not multiply their allowance.
        team = Team(name=name.strip(), daily_credits=settings.NEW_TEAM_DAILY_CREDITS)
        team.full_clean()
        team.save()
        Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def invite_create(*, team: Team, user, role: str, days: int = INVITE_DAYS) -> Invite:
    return Invite.objects.create(
        team=team,
        role=role,
        created_by=user,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + timedelta(days=days),
    )


def invite_accept(*, token: str, user) -> Membership:
    """Join the team. Single use: the first taker wins, even with two clicks at once."""
    with transaction.atomic():
        invite = Invite.objects.select_related("team").filter(token=token).first()
        if invite is None or invite.expires_at <= timezone.now():
            raise TeamRuleBroken(_("This invite link has expired or does not exist. Ask for a new one."))
        used = Invite.objects.filter(pk=invite.pk, used_at__isnull=True).update(
            used_at=timezone.now(), used_by=user
        )
        if not used:
            raise TeamRuleBroken(_("This invite link has already been used. Ask for a new one."))
        existing = Membership.objects.filter(team=invite.team, user=user).first()
        if existing:
            return existing  # already a member: keep the role they have
        try:
            return Membership.objects.create(team=invite.team, user=user, role=invite.role)
        except IntegrityError:
            return Membership.objects.get(team=invite.team, user=user)


def _other_owners(membership: Membership) -> bool:
    return membership.team.memberships.filter(role=Role.OWNER).exclude(pk=membership.pk).exists()


def member_set_role(*, membership: Membership, role: str) -> None:
    if membership.role == Role.OWNER and role != Role.OWNER and not _other_owners(membership):
        raise TeamRuleBroken(_("A team needs at least one owner. Make someone else an owner first."))
    membership.role = role
    membership.save(update_fields=["role"])


def member_remove(*, membership: Membership) -> None:
    if membership.team.personal_for_id == membership.user_id:
        raise TeamRuleBroken(_("You cannot leave your personal team."))
    if membership.role == Role.OWNER and not _other_owners(membership):
        raise TeamRuleBroken(_("A team needs at least one owner. Make someone else an owner first."))
    membership.delete()


def project_create(*, user, name: str, team: Team | None = None) -> Project:
    """A project in the given team (default: the user's personal team)."""
    project = Project(team=team or team_personal(user=user), created_by=user, name=name.strip())
    project.full_clean()
    project.save()
    return project


def project_rename(*, project: Project, name: str) -> None:
    project.name = name.strip()
    project.full_clean()
    project.save(update_fields=["name", "updated_at"])


def project_move(*, project: Project, user, team: Team) -> None:
    """An owner's action on both sides: the caller checks the source; this checks the target."""
    if not Membership.objects.filter(team=team, user=user, role=Role.OWNER).exists():
        raise TeamRuleBroken(_("You can only move a project into a team you own."))
    project.team = team
    project.save(update_fields=["team", "updated_at"])
