"""Issue 9, items 1, 2 and 16 (passwords): login lockout, sign-up throttle, safe redirects after sign-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def _wrong(client, url: str = LOGIN, username: str = "alice", times: int = 1):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "not-the-password"})
    return response


def test_it_locks_a_login_out_after_repeated_wrong_passwords(client, owner, settings):
    _wrong(client, times=settings.AXES_FAILURE_LIMIT)
    response = client.post(LOGIN, {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Too many failed log-in attempts" in page and "minutes" in page


def test_a_few_wrong_passwords_do_not_lock_anyone_out(client, owner, settings):
    _wrong(client, times=settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(LOGIN, {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_lockout_expires(client, owner, settings):
    from axes.models import AccessAttempt

    _wrong(client, times=settings.AXES_FAILURE_LIMIT)
    expired = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=expired)
    response = client.post(LOGIN, {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_admin_login_is_locked_out_too(client, settings):
    User.objects.create_superuser("root", "root@example.com", "root-password-long")
    _wrong(client, ADMIN_LOGIN, "root", times=settings.AXES_FAILURE_LIMIT)
    response = client.post(ADMIN_LOGIN, {"username": "root", "password": "root-password-long"})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def _signup(client, n: int, **extra):
    return client.post(
        "/accounts/signup/",
        {"username": f"person{n}", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"},
        **extra,
    )


def test_sign_up_is_rate_limited_per_client(client_for, settings):
    for n in range(settings.SIGNUP_RATE_LIMIT):
        assert _signup(client_for(), n).status_code == 302
    refused = _signup(client_for(), 99)
    assert refused.status_code == 429
    assert "Too many accounts were created from your network" in refused.content.decode()
    assert not User.objects.filter(username="person99").exists()
    # Another client is not affected.
    assert _signup(client_for(), 100, REMOTE_ADDR="192.0.2.7").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_sign_up_never_redirects_off_site(client, target):
    response = _signup(client, 1, QUERY_STRING=f"next={target}")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_up_follows_a_local_next(client):
    response = client.post(
        "/accounts/signup/?next=/library/",
        {"username": "bob", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"},
    )
    assert response["Location"] == "/library/"


def test_the_sign_up_and_login_pages_do_not_pass_an_off_site_next_on(client):
    for url in ("/accounts/signup/?next=https://evil.example/", "/accounts/login/?next=//evil.example"):
        assert "evil.example" not in client.get(url).content.decode()


def test_passwords_need_twelve_characters(client):
    response = client.post(
        "/accounts/signup/", {"username": "shorty", "password1": "Xq7!vB2#pLm", "password2": "Xq7!vB2#pLm"}
    )
    assert response.status_code == 200 and not User.objects.filter(username="shorty").exists()
    assert "at least 12 characters" in response.content.decode()


def test_a_request_without_a_usable_client_address_is_recorded_as_a_valid_address(rf, settings):
    from studio.clientip import client_ip

    settings.BEHIND_PROXY = True
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, not-an-address")
    request.META.pop("REMOTE_ADDR", None)
    assert client_ip(request) == "0.0.0.0"  # PostgreSQL's inet column (django-axes) takes it
    request = rf.get("/", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"
