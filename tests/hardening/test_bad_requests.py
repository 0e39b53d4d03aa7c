"""Issue 19 item 8: a request Django cannot read (a form declaring charset=utf-16, a bad Host) answers
400 with a plain page, never 500: Django's own 400 page read the body again for its CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FORM = b"username=alice&password=correct-horse-battery&csrfmiddlewaretoken=" + b"a" * 32


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/teams/"])
def test_a_form_declaring_utf_16_with_a_csrf_cookie_answers_400(path, owner):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(owner)
    client.cookies["csrftoken"] = "a" * 32
    response = client.generic(
        "POST", path, FORM, content_type="application/x-www-form-urlencoded; charset=utf-16"
    )
    assert response.status_code == 400
    assert "could not read that request" in response.content.decode()


def test_the_bad_request_page_is_in_chinese_for_a_chinese_reader():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    client.cookies["django_language"] = "zh-hans"
    response = client.generic(
        "POST", "/accounts/login/", FORM, content_type="application/x-www-form-urlencoded; charset=utf-16"
    )
    assert response.status_code == 400 and "工作室无法读取这个请求" in response.content.decode()


def test_a_host_not_allowed_answers_400_too():
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400


@pytest.mark.parametrize("debug", [True, False])
def test_a_utf_16_form_answers_400_in_the_default_set_up_too(settings, debug):
    settings.DEBUG = debug  # DEBUG's error page read the body again too
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    for content_type in (
        "application/x-www-form-urlencoded; charset=utf-16",
        "multipart/form-data; boundary=x; charset=UTF-32",
    ):
        response = client.generic("POST", "/accounts/login/", FORM, content_type=content_type)
        assert response.status_code == 400, content_type


def test_a_form_declaring_utf_8_is_read_as_usual(owner):
    client = Client()
    response = client.post(
        "/accounts/login/",
        "username=alice&password=correct-horse-battery",
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code == 302
