"""简体中文 and English: the language a page is in, the switcher, and Chinese text kept intact everywhere.

What a person notices: a Chinese browser gets Chinese pages; the switcher changes the language and the
choice follows them to their next log-in (on another browser too); a song called 乡愁 downloads as
乡愁.mp3, previews in chat apps as 乡愁, and is found by a library search for 乡愁.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from songs.models import UserLanguage
from songs.services import sharing
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9,en;q=0.5"}


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def meta(html: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found.group(1) if found else ""


def log_in(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": "correct-horse-battery"})
    assert response.status_code == 302, response.content.decode()[:500]


# --- which language a page is in -------------------------------------------------------------------


def test_a_chinese_browser_gets_the_log_in_page_in_chinese(client):
    html = page(client.get(reverse("login"), **ZH))
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html and "用户名" in html and "还没有账号？" in html
    assert "Username" not in html


def test_an_english_or_unknown_browser_gets_english(client):
    assert "<h1>Log in</h1>" in page(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB"))
    assert "<h1>Log in</h1>" in page(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-FR"))


def test_the_project_page_is_chinese_for_a_chinese_browser(owner_client, project):
    html = page(owner_client.get(project.get_absolute_url(), **ZH))
    for label in (
        "创作",
        "灵感模式",
        "自定义模式",
        "歌词",
        "音乐风格",
        "标题",
        "纯音乐",
        "歌词草稿",
        "退出登录",
    ):
        assert label in html, label
    assert "Inspiration" not in html and "Log out" not in html


def test_a_form_error_is_in_chinese_and_keeps_the_text(owner_client, project):
    response = owner_client.post(
        reverse("songs:song_create", args=[project.pk]),
        {"mode": "custom", "lyrics": "[Verse]\n月光照在故乡", "tags": "", "mv": "chirp-v4"},
        **ZH,
    )
    html = page(response)
    assert "请填写风格" in html and "月光照在故乡" in html


def test_the_javascript_catalog_is_served_in_the_pages_language(client):
    response = client.get(reverse("javascript-catalog"), **ZH)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert '"Copied": "\\u5df2\\u590d\\u5236"' in body  # 已复制, as JSON escapes it
    # It is this site's own script, so the Content-Security-Policy (script-src 'self') allows it.
    login = client.get(reverse("login"))
    assert "'self'" in login["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert f'<script src="{reverse("javascript-catalog")}" defer></script>' in login.content.decode()


# --- the switcher ----------------------------------------------------------------------------------


def test_every_page_has_the_switcher(owner_client, project, client):
    for url in (reverse("songs:project_list"), project.get_absolute_url(), reverse("songs:library")):
        html = page(owner_client.get(url))
        assert 'action="/i18n/setlang/"' in html and 'value="zh-hans"' in html and "简体中文" in html
    owner_client.logout()
    assert 'action="/i18n/setlang/"' in page(client.get(reverse("login")))


def test_switching_is_remembered_for_the_person_after_logging_out_and_in(owner, client):
    log_in(client, "alice")
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert UserLanguage.objects.get(user=owner).language == "zh-hans"
    assert "我的项目" in page(client.get(reverse("songs:project_list")))

    client.post(reverse("logout"))
    assert "<h1>登录</h1>" in page(client.get(reverse("login")))  # the cookie keeps it on this browser

    elsewhere = Client()  # another browser, in English, that never chose a language
    assert "<h1>Log in</h1>" in page(elsewhere.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))
    log_in(elsewhere, "alice")
    html = page(elsewhere.get(reverse("songs:project_list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "我的项目" in html and "Your projects" not in html

    elsewhere.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert UserLanguage.objects.get(user=owner).language == "en"
    assert "Your projects" in page(elsewhere.get(reverse("songs:project_list"), **ZH))


def test_a_language_the_studio_does_not_have_is_not_stored(owner_client, owner):
    owner_client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert not UserLanguage.objects.filter(user=owner).exists()


# --- Chinese text kept intact ----------------------------------------------------------------------


@pytest.fixture
def xiangchou(project):
    clip = make_stored_clip(make_task(project, status="succeeded"), audio=mp3_bytes(1.0), title="乡愁")
    clip.tags = "民谣，钢琴，温柔的女声"
    clip.lyrics = "[Verse]\n小时候乡愁是一枚小小的邮票"
    clip.duration = 80.0
    cover = Path(settings.MEDIA_ROOT) / f"clips/images/{clip.uid}.jpeg"
    cover.parent.mkdir(parents=True, exist_ok=True)
    cover.write_bytes(b"\xff\xd8\xff\xe0" + bytes(200) + b"\xff\xd9")
    clip.image_file = f"clips/images/{clip.uid}.jpeg"
    clip.save()
    return clip


def test_a_chinese_title_downloads_under_its_own_name_with_an_ascii_fallback(owner_client, xiangchou):
    url = reverse("songs:clip_media", args=[xiangchou.uid, "audio"])
    response = owner_client.get(url, {"download": "1"})
    disposition = response["Content-Disposition"]
    assert disposition == "attachment; filename=\"song.mp3\"; filename*=UTF-8''%E4%B9%A1%E6%84%81.mp3"
    assert unquote(disposition.split("''")[1]) == "乡愁.mp3"
    wav_url = reverse("songs:clip_media", args=[xiangchou.uid, "wav"])
    assert owner_client.get(wav_url).status_code == 202  # made by the (synchronous, in tests) worker
    wav = owner_client.get(wav_url)
    assert wav["Content-Disposition"].endswith("filename*=UTF-8''%E4%B9%A1%E6%84%81.wav")


def test_a_mixed_title_keeps_its_latin_part_in_the_fallback(owner_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"), title="乡愁 Nostalgia")
    response = owner_client.get(reverse("songs:clip_media", args=[clip.uid, "audio"]), {"download": "1"})
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Nostalgia.mp3\"; filename*=UTF-8''%E4%B9%A1%E6%84%81%20Nostalgia.mp3"
    )


def test_share_previews_keep_chinese_intact(client, owner, xiangchou, project):
    link = sharing.share_create(user=owner, clip=xiangchou)
    html = page(client.get(link.get_absolute_url(), **ZH))
    assert meta(html, "og:title") == "乡愁"
    assert meta(html, "og:description") == "民谣，钢琴，温柔的女声 · 1:20"
    assert meta(html, "og:image:alt") == "乡愁 的封面"
    assert meta(html, "og:locale") == "zh_CN"
    assert meta(html, "og:image").startswith("http://testserver/s/")
    assert meta(html, "twitter:title") == "乡愁"
    assert "<title>乡愁 · Song Studio</title>" in html and "小时候乡愁是一枚小小的邮票" in html
    assert 'action="/i18n/setlang/"' in html  # the switcher, on the public page too
    project.name = "厦门的夜"
    project.save()
    project_link = sharing.share_create(user=owner, project=project)
    html = page(client.get(project_link.get_absolute_url(), **ZH))
    assert meta(html, "og:title") == "厦门的夜" and meta(html, "og:description") == "1 首歌曲 · 1:20"


def test_library_search_finds_a_chinese_title_style_or_lyric(owner_client, xiangchou, project):
    make_stored_clip(make_task(project, status="succeeded"), title="City Lights")
    for q in ("乡愁", "钢琴", "邮票"):
        html = page(owner_client.get(reverse("songs:library"), {"q": q}))
        assert "乡愁" in html and "City Lights" not in html, q
    html = page(owner_client.get(reverse("songs:library"), {"q": "天津"}))
    assert "乡愁" not in html


def test_library_sorts_mixed_titles(owner_client, project):
    for title in ("乡愁", "zebra", "", "Apple", "厦门", "banana"):
        make_stored_clip(make_task(project, status="succeeded"), title=title)
    html = page(owner_client.get(reverse("songs:library"), {"sort": "title"}))
    shown = re.findall(r'<p class="clip-title"><strong>([^<]*)</strong>', html)
    assert shown == ["Apple", "banana", "zebra", "乡愁", "厦门", "Untitled"]
    newest = re.findall(
        r'<p class="clip-title"><strong>([^<]*)</strong>', page(owner_client.get(reverse("songs:library")))
    )
    assert newest[0] == "banana"  # the default stays newest first


def test_a_language_picked_before_signing_up_is_the_persons_choice_everywhere(client, django_user_model):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})  # logged out: a cookie
    client.post(
        reverse("signup"),
        {"username": "carol", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert UserLanguage.objects.get(user__username="carol").language == "zh-hans"
    elsewhere = Client()  # another browser, in English
    signed_in = {"username": "carol", "password": "a-long-pass-phrase-9"}
    assert elsewhere.post(reverse("login"), signed_in, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    html = page(elsewhere.get(reverse("songs:project_list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "我的项目" in html and "carol 的团队" in html
