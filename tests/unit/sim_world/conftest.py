"""Shared fixtures: a seeded World on a fixed clock (Friday 2026-11-20, 11:00 US/Eastern)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.sim.model import Instrument
from apex_tui.sim.world import World, WorldSettings

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # a regular session, 11:00 in New York


def make_world(**kwargs: object) -> World:
    return World(WorldSettings(**kwargs), clock=FixedClock(NOW))  # type: ignore[arg-type]


@pytest.fixture
def world() -> World:
    return make_world()


def stock(w: World, symbol: str = "AAPL") -> Instrument:
    (inst,) = w.find(symbol, "STK")
    return inst
