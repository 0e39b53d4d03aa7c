"""Fixtures that put the studio in front of the other gateway families' stand-ins (AceDataCloud, ACE-Step),
each relaying the built-in engine on the live server, all over real HTTP. Import the fixtures into a
test module by name (``from tests.standins.families import behind_acedata  # noqa: F401``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from songs.gateway import client as gateway_client
from songs.models import GenerationTask
from songs.services import polling
from tests.standins.acedata import AceDataStandIn
from tests.standins.acestep import AceStepStandIn
from tests.standins.serving import serving

ACEDATA_KEY = "acedata-standin-token-0123456789"
ACESTEP_KEY = "acestep-standin-key-0123456789"


def _point_studio_at(settings, live_server, *, url: str, key: str, api_format: str) -> None:
    # Only what the studio talks to changes: the engine in this same process stays mounted as the
    # stand-in's upstream (in production it would be the family's own service).
    settings.SUNO_GATEWAY_URL, settings.SUNO_GATEWAY_KEY, settings.SUNO_API_FORMAT = url, key, api_format
    settings.PUBLIC_BASE_URL = live_server.url  # where a gateway would fetch an upload from
    # These chains read the families by polling, so the studio sends the families' "no callback" address
    # (AceDataCloud's callbacks, end to end: test_acedata_callbacks.py turns them on).
    settings.SUNO_CALLBACKS = False
    settings.SUNO_MEDIA_ORIGINS = [live_server.url]  # the stand-in's upstream (the engine) serves media
    gateway_client.transport_override = None  # real sockets all the way


@pytest.fixture
def acedata(live_server, settings) -> Iterator[AceDataStandIn]:
    app = AceDataStandIn(upstream_url=live_server.url, upstream_key=settings.ENGINE_API_KEY, key=ACEDATA_KEY)
    with serving(app) as url:
        app.url = url
        yield app


@pytest.fixture
def behind_acedata(acedata, settings, live_server) -> AceDataStandIn:
    _point_studio_at(settings, live_server, url=acedata.url, key=ACEDATA_KEY, api_format="acedata")
    return acedata


@pytest.fixture
def acestep(live_server, settings, tmp_path) -> Iterator[AceStepStandIn]:
    app = AceStepStandIn(
        upstream_url=live_server.url,
        upstream_key=settings.ENGINE_API_KEY,
        key=ACESTEP_KEY,
        audio_dir=tmp_path / "acestep" / "api_audio",
    )
    with serving(app) as url:
        app.url = url
        yield app


@pytest.fixture
def behind_acestep(acestep, settings, live_server) -> AceStepStandIn:
    _point_studio_at(settings, live_server, url=acestep.url, key=ACESTEP_KEY, api_format="acestep")
    return acestep


def settle(task: GenerationTask, rounds: int = 40) -> GenerationTask:
    """Poll as the poller would (every task due at once) until the task is no longer pending."""
    for _ in range(rounds):
        polling.work_resume_due()
        GenerationTask.objects.filter(pk=task.pk, status__in=GenerationTask.PENDING).update(
            next_poll_at="2000-01-01T00:00:00Z"
        )
        polling.tasks_poll_due()
        task.refresh_from_db()
        if not task.is_pending:
            break
    return task
