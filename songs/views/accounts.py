"""Accounts: signing up and asking for a password reset (login, logout and password changes are Django's own
views)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import PasswordResetView
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse
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


_password_reset_form = PasswordResetView.as_view()


def password_reset(request: HttpRequest) -> HttpResponse:
    """ "Forgot your password?": only with mail configured (EMAIL_HOST), and throttled.

    Without mail the page does not exist (it would promise an e-mail that never comes); staff set new
    passwords instead. With mail, each client network and each e-mail address may ask
    PASSWORD_RESET_RATE_LIMIT times an hour: it cannot be used to flood someone's inbox or to probe
    addresses by the thousand.
    """
    if not settings.PASSWORD_RESET_ENABLED:
        raise Http404("No mail is configured.")
    if request.method == "POST":
        email = (request.POST.get("email") or "").strip().casefold()
        keys = [f"password-reset:net:{client_network(client_ip(request))}"]
        if email:
            keys.append("password-reset:mail:" + hashlib.sha256(email.encode()).hexdigest())
        if any(_over_limit(key) for key in keys):
            message = _("Too many password reset requests lately. Please try again in an hour.")
            return render(
                request, "registration/password_reset_throttled.html", {"message": message}, status=429
            )
    return _password_reset_form(request)


def _over_limit(key: str) -> bool:
    """Count one more request for ``key`` in the hour (the shared ops cache); over the limit?"""
    ops = caches["ops"]
    ops.add(key, 0, timeout=3600)
    try:
        count = ops.incr(key)
    except ValueError:  # expired between add and incr
        ops.set(key, 1, timeout=3600)
        count = 1
    return count > settings.PASSWORD_RESET_RATE_LIMIT
