"""The permission matrix: every URL of the studio, for every kind of visitor, with the answer each must get.

Roles: anonymous, stranger (logged in, not in the team), viewer, editor, owner (of the project's team), and
staff (a superuser who is not in the team: staff review tasks in the admin, not in the studio).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from songs.models import Clip, ClipTiming, Membership, Persona, StyleBoost
from songs.services import copies, drafts, sharing, teams, uploads
from tests.factories import make_stored_clip, make_task, mp3_bytes

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "stranger", "viewer", "editor", "owner", "staff")


def member_read(ok: int = 200) -> dict:
    return {"anonymous": 302, "stranger": 404, "viewer": ok, "editor": ok, "owner": ok, "staff": 404}


def editor_write(ok: int) -> dict:
    return {"anonymous": 302, "stranger": 404, "viewer": 403, "editor": ok, "owner": ok, "staff": 404}


def owner_only(ok: int) -> dict:
    return {"anonymous": 302, "stranger": 404, "viewer": 403, "editor": 403, "owner": ok, "staff": 404}


def logged_in(ok: int) -> dict:
    return {role: (302 if role == "anonymous" else ok) for role in ROLES}


def everyone(code: int) -> dict:
    return dict.fromkeys(ROLES, code)


def staff_only(ok: int = 200) -> dict:
    return {role: (ok if role == "staff" else 302) for role in ROLES}


@dataclass
class Case:
    name: str
    method: str
    url: str  # formatted with the world's attributes, e.g. "/projects/{project.pk}/"
    expect: dict
    data: dict = field(default_factory=dict)
    htmx: bool = False
    api_format: str = ""  # "v2" for what only the v2 format carries (stems, covers, personas); "sunoapi"


CASES = [
    Case("project list", "GET", "/", everyone(200)),  # logged out: the front page, no projects
    Case("new project", "POST", "/", logged_in(302), {"name": "Mine"}),
    Case("project page", "GET", "/projects/{project.pk}/", member_read()),
    # 200: the world has a queued upload, so the page keeps polling (286 once nothing is pending).
    Case("live updates", "GET", "/projects/{project.pk}/updates/?since=0", member_read(200), htmx=True),
    Case(
        "create a song",
        "POST",
        "/projects/{project.pk}/songs/",
        editor_write(200),
        {"mode": "custom", "lyrics": "[Verse]\nla", "tags": "pop", "title": "T", "mv": "chirp-v3-5"},
        htmx=True,
    ),
    Case(
        "continue form",
        "GET",
        "/projects/{project.pk}/continue/?clip={clip.uid}&at=0:01",
        editor_write(200),
        htmx=True,
    ),
    Case(
        "write lyrics",
        "POST",
        "/projects/{project.pk}/lyrics/",
        editor_write(200),
        {"prompt": "rain"},
        htmx=True,
    ),
    Case("upload", "POST", "/projects/{project.pk}/uploads/", editor_write(200), {"url": ""}, htmx=True),
    Case("whole song", "POST", "/clips/{chain_end.uid}/whole-song/", editor_write(200), htmx=True),
    Case("copy again", "POST", "/clips/{clip.uid}/copy-again/", editor_write(200), htmx=True),
    Case("older songs", "GET", "/projects/{project.pk}/older/?before=999999", member_read()),
    Case("clip audio", "GET", "/clips/{clip.uid}/audio", member_read()),
    Case("clip cover", "GET", "/clips/{clip.uid}/cover", member_read()),
    Case("clip wav", "GET", "/clips/{clip.uid}/wav", member_read()),
    Case("clip video", "GET", "/clips/{clip.uid}/video", member_read()),
    Case("clip karaoke lines", "GET", "/clips/{clip.uid}/karaoke/", member_read(), htmx=True),
    Case("clip lyrics (.lrc)", "GET", "/clips/{clip.uid}/lyrics/lrc", member_read()),
    Case("clip subtitles (.srt)", "GET", "/clips/{clip.uid}/lyrics/srt", member_read()),
    Case("export a song (ZIP)", "GET", "/clips/{clip.uid}/export/", member_read()),
    Case("export a project (ZIP)", "GET", "/projects/{project.pk}/export/", member_read()),
    Case("draft editor", "GET", "/drafts/{draft.pk}/", member_read()),
    Case("save draft", "POST", "/drafts/{draft.pk}/", editor_write(302), {"title": "T", "text": "new words"}),
    Case("restore draft", "POST", "/drafts/{draft.pk}/restore/1/", editor_write(302)),
    Case("project settings", "GET", "/projects/{project.pk}/settings/", owner_only(200)),
    Case(
        "rename project",
        "POST",
        "/projects/{project.pk}/settings/",
        owner_only(302),
        {"rename": "1", "name": "Renamed"},
    ),
    Case("teams", "GET", "/teams/", logged_in(200)),
    Case("new team", "POST", "/teams/", logged_in(302), {"name": "New band"}),
    Case("team page", "GET", "/teams/{project.team.pk}/", member_read()),
    Case(
        "make invite",
        "POST",
        "/teams/{project.team.pk}/invites/",
        owner_only(302),
        {"role": "viewer", "days": 3},
    ),
    Case(
        "change role",
        "POST",
        "/teams/{project.team.pk}/members/{viewer_membership.pk}/",
        owner_only(302),
        {"role": "editor"},
    ),
    Case(
        "remove member",
        "POST",
        "/teams/{project.team.pk}/members/{viewer_membership.pk}/remove/",
        {**owner_only(302), "viewer": 302},
    ),  # a viewer may remove themselves: that is leaving
    # The link is the secret: its holder, logged out, learns what it invites to and is offered to sign up.
    Case("see invite", "GET", "/invites/{invite.token}/", everyone(200)),
    Case("signup page", "GET", "/accounts/signup/", everyone(200)),
    # The language switcher and the JavaScript catalog: for everyone, signed in or not (issue 11).
    Case("switch language", "POST", "/i18n/setlang/", everyone(302), {"language": "zh-hans", "next": "/"}),
    Case("javascript catalog", "GET", "/jsi18n/", everyone(200)),
    Case("login page", "GET", "/accounts/login/", everyone(200)),
    Case("upload link for the gateway", "GET", "/u/{upload_token}", everyone(200)),
    Case("forged upload link", "GET", "/u/forged-token", everyone(404)),
    # A gateway's callback: no login, the unguessable address is the key (tests/services/test_callbacks.py)
    Case("forged callback address", "POST", "/hooks/gateway/forged-token/", everyone(404), {"task_id": "x"}),
    Case("engine API without key", "GET", "/suno/fetch/anything", everyone(401)),
    Case("share a clip", "POST", "/clips/{clip.uid}/share/", editor_write(200), htmx=True),
    Case("share a project", "POST", "/projects/{project.pk}/share/", editor_write(200), htmx=True),
    # The link's creator (the editor) and owners may stop it; another member may not.
    Case("stop sharing", "POST", "/shares/{share.pk}/revoke/", editor_write(200), htmx=True),
    Case("public share page", "GET", "/s/{share.token}/", everyone(200)),
    Case("public share media", "GET", "/s/{share.token}/media/{clip.uid}/audio", everyone(200)),
    Case("unknown share link", "GET", "/s/not-a-token/", everyone(404)),
    Case("library", "GET", "/library/?q=city&liked=on", logged_in(200)),
    Case("library results", "GET", "/library/?q=city", logged_in(200), htmx=True),
    Case("trash", "GET", "/library/trash/", logged_in(200)),
    Case("like clip", "POST", "/library/clips/{clip.uid}/like/", member_read(200), htmx=True),
    Case(
        "trash clip",
        "POST",
        "/library/clips/{clip.uid}/trash/",
        editor_write(200),
        {"place": "row"},
        htmx=True,
    ),
    Case(
        "restore clip",
        "POST",
        "/library/clips/{clip.uid}/restore/",
        editor_write(200),
        {"place": "row"},
        htmx=True,
    ),
    Case("rename form", "GET", "/library/clips/{clip.uid}/rename/", editor_write(200), htmx=True),
    Case("clip menu", "GET", "/library/clips/{clip.uid}/menu/?place=card", editor_write(200), htmx=True),
    Case(
        "rename clip",
        "POST",
        "/library/clips/{clip.uid}/rename/",
        editor_write(200),
        {"title": "New"},
        htmx=True,
    ),
    Case("trash draft", "POST", "/library/drafts/{draft.pk}/trash/", editor_write(200), htmx=True),
    Case(
        "restore draft from trash",
        "POST",
        "/library/drafts/{draft.pk}/restore/",
        editor_write(200),
        {"place": "trash"},
        htmx=True,
    ),
    Case("split stems", "POST", "/clips/{clip.uid}/stems/", editor_write(200), htmx=True, api_format="v2"),
    Case(
        "cover",
        "POST",
        "/clips/{clip.uid}/cover/",
        editor_write(200),
        {"tags": "folk"},
        htmx=True,
        api_format="v2",
    ),
    Case("cover form", "GET", "/clips/{clip.uid}/cover/", editor_write(200), htmx=True, api_format="v2"),
    Case("persona form", "GET", "/clips/{clip.uid}/persona/", editor_write(200), htmx=True, api_format="v2"),
    Case(
        "make persona",
        "POST",
        "/clips/{clip.uid}/persona/",
        editor_write(200),
        {"name": "Ann"},
        htmx=True,
        api_format="v2",
    ),
    Case(
        "add vocals or an instrumental form",
        "GET",
        "/clips/{upload_clip.uid}/add-part/",
        editor_write(200),
        htmx=True,
        api_format="sunoapi",
    ),
    Case(
        "add an instrumental",
        "POST",
        "/clips/{upload_clip.uid}/add-part/",
        editor_write(200),
        {"part": "instrumental", "tags": "folk"},
        htmx=True,
        api_format="sunoapi",
    ),
    Case(
        "make video",
        "POST",
        "/clips/{clip.uid}/render/video/",
        editor_write(200),
        htmx=True,
        api_format="sunoapi",
    ),
    Case(
        "the gateway's WAV",
        "POST",
        "/clips/{clip.uid}/render/wav/",
        editor_write(200),
        htmx=True,
        api_format="sunoapi",
    ),
    Case("persona state", "GET", "/personas/{persona.pk}/", member_read(), htmx=True),
    Case("boost", "POST", "/projects/{project.pk}/boost/", editor_write(200), {"tags": "student"}, htmx=True),
    # Only the person who asked for a boost reads it.
    Case("boost state", "GET", "/boosts/{boost.uid}/", {**editor_write(200), "viewer": 404, "owner": 404}),
    Case("admin", "GET", "/admin/", staff_only()),
    Case("admin tasks", "GET", "/admin/songs/generationtask/", staff_only()),
    Case("admin task", "GET", "/admin/songs/generationtask/{task.pk}/change/", staff_only()),
    Case("admin queue", "GET", "/admin/django_q/ormq/", staff_only()),
]


class World:
    """One project's team with a member of each role, a stored clip, a chain, a draft and an upload."""

    def __init__(self, django_user_model):
        make = django_user_model.objects.create_user
        self.users = {
            "owner": make(username="owner", password="pw-123456!"),
            "viewer": make(username="viewer", password="pw-123456!"),
            "editor": make(username="editor", password="pw-123456!"),
            "stranger": make(username="stranger", password="pw-123456!"),
            "staff": django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-123456!"),
        }
        self.project = teams.project_create(user=self.users["owner"], name="Night Drive")
        team = self.project.team
        self.viewer_membership = Membership.objects.create(
            team=team, user=self.users["viewer"], role="viewer"
        )
        Membership.objects.create(team=team, user=self.users["editor"], role="editor")
        self.task = make_task(self.project, status="succeeded")
        self.clip = make_stored_clip(self.task, audio=mp3_bytes(1.0), title="City Lights")
        self._store_cover_and_video(self.clip)
        words = [{"word": "[Verse]\nla\n", "start_s": 0.2, "end_s": 0.6, "success": True, "p_align": 1.0}]
        ClipTiming.objects.create(clip=self.clip, words=words)
        copies.clip_wav_make(clip_pk=self.clip.pk)  # made by a worker before anyone downloads it
        self.chain_end = make_stored_clip(make_task(self.project, status="succeeded"), audio=mp3_bytes(1.0))
        Clip.objects.filter(pk=self.chain_end.pk).update(parent=self.clip, continue_at=0.5)
        self.chain_end.refresh_from_db()
        self.draft = drafts.draft_create(
            project=self.project, user=self.users["owner"], title="T", text="words"
        )
        self.invite = teams.invite_create(team=team, user=self.users["owner"], role="viewer")
        self.upload_token = self._upload_token()
        self.upload_clip = make_stored_clip(make_task(self.project, status="succeeded"), audio=mp3_bytes(1.0))
        Clip.objects.filter(pk=self.upload_clip.pk).update(clip_type="upload")
        self.share = sharing.share_create(user=self.users["editor"], clip=self.clip)
        self.persona = Persona.objects.create(team=team, name="Ann", source_clip=self.clip, upstream_id="p-1")
        self.boost = StyleBoost.objects.create(
            project=self.project, user=self.users["editor"], original_tags="x"
        )

    def _store_cover_and_video(self, clip: Clip) -> None:
        for folder, ext, data in (
            ("images", "jpeg", b"\xff\xd8\xff" + b"0" * 100),
            ("video", "mp4", b"0" * 100),
        ):
            name = default_storage.save(f"clips/{folder}/{clip.uid}.{ext}", ContentFile(data))
            setattr(clip, "image_file" if ext == "jpeg" else "video_file", name)
        clip.save()

    def _upload_token(self) -> str:
        from django.core.files.uploadedfile import SimpleUploadedFile

        task = uploads.upload_create(
            project=self.project,
            user=self.users["owner"],
            file=SimpleUploadedFile("sketch.mp3", mp3_bytes(1.0)),
        )
        return task.request_payload["url"].rsplit("/u/", 1)[1]

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


