"""Builders for deterministic apps: fixed clock, no animation, no blinking cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from apex_tui.config import load_settings
from apex_tui.core.engine import Engine
from apex_tui.domain.clock import Clock, FixedClock
from apex_tui.tui.app import ApexApp

SIZE = (120, 40)


def make_app(
    overrides: dict[str, dict[str, Any]] | None = None, *, clock: Clock | None = None, **kwargs: Any
) -> ApexApp:
    settings = load_settings(None, overrides or {})
    engine = Engine(settings, clock=clock or FixedClock(datetime(2026, 11, 20, 15, 30, tzinfo=UTC)))
    kwargs.setdefault("autostart", False)
    app = ApexApp(engine, **kwargs)
    app.animation_level = "none"
    return app


@pytest.fixture
def app_factory() -> Callable[..., ApexApp]:
    return make_app
