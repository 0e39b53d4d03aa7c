"""Callbacks from the gateway: an unguessable address per request, and a call there only wakes the task.

Where a family calls back (sunoapi/kie ``callBackUrl``, the task format's ``notify_hook``, ...; each
adapter names its ``callback_param``), a request sent while callbacks are on (PUBLIC_BASE_URL set,
SUNO_CALLBACKS) carries ``PUBLIC_BASE_URL/hooks/gateway/<token>/``, the token random and kept on the
task. A call there never writes what it says: it makes the task due now and asks a worker to poll, so
what is stored and billed always comes from the gateway's own record (a fetch). A forged or repeated
call costs one fetch at most; calls out of order change nothing. Polling stays as the safety net.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time

from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from songs.gateway import Gateway, callback_task_ids
from songs.models import GenerationTask
from songs.services.common import job_enqueue

log = logging.getLogger(__name__)

Status = GenerationTask.Status


# A family's callbacks count as arriving once one has, for this long: only then does the safety-net poll
# slow down for its tasks (a relay that drops the callback address, as stock new-api drops notify_hook,
# never slows anything).
TRUST_SECONDS = 3600


class CallbackRefused(Exception):
    """Not a call this studio asked for (unknown address, bad signature); ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def callbacks_on() -> bool:
    return bool(settings.SUNO_CALLBACKS and settings.PUBLIC_BASE_URL)


def _trust_key(api_format: str) -> str:
    return f"callbacks-arrive:{settings.SUNO_GATEWAY_URL}:{api_format}"


def callbacks_arriving(api_format: str) -> bool:
    """The gateway's callbacks for this family have been arriving (one came within the hour)."""
    return callbacks_on() and bool(caches["ops"].get(_trust_key(api_format)))


def callback_url_for(*, task: GenerationTask, gateway: Gateway) -> str:
    """The address the gateway calls back for this task, or "" (callbacks off, or a family that never
    calls back). The token is made once and kept: a re-send (never of an unknown outcome) reuses it."""
    if not callbacks_on() or not gateway.callback_param:
        return ""
    if not task.callback_token:
        task.callback_token = secrets.token_urlsafe(32)
        GenerationTask.objects.filter(pk=task.pk).update(callback_token=task.callback_token)
    return settings.PUBLIC_BASE_URL + reverse("songs:gateway_callback", args=[task.callback_token])


def _signature_valid(task_ids: list[str], headers, now: float) -> bool:
    """kie.ai's signature: base64(HMAC-SHA256(taskId + "." + timestamp, key)), the timestamp recent."""
    stamp = (headers.get("X-Webhook-Timestamp") or "").strip()
    given = (headers.get("X-Webhook-Signature") or "").strip()
    if not stamp.isdigit() or not given or abs(now - int(stamp)) > settings.SUNO_WEBHOOK_MAX_SKEW:
        return False
    key = settings.SUNO_WEBHOOK_HMAC_KEY.encode()
    for task_id in task_ids:
        digest = hmac.new(key, f"{task_id}.{stamp}".encode(), hashlib.sha256).digest()
        if hmac.compare_digest(base64.b64encode(digest).decode(), given):
            return True
    return False


def _names(upstream_id: str, named: list[str]) -> bool:
    """The callback names this task: its id, or the family's own id inside ours ("stems:<taskId>")."""
    return any(upstream_id == task_id or upstream_id.endswith(":" + task_id) for task_id in named)


def callback_receive(*, token: str, raw: bytes, headers) -> bool:
    """A gateway's call at a task's callback address: wake the task (due now, a worker polls). Returns
    whether a task was woken. Raises CallbackRefused for an unknown address (whatever the body), a body
    that is not JSON, or a bad signature."""
    task = GenerationTask.objects.filter(callback_token=token).only("pk", "api_format", "upstream_id").first()
    if task is None or not token:
        raise CallbackRefused(404, "No such callback address.")
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise CallbackRefused(400, "The callback body is not JSON.") from None
    named = callback_task_ids(api_format=task.api_format, body=body)
    if settings.SUNO_WEBHOOK_HMAC_KEY and not _signature_valid(named, headers, time.time()):
        raise CallbackRefused(401, "The callback's signature is missing or wrong.")
    if task.upstream_id and named and not _names(task.upstream_id, named):
        # Another task's news at this task's address: not ours to act on (its own address wakes it).
        log.warning("callback for task %s names other upstream tasks; ignored", task.pk)
        return False
    caches["ops"].set(_trust_key(task.api_format), 1, timeout=TRUST_SECONDS)
    woken = (
        GenerationTask.objects.filter(
            pk=task.pk, status__in=(Status.SUBMITTED, Status.RUNNING), next_poll_at__gt=timezone.now()
        )
        .exclude(upstream_id="")
        .update(next_poll_at=timezone.now())
    )
    if woken:
        job_enqueue("woken", name="poll-woken")
    return bool(woken)
