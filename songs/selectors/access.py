"""Who may see what: a person's teams, projects, clips, and what the gateway offers."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from songs import catalog
from songs.gateway import Capabilities, capabilities_for, sketches_offered
from songs.models import (
    COPIES_PENDING,
    ROLE_RANK,
    Clip,
    GatewayFeature,
    GenerationTask,
    Membership,
    Project,
    Role,
    Team,
    UserLanguage,
    video_awaited,
)
from songs.selectors.teams import credits_used_subquery


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


def format_offers_model_choice(api_format: str) -> bool:
    """Whether requests sent in this format pick one of Suno's models (ACE-Step makes songs with its own)."""
    try:
        return capabilities_for(api_format).model_choice
    except ValueError:  # a format this studio no longer speaks: show what the request said
        return True


def sketch_offered() -> bool:
    """Whether the Create form offers a free local sketch (a real gateway, sketches not turned off)."""
    return sketches_offered()


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
            % {"role": str(Role(role).label).lower(), "team": membership.team.display_name}
        )
    obj.membership = membership
    return obj


def teams_for_user(*, user, role: str = Role.VIEWER) -> QuerySet[Team]:
    ranks = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[role]]
    return Team.objects.filter(memberships__user=user, memberships__role__in=ranks).distinct()


def projects_for_user(*, user) -> QuerySet[Project]:
    return Project.objects.filter(team__memberships__user=user).select_related("team").distinct()


def project_for_user(
    *, user, pk: int, role: str = Role.VIEWER, with_pending: bool = False, with_credits: bool = False
) -> Project:
    """The project, with the user's membership read in the same query (every project page needs both).

    ``with_pending`` reads whether anything is still running in that same query too (the page and its
    poller need it; project_has_pending then costs nothing); ``with_credits`` the team's credits used
    today (``team_credits_used``, for the Create panel's balance).
    """
    user_id = user.pk if user.is_authenticated else None
    mine = Membership.objects.filter(team=OuterRef("team"), user_id=user_id)
    projects = Project.objects.select_related("team").annotate(
        my_membership=Subquery(mine.values("pk")[:1]), my_role=Subquery(mine.values("role")[:1])
    )
    if with_pending:
        projects = projects.annotate(has_pending=ExpressionWrapper(pending(), output_field=BooleanField()))
    if with_credits:
        projects = projects.annotate(team_credits_used=credits_used_subquery("team"))
    project = projects.filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    membership = None
    if project.my_membership is not None:
        membership = Membership(pk=project.my_membership, team=project.team, user=user, role=project.my_role)
    return _allowed(project, user=user, team_id=project.team_id, role=role, membership=membership)


def pending():
    """Whether the outer query's project has a request still running, or a copy or a video still coming.

    Three EXISTS, each read through its own index (task_project_status, clip_copies_pending,
    clip_video_awaited): as one EXISTS of their OR, the clips' would read every clip of the project."""
    tasks = GenerationTask.objects.filter(project=OuterRef("pk"), status__in=GenerationTask.PENDING)
    copies = Clip.objects.filter(COPIES_PENDING, project=OuterRef("pk"))
    videos = Clip.objects.filter(video_awaited(timezone.now()), project=OuterRef("pk"))
    return Exists(tasks) | Exists(copies) | Exists(videos)


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


def user_language(*, user) -> str | None:
    """The language a person chose with the switcher, or None (then the browser's is used)."""
    return UserLanguage.objects.filter(user=user).values_list("language", flat=True).first()
