"""Misbehaviour on request, for reliability drills: the engine can act like a bad day at a real gateway.

Settings (all off by default; see .env.example): ENGINE_ERROR_RATE (answer 503 "no available channel"),
ENGINE_MALFORMED_RATE (answer 200 with a body that is not JSON), ENGINE_LATENCY (seconds before each
answer). The render drills, ENGINE_STUCK_RATE (tasks that never leave IN_PROGRESS) and ENGINE_FAIL_RATE
(tasks that fail), are the render job's own (engine.jobs.lifecycle).
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.http import HttpResponse

from engine.api import protocol


def _happens(rate: float) -> bool:
    return rate >= 1 or (rate > 0 and random.random() < rate)


def api_misbehaviour() -> HttpResponse | None:
    """What to answer instead of doing the work, or None to behave."""
    if settings.ENGINE_LATENCY > 0:
        time.sleep(settings.ENGINE_LATENCY)
    if _happens(settings.ENGINE_ERROR_RATE):
        return protocol.gateway_error("no available channel for this model (ENGINE_ERROR_RATE)", status=503)
    if _happens(settings.ENGINE_MALFORMED_RATE):
        return HttpResponse('{"code": "success", "data": [', content_type="application/json")
    return None
