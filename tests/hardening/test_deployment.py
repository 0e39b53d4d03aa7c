"""Issue 9, item 5: production settings from the environment, a request size limit, a TLS proxy, and
`check --deploy` silent under deploy/production.env.example."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = ROOT / "deploy" / "production.env.example"


def _production_env(tmp_path: Path) -> dict[str, str]:
    lines = [line.strip() for line in PRODUCTION_ENV.read_text().splitlines() if line.strip()]
    assert all("=" in line and not line.startswith("#") for line in lines), "only KEY=value lines"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SUNO_", "SECRET_KEY"))}
    env.update(line.split("=", 1) for line in lines)
    # The example's folders are the server's (/var/lib/...): keep this test's files in a temporary one.
    env.update(
        VAR_DIR=str(tmp_path), MEDIA_ROOT=str(tmp_path / "media"), DJANGO_SETTINGS_MODULE="studio.settings"
    )
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_silent_under_the_production_example_with_a_key_of_its_own(tmp_path):
    env = _production_env(tmp_path)
    env["SECRET_KEY"] = secrets.token_urlsafe(50)  # as the example tells the operator to make
    result = _check_deploy(env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "System check identified no issues" in output


PUBLIC_KEYS = {
    "the production example's placeholder": None,  # read from deploy/production.env.example
    "the development key": "dev-only-insecure-secret-key-change-me-in-production-0123456789",
    "a short one": "s3cr3t-but-short-0123456789",
    "one character fifty times": "a" * 60,
}


@pytest.mark.parametrize("name", PUBLIC_KEYS)
def test_a_public_or_short_secret_key_stops_production_and_check_deploy(tmp_path, name):
    env = _production_env(tmp_path)
    if PUBLIC_KEYS[name] is not None:
        env["SECRET_KEY"] = PUBLIC_KEYS[name]
    result = _check_deploy(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "SECRET_KEY is" in output
    assert "secrets.token_urlsafe(50)" in output  # says how to make a good one


def test_every_variable_of_the_production_example_is_listed_in_env_example():
    listed = {
        line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line
    }
    used = {line.split("=", 1)[0] for line in PRODUCTION_ENV.read_text().splitlines() if "=" in line}
    assert used - listed == set()


@pytest.mark.django_db
def test_behind_a_tls_proxy_a_login_post_is_accepted(owner, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.CSRF_TRUSTED_ORIGINS = ["https://studio.example.com"]
    settings.ALLOWED_HOSTS = ["studio.example.com"]
    client = Client(enforce_csrf_checks=True)
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "studio.example.com"}
    page = client.get("/accounts/login/", **proxied)
    assert page.status_code == 200
    response = client.post(
        "/accounts/login/",
        {
            "username": "alice",
            "password": "correct-horse-battery",
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
        HTTP_ORIGIN="https://studio.example.com",
        HTTP_REFERER="https://studio.example.com/accounts/login/",
        **proxied,
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_proxy_setting_comes_from_the_environment(tmp_path):
    env = _production_env(tmp_path)
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "HTTP_X_FORWARDED_PROTO" in out


@pytest.mark.django_db
def test_an_anonymous_request_larger_than_the_limit_is_refused_before_it_is_read(client, settings):
    big = settings.ANONYMOUS_REQUEST_MAX_BYTES + 1
    response = client.generic("POST", "/accounts/login/", b"x" * big, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "too large" in response.content.decode()


@pytest.mark.django_db
def test_a_member_request_larger_than_the_upload_limit_is_refused(owner_client, project, settings):
    settings.REQUEST_MAX_BYTES = 2000
    response = owner_client.generic(
        "POST", f"/projects/{project.pk}/uploads/", b"x" * 2001, content_type="application/octet-stream"
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_an_upload_within_the_limit_still_goes_through(owner_client, settings):
    assert owner_client.post("/teams/", {"name": "Band"}).status_code == 302


def test_the_deployment_files_are_in_the_repo():
    for name in (
        "nginx/song-studio.conf",
        "song-studio-web.service",
        "song-studio-worker.service",
        "song-studio-engine-worker.service",
        "song-studio-poller.service",
        "gunicorn.conf.py",
    ):
        assert (ROOT / "deploy" / name).is_file(), name
