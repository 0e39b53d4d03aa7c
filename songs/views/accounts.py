"""Accounts: signing up (login, logout and password changes are Django's own views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from songs.forms import SignupForm
from songs.services import teams


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        teams.team_personal(user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your personal team is ready; start a project below.")
        return redirect(request.GET.get("next") or "songs:project_list")
    return render(request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")})
