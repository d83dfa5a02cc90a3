"""Shared fixtures: deterministic settings, a fixed clock, and an isolated config environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apex_tui.domain.clock import FixedClock

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's APEX_* environment."""
    for key in list(os.environ):
        if key.startswith("APEX_"):
            monkeypatch.delenv(key)
    yield


@pytest.fixture
def fixed_clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 20, 15, 30, 0, tzinfo=UTC))


@pytest.fixture
def repo_root() -> Path:
    return REPO
