"""Fixtures of the hardening tests."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def language_reset():
    """A page asked for in Chinese leaves Chinese active in this thread (LocaleMiddleware activates it and
    nothing deactivates it): tests that call services directly afterwards must read English again."""
    yield
    translation.deactivate()
