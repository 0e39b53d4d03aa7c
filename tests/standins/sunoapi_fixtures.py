"""Fixtures putting the studio in front of the sunoapi.org / kie.ai stand-in, whose upstream is the engine.

Import them into a test module (``from tests.standins.sunoapi_fixtures import behind_sunoapi  # noqa``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from songs.gateway import client as gateway_client
from songs.models import GenerationTask
from songs.services import polling
from tests.standins.serving import serving
from tests.standins.sunoapi import SunoApiStandIn

SUNOAPI_KEY = "kie-standin-key-0123456789abcdef"
HMAC_KEY = "kie-webhook-hmac-key-from-its-settings-page"


@pytest.fixture
def behind_sunoapi(live_server, settings) -> Iterator[SunoApiStandIn]:
    """The studio's gateway is the stand-in (SUNO_API_FORMAT=sunoapi), and the stand-in's upstream is the
    engine on the live server, all over real HTTP. Callbacks are off until a test sets PUBLIC_BASE_URL."""
    app = SunoApiStandIn(
        upstream_url=live_server.url, upstream_key=settings.ENGINE_API_KEY, key=SUNOAPI_KEY, hmac_key=HMAC_KEY
    )
    with serving(app) as url:
        app.url = url
        settings.SUNO_GATEWAY_URL, settings.SUNO_GATEWAY_KEY = url, SUNOAPI_KEY
        settings.SUNO_API_FORMAT = "sunoapi"
        settings.SUNO_MEDIA_ORIGINS = [live_server.url]  # the stand-in's upstream (the engine) serves media
        settings.PUBLIC_BASE_URL = ""
        settings.SUNO_WEBHOOK_HMAC_KEY = HMAC_KEY
        gateway_client.transport_override = None  # real sockets all the way
        yield app


@pytest.fixture
def callbacks_on(behind_sunoapi, live_server, settings) -> SunoApiStandIn:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SUNO_CALLBACKS = True
    return behind_sunoapi


def settle(task: GenerationTask, rounds: int = 10) -> GenerationTask:
    """Poll as the poller would until the task ends (the engine renders at once in tests)."""
    for _ in range(rounds):
        GenerationTask.objects.filter(pk=task.pk, status__in=GenerationTask.PENDING).update(
            next_poll_at="2000-01-01T00:00:00Z"
        )
        polling.poll_cycle()
        task.refresh_from_db()
        if not task.is_pending:
            break
    return task
