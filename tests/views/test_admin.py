"""Staff review in the Django admin: task lists, filters, searches, read-only detail, and the actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from songs import selectors
from songs.gateway import client as gateway_client
from songs.models import Clip, GenerationTask, ShareLink
from songs.services import common, drafts, requests, teams
from tests.factories import make_stored_clip, make_task

pytestmark = pytest.mark.django_db

TASKS = reverse("admin:songs_generationtask_changelist")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456!")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def no_gateway(monkeypatch):
    """Any attempt to build a gateway client from the admin fails the test."""

    def refuse():
        raise AssertionError("the admin must not call the gateway")

    monkeypatch.setattr(gateway_client, "get_gateway", refuse)


@pytest.fixture
def enqueued(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(common, "async_task", lambda *args, **kwargs: calls.append(args))
    return calls


def _music(project, user):
    return requests.music_request(
        project=project, user=user, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop", title="T"
    )


def _listed(response) -> set[int]:
    assert response.status_code == 200
    return {task.pk for task in response.context["cl"].result_list}


def _act(client, action: str, objs, url: str = TASKS, **extra):
    data = {"action": action, "_selected_action": [obj.pk for obj in objs], **extra}
    return client.post(url, data, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the task list ------------------------------------------------------------------------------


def test_it_filters_tasks_by_each_column(staff_client, project, stranger):
    other_project = teams.project_create(user=stranger, name="Elsewhere")
    failed = make_task(project, status="failed")
    lyrics = make_task(project, status="succeeded", action="LYRICS", mode="lyrics")
    theirs = make_task(other_project, status="running", api_format="v2")
    GenerationTask.objects.filter(pk=theirs.pk).update(created_at=timezone.now() - timedelta(days=40))
    now = timezone.now()
    week_ago = (now - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    cases = [
        ({"status__exact": "failed"}, {failed.pk}),
        ({"action__exact": "LYRICS"}, {lyrics.pk}),
        ({"mode__exact": "lyrics"}, {lyrics.pk}),
        ({"api_format__exact": "v2"}, {theirs.pk}),
        ({"project__team__id__exact": other_project.team_id}, {theirs.pk}),
        ({"user__id__exact": project.created_by_id}, {failed.pk, lyrics.pk}),
        ({"created_at__gte": week_ago.isoformat()}, {failed.pk, lyrics.pk}),
        ({"created_at__year": now.year, "created_at__month": now.month}, {failed.pk, lyrics.pk}),
    ]
    for query, expected in cases:
        assert _listed(staff_client.get(TASKS, query)) == expected, query


def test_it_finds_a_task_by_upstream_id_clip_id_or_username(staff_client, project, stranger):
    mine = make_task(project, status="succeeded")
    clip = make_stored_clip(mine)
    theirs = make_task(teams.project_create(user=stranger, name="Elsewhere"))
    assert _listed(staff_client.get(TASKS, {"q": theirs.upstream_id})) == {theirs.pk}
    assert _listed(staff_client.get(TASKS, {"q": clip.upstream_id})) == {mine.pk}
    assert _listed(staff_client.get(TASKS, {"q": "mallory"})) == {theirs.pk}
    assert _listed(staff_client.get(TASKS, {"q": "Night Drive"})) == {mine.pk}


def test_it_lists_many_tasks_in_a_bounded_number_of_queries(
    staff_client, project, member, django_assert_max_num_queries
):
    users = [project.created_by, member("editor", "ed"), member("viewer", "vi")]
    for n in range(30):
        task = make_task(project, status=["running", "failed", "succeeded"][n % 3])
        GenerationTask.objects.filter(pk=task.pk).update(user=users[n % 3], submitted_at=timezone.now())
    with django_assert_max_num_queries(12):
        response = staff_client.get(TASKS)
    assert len(_listed(response)) == 30
    assert "At gateway" in response.content.decode() and "alice&#x27;s team" in response.content.decode()


def test_it_shows_time_in_each_state(staff_client, project):
    now = timezone.now()
    make_task(
        project,
        status="succeeded",
        created_at=now - timedelta(seconds=95),
        submitted_at=now - timedelta(seconds=90),
        finished_at=now - timedelta(seconds=30),
    )
    content = staff_client.get(TASKS).content.decode()
    assert "5.0 s" in content and "1 min 00 s" in content and "1 min 05 s" in content


# --- the task detail ------------------------------------------------------------------------------


def test_the_detail_shows_the_request_and_response_pretty_printed_and_read_only(
    staff_client, project, settings
):
    task = make_task(project, status="succeeded", polls=3, attempts=1, submitted_at=timezone.now())
    task.last_response = {"status": "SUCCESS", "data": [{"id": "clip-1", "status": "complete"}]}
    task.save()
    make_stored_clip(task, title="Neon Rain")
    response = staff_client.get(reverse("admin:songs_generationtask_change", args=[task.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<pre" in content
    assert "\n  &quot;tags&quot;: &quot;pop&quot;" in content  # indented JSON, not one line
    assert "&quot;status&quot;: &quot;SUCCESS&quot;" in content
    assert "Timeline" in content and "Created" in content and "Finished" in content
    assert "Neon Rain" in content  # the clips, inline
    assert 'name="_save"' not in content  # nothing to edit: the system writes tasks
    assert settings.ENGINE_API_KEY not in content


def test_a_key_echoed_back_by_a_gateway_is_never_shown(staff_client, project, settings):
    task = make_task(project, last_response={"echo": f"Bearer {settings.ENGINE_API_KEY}"})
    content = staff_client.get(reverse("admin:songs_generationtask_change", args=[task.pk])).content
    assert settings.ENGINE_API_KEY.encode() not in content and b"[redacted]" in content


def test_the_detail_links_a_retry_and_what_it_retried(staff_client, project):
    old = make_task(project, status="failed")
    new = make_task(project, status="queued", upstream_id="", retry_of=old)
    old_page = staff_client.get(reverse("admin:songs_generationtask_change", args=[old.pk])).content.decode()
    new_page = staff_client.get(reverse("admin:songs_generationtask_change", args=[new.pk])).content.decode()
    assert reverse("admin:songs_generationtask_change", args=[new.pk]) in old_page
    assert reverse("admin:songs_generationtask_change", args=[old.pk]) in new_page


def test_staff_cannot_add_tasks_and_only_superusers_delete_them(
    client, staff_client, project, django_user_model
):
    task = make_task(project)
    assert staff_client.get(reverse("admin:songs_generationtask_add")).status_code == 403
    assert staff_client.get(reverse("admin:songs_generationtask_delete", args=[task.pk])).status_code == 200
    reviewer = django_user_model.objects.create_user("rev", password="pw-123456!", is_staff=True)
    reviewer.user_permissions.set(Permission.objects.filter(codename__endswith="_generationtask"))
    client.force_login(reviewer)
    assert client.get(TASKS).status_code == 200
    assert client.get(reverse("admin:songs_generationtask_delete", args=[task.pk])).status_code == 403


def test_staff_who_may_only_view_tasks_cannot_act_on_them(client, project, django_user_model):
    task = make_task(project, status="running")
    looker = django_user_model.objects.create_user("looker", password="pw-123456!", is_staff=True)
    looker.user_permissions.set(Permission.objects.filter(codename="view_generationtask"))
    client.force_login(looker)
    page = client.get(TASKS)
    assert page.status_code == 200 and b"cancel_tasks" not in page.content and b"poll_now" not in page.content
    _act(client, "cancel_tasks", [task], apply="yes", reason="no")
    task.refresh_from_db()
    assert task.status == "running"


def test_people_who_are_not_staff_are_sent_to_the_admin_login(owner_client, client):
    response = owner_client.get(TASKS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    owner_client.logout()
    assert client.get(TASKS).url.startswith(reverse("admin:login"))


# --- actions on tasks -------------------------------------------------------------------------------


def test_poll_now_makes_tasks_due_and_wakes_a_worker_without_calling_the_gateway(
    staff_client, project, enqueued, no_gateway, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(minutes=5)
    running = make_task(project, status="running", next_poll_at=later)
    queued = make_task(project, status="queued", upstream_id="", next_poll_at=later)
    done = make_task(project, status="succeeded", next_poll_at=later)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(staff_client, "poll_now", [running, queued, done])
    running.refresh_from_db(), queued.refresh_from_db(), done.refresh_from_db()
    assert running.next_poll_at <= timezone.now()
    assert queued.next_poll_at == later and done.next_poll_at == later
    assert enqueued == [("songs.tasks.poll_cycle",)]
    text = " | ".join(_messages(response))
    assert f"Queued a poll for 1 task: #{running.pk}" in text
    assert "not accepted by the gateway yet" in text and "already finished (done)" in text


def test_retry_makes_a_new_task_charged_to_the_quota_and_keeps_the_old_one(
    staff_client, project, owner, django_capture_on_commit_callbacks
):
    old = _music(project, owner)
    GenerationTask.objects.filter(pk=old.pk).update(status="failed", fail_reason="gateway said no")
    old.refresh_from_db()
    before = {f.attname: getattr(old, f.attname) for f in GenerationTask._meta.concrete_fields}
    assert selectors.credits_used_today(team=project.team) == 0  # refunded when it failed
    with django_capture_on_commit_callbacks() as callbacks:
        response = _act(staff_client, "retry_failed", [old])
    new = GenerationTask.objects.get(retry_of=old)
    old.refresh_from_db()
    assert {f.attname: getattr(old, f.attname) for f in GenerationTask._meta.concrete_fields} == before
    assert (new.status, new.user, new.project, new.action, new.mode) == (
        "queued",
        owner,
        project,
        "MUSIC",
        "custom",
    )
    assert new.request_payload == old.request_payload and new.cost == 10
    assert selectors.credits_used_today(team=project.team) == 10
    assert len(callbacks) == 1  # the submit, enqueued on commit like a user's own click
    assert f"Created 1 retry task: #{new.pk}" in _messages(response)[0]


def test_retry_reports_a_refusal_when_the_team_is_over_quota(staff_client, project, owner):
    old = _music(project, owner)
    GenerationTask.objects.filter(pk=old.pk).update(status="failed")
    _music(project, owner)
    project.team.daily_credits = 15
    project.team.save()
    response = _act(staff_client, "retry_failed", [old])
    assert not GenerationTask.objects.filter(retry_of=old).exists()
    assert "over quota" in _messages(response)[0] and "used 10 of its 15 credits" in _messages(response)[0]


def test_retry_skips_tasks_that_did_not_fail_or_were_retried_already(staff_client, project):
    running = make_task(project, status="running")
    failed = make_task(project, status="failed")
    make_task(project, status="queued", upstream_id="", retry_of=failed)
    response = _act(staff_client, "retry_failed", [running, failed])
    assert GenerationTask.objects.count() == 3
    text = " | ".join(_messages(response))
    assert "only failed tasks can be retried" in text and "already retried" in text


def test_cancel_asks_for_a_reason_first(staff_client, project):
    task = make_task(project, status="running")
    finished = make_task(project, status="succeeded")
    response = staff_client.post(
        TASKS, {"action": "cancel_tasks", "_selected_action": [task.pk, finished.pk]}
    )
    assert response.status_code == 200
    assert "admin/songs/cancel_tasks.html" in [t.name for t in response.templates]
    assert b'name="reason"' in response.content and b"1 selected task already finished" in response.content
    task.refresh_from_db()
    assert task.status == "running"


def test_cancel_fails_pending_tasks_with_the_reason_and_refunds_their_credits(staff_client, project, owner):
    task = _music(project, owner)
    finished = make_task(project, status="succeeded")
    assert selectors.credits_used_today(team=project.team) == 10
    response = _act(
        staff_client, "cancel_tasks", [task, finished], apply="yes", reason="Duplicate of another request"
    )
    task.refresh_from_db(), finished.refresh_from_db()
    assert task.status == "failed" and task.finished_at is not None
    assert task.fail_reason == "Cancelled by staff (root): Duplicate of another request"
    assert finished.status == "succeeded"
    assert selectors.credits_used_today(team=project.team) == 0
    text = " | ".join(_messages(response))
    assert f"Cancelled 1 task: #{task.pk}" in text and "already finished (done)" in text


def test_cancel_without_a_reason_changes_nothing(staff_client, project):
    task = make_task(project, status="running")
    response = _act(staff_client, "cancel_tasks", [task], apply="yes", reason="  ")
    assert response.status_code == 200 and b"This field is required" in response.content
    task.refresh_from_db()
    assert task.status == "running"


# --- clips, share links, teams ------------------------------------------------------------------


def test_staff_can_hide_a_clip_from_sharing_and_allow_it_again(staff_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"))
    url = reverse("admin:songs_clip_changelist")
    _act(staff_client, "hide_from_sharing", [clip], url=url)
    clip.refresh_from_db()
    assert clip.hidden_from_sharing
    assert _act(staff_client, "hide_from_sharing", [clip], url=url).status_code == 200  # a no-op, reported
    _act(staff_client, "allow_sharing", [clip], url=url)
    clip.refresh_from_db()
    assert not clip.hidden_from_sharing


def test_clips_can_be_filtered_and_searched(staff_client, project):
    clip = make_stored_clip(make_task(project, status="succeeded"), title="Neon Rain")
    Clip.objects.filter(pk=clip.pk).update(hidden_from_sharing=True, trashed_at=timezone.now())
    url = reverse("admin:songs_clip_changelist")
    for query in ("status__exact=complete", "hidden_from_sharing__exact=1", "trashed=yes", "q=Neon"):
        response = staff_client.get(f"{url}?{query}")
        assert [c.pk for c in response.context["cl"].result_list] == [clip.pk], query
    assert list(staff_client.get(f"{url}?trashed=no").context["cl"].result_list) == []


def test_staff_can_revoke_share_links(staff_client, project, owner):
    clip = make_stored_clip(make_task(project, status="succeeded"))
    link = ShareLink.objects.create(token="tok-123", clip=clip, created_by=owner)
    url = reverse("admin:songs_sharelink_changelist")
    response = _act(staff_client, "revoke", [link], url=url)
    link.refresh_from_db()
    assert link.revoked_at is not None and "Revoked 1 share link" in _messages(response)[0]
    assert list(staff_client.get(f"{url}?state=live").context["cl"].result_list) == []


def test_staff_set_a_teams_daily_credits_in_the_team_list(staff_client, project, owner):
    _music(project, owner)
    team = project.team
    url = reverse("admin:songs_team_changelist")
    page = staff_client.get(url)
    assert b"Credits used today" in page.content
    assert [t.pk for t in page.context["cl"].result_list] == [team.pk]
    response = staff_client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(team.pk),
            "form-0-daily_credits": "5000",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.daily_credits == 5000


def test_every_review_page_loads(staff_client, project, owner, stranger):
    task = make_task(project, status="succeeded")
    clip = make_stored_clip(task)
    draft = drafts.draft_create(project=project, user=owner, title="Verse", text="la la")
    drafts.draft_save(draft=draft, user=owner, title="Verse", text="la la la")
    invite = teams.invite_create(team=project.team, user=owner, role="editor")
    link = ShareLink.objects.create(token="tok-abc", project=project, created_by=owner)
    from songs.models import ClipLike, Membership

    like = ClipLike.objects.create(user=owner, clip=clip)
    membership = Membership.objects.get(team=project.team, user=owner)
    objects = [task, clip, draft, project.team, membership, invite, link, like, project]
    for obj in objects:
        meta = obj._meta
        assert staff_client.get(reverse(f"admin:songs_{meta.model_name}_changelist")).status_code == 200
        change = staff_client.get(reverse(f"admin:songs_{meta.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, meta.model_name
    draft_page = staff_client.get(reverse("admin:songs_lyricdraft_change", args=[draft.pk])).content
    assert b"Edited" in draft_page and b"First version" in draft_page  # its revisions, inline
    assert staff_client.get(reverse("admin:songs_upload_changelist")).status_code == 200


def test_django_q_queue_pages_are_in_the_admin(staff_client):
    index = staff_client.get(reverse("admin:index")).content.decode()
    for name in ("Queued tasks", "Successful tasks", "Failed tasks", "Scheduled tasks"):
        assert name in index
    for model in ("ormq", "success", "failure", "schedule"):
        assert staff_client.get(reverse(f"admin:django_q_{model}_changelist")).status_code == 200


def test_the_team_list_counts_each_teams_credits_in_one_query(
    staff_client, project, owner, member, django_user_model
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member("editor", "ed")
    member("viewer", "vi")  # three members: a join on members would triple the sum
    _music(project, owner)
    _music(project, owner)
    url = reverse("admin:songs_team_changelist")

    def used_and_queries(**params) -> tuple[dict[int, int], int]:
        with CaptureQueriesContext(connection) as captured:
            page = staff_client.get(url, params)
        return {t.pk: t.credits_used_today for t in page.context["cl"].result_list}, len(captured)

    used, queries = used_and_queries()
    assert used[project.team.pk] == 20
    assert used_and_queries(q="ed")[0] == {project.team.pk: 20}  # searching by a member changes nothing
    for number in range(5):
        teams.team_create(user=django_user_model.objects.create_user(f"u{number}"), name=f"Band {number}")
    assert used_and_queries()[1] == queries  # five more teams, no more queries


def test_staff_see_a_feature_learnt_missing_and_offer_it_again(staff_client, settings):
    from songs.models import GatewayFeature

    row = GatewayFeature.objects.create(
        gateway=settings.SUNO_GATEWAY_URL,
        name="concat",
        missing_since=timezone.now(),
        reason="当前分组 default 下对于模型 suno_concat 无可用渠道",
        answer='{"error": {"message": "当前分组 default 下对于模型 suno_concat 无可用渠道"}}',
    )
    page = staff_client.get(reverse("admin:songs_gatewayfeature_changelist")).content.decode()
    assert "concat" in page and "missing since" in page and "无可用渠道" in page
    assert selectors.gateway_capabilities().concat is False

    staff_client.post(
        reverse("admin:songs_gatewayfeature_changelist"),
        {"action": "offer_again", "_selected_action": [row.pk]},
    )

    row.refresh_from_db()
    assert row.missing_since is None and selectors.gateway_capabilities().concat is True
