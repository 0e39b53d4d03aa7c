"""Accounts and teams: sign-up, members and roles, single-use invites, project settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from songs import selectors
from songs.forms import InviteForm, MemberRoleForm, MoveProjectForm, ProjectRenameForm, TeamForm
from songs.models import Invite, Membership, Role
from songs.services import deletion, teams
from songs.views.common import page_of

# A team page lists its members and projects a page at a time: its size does not grow with the team.
MEMBERS_PER_PAGE = 50
PROJECTS_PER_PAGE = 30


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    teams.team_personal(user=request.user)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = teams.team_create(user=request.user, name=form.cleaned_data["name"])
        return redirect(team)
    memberships = Membership.objects.filter(user=request.user).select_related("team").order_by("team__name")
    return render(request, "songs/team_list.html", {"memberships": memberships, "form": form})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_for_user(user=request.user, pk=pk)
    context = {
        "team": team,
        "membership": team.membership,
        "members": page_of(
            request,
            team.memberships.select_related("user").order_by("user__username", "pk"),
            per_page=MEMBERS_PER_PAGE,
            param="members",
        ),
        "projects": page_of(
            request, team.projects.order_by("name", "pk"), per_page=PROJECTS_PER_PAGE, param="projects"
        ),
        "invite_form": InviteForm(),
        "role_choices": Role.choices,
    }
    if team.membership.is_owner:
        context["invites"] = team.invites.filter(used_at__isnull=True).order_by("-created_at")
        context["credits_used"] = selectors.credits_used_today(team=team)
    return render(request, "songs/team_detail.html", context)


@login_required
@require_POST
def invite_create(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_for_user(user=request.user, pk=pk, role=Role.OWNER)
    form = InviteForm(request.POST)
    if form.is_valid():
        invite = teams.invite_create(
            team=team, user=request.user, role=form.cleaned_data["role"], days=form.cleaned_data["days"]
        )
        link = request.build_absolute_uri(invite_url(invite))
        messages.success(
            request,
            _("Invite link (single use, expires in %(days)d days): %(link)s")
            % {"days": form.cleaned_data["days"], "link": link},
        )
    else:
        problems = " ".join(f"{form[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
        messages.error(request, _("No invite link was made. %(problems)s") % {"problems": problems})
    return redirect(team)


def invite_url(invite: Invite) -> str:
    return reverse("songs:invite_accept", args=[invite.token])


@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invite link. Someone logged out is told what they are invited to and offered to sign up or log
    in, coming back here after either (the link is the secret: it names only the team and the role)."""
    invite = Invite.objects.select_related("team", "created_by").filter(token=token).first()
    usable = invite is not None and invite.is_usable
    error = "" if usable else _("This invite link has expired, been used, or does not exist.")
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.path)
        context = {"invite": invite, "error": error}
        return render(request, "songs/invite.html", context, status=200 if usable else 410)
    if request.method == "POST":
        try:
            membership = teams.invite_accept(token=token, user=request.user)
        except teams.TeamRuleBroken as exc:
            return render(request, "songs/invite.html", {"invite": invite, "error": str(exc)}, status=410)
        messages.success(
            request,
            _("You joined %(team)s as %(role)s.")
            % {"team": membership.team.display_name, "role": membership.get_role_display()},
        )
        return redirect(membership.team)
    return render(
        request, "songs/invite.html", {"invite": invite, "error": error}, status=200 if not error else 410
    )


@login_required
@require_POST
def member_update(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    team = selectors.team_for_user(user=request.user, pk=pk, role=Role.OWNER)
    membership = get_object_or_404(Membership, pk=member_pk, team=team)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        try:
            teams.member_set_role(membership=membership, role=form.cleaned_data["role"])
        except teams.TeamRuleBroken as exc:
            messages.error(request, str(exc))
    return redirect(team)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Owners remove members; anyone may leave."""
    team = selectors.team_for_user(user=request.user, pk=pk)
    membership = get_object_or_404(Membership, pk=member_pk, team=team)
    if membership.user_id != request.user.pk and not team.membership.is_owner:
        raise PermissionDenied(_("Only owners can remove members."))
    try:
        teams.member_remove(membership=membership)
    except teams.TeamRuleBroken as exc:
        messages.error(request, str(exc))
        return redirect(team)
    leaving = membership.user_id == request.user.pk
    return redirect("songs:team_list" if leaving else team)


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename, move to another team, delete: the owner's actions."""
    project = selectors.project_for_user(user=request.user, pk=pk, role=Role.OWNER)
    rename = ProjectRenameForm(
        request.POST if "rename" in request.POST else None, initial={"name": project.name}
    )
    move = MoveProjectForm(
        request.POST if "move" in request.POST else None, user=request.user, project=project
    )
    if rename.is_bound and rename.is_valid():
        teams.project_rename(project=project, name=rename.cleaned_data["name"])
        messages.success(request, _("Renamed."))
        return redirect(project)
    if move.is_bound and move.is_valid():
        teams.project_move(project=project, user=request.user, team=move.cleaned_data["team"])
        messages.success(request, _("Moved to %(team)s.") % {"team": move.cleaned_data["team"].name})
        return redirect(project)
    if request.method == "POST" and "delete" in request.POST:
        if request.POST.get("confirm") == project.name:
            deletion.project_delete(project=project)
            messages.success(request, _("Deleted “%(project)s”.") % {"project": project.name})
            return redirect("songs:project_list")
        messages.error(request, _("Type the project's name exactly to delete it."))
    return render(
        request, "songs/project_settings.html", {"project": project, "rename": rename, "move": move}
    )