@pytest.fixture
def world(django_user_model):
    return World(django_user_model)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_permission_matrix(world, case: Case, role: str, settings):
    if case.api_format:
        settings.SUNO_API_FORMAT = case.api_format
    url = case.url.format(**vars(world))
    headers = {"HTTP_HX_REQUEST": "true"} if case.htmx else {}
    client = world.client(role)
    send = client.get if case.method == "GET" else client.post
    response = send(url, case.data, **headers)
    expected = case.expect[role]
    assert response.status_code == expected, (
        f"{case.method} {url} as {role}: {response.status_code} != {expected}"
    )
    if expected == 302 and role == "anonymous" and case.expect != everyone(302):
        assert "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"]


def _routes(patterns, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            routes += _routes(pattern.url_patterns, route)
        else:
            routes.append(route)
    return routes


def _shape(route: str) -> str:
    """ "projects/<int:pk>/" and "/projects/{project.pk}/" both become "projects/*/"."""
    import re

    route = route.split("?")[0].lstrip("/")
    return re.sub(r"<[^>]+>|\{[^}]+\}|[^/]*\{[^}]+\}[^/]*", "*", route)


def test_the_matrix_covers_every_studio_url():
    """A new URL without a row here fails this test: add its row above."""
    from django.urls import get_resolver

    covered = [_shape(case.url).split("/") for case in CASES]
    skipped = (
        "admin/",
        "accounts/password",
        "accounts/logout",
        "accounts/reset",
        "static/",
        "suno/",
        "sunoapi/",
        "health/",  # its own access rules (anonymous: status only; staff: reasons): tests/ops/test_health.py
        "metrics",  # allowed addresses, staff or a token: tests/ops/test_metrics.py
    )
    routes = [r for r in _routes(get_resolver().url_patterns) if not r.startswith(skipped)]

    def matches(route: list[str], case: list[str]) -> bool:
        return len(route) == len(case) and all(r in ("*", c) for r, c in zip(route, case, strict=True))

    uncovered = [r for r in routes if not any(matches(_shape(r).split("/"), case) for case in covered)]
    assert not uncovered, f"URLs with no row in the permission matrix: {uncovered}"
