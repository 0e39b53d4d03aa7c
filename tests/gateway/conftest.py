"""Fixtures for the gateway package's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """Where a fetched link is written."""
    return tmp_path / "uploads" / "mine.mp3"
