"""Accounts: signing up (login, logout and password changes are Django's own views)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from songs.forms import SignupForm
from songs.services.signups import SignupThrottled, signup_create
from studio.clientip import client_ip
from studio.lockout import client_network


def _safe_next(request: HttpRequest) -> str:
    """The ?next= address when it stays on this site (Django's own check), else empty."""
    target = request.POST.get("next") or request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    next_url = _safe_next(request)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            # Per client network: an IPv6 subscriber has a whole /64 to pick new addresses from.
            user = signup_create(form=form, ip_address=client_network(client_ip(request)))
        except SignupThrottled as exc:
            form.add_error(None, str(exc))
            status = 429
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your personal team is ready; start a project below."))
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form, "next": next_url}, status=status)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this for a locked-out login (AXES_LOCKOUT_CALLABLE): says when to retry."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
