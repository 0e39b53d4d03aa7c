"""Fixtures for the engine's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def fixed_ids(monkeypatch):
    """Task ids seed the music: fixed ids make a test hear the same, once-verified songs every run."""
    import itertools

    from engine.models import EngineClip, EngineTask

    counter = itertools.count(1)

    def next_id() -> str:
        return f"00000000-0000-4000-8000-{next(counter):012d}"

    for model in (EngineTask, EngineClip):
        # Django caches a field's default callable on first use (Field._get_default), so patch that.
        monkeypatch.setattr(model._meta.get_field("id"), "_get_default", next_id)
