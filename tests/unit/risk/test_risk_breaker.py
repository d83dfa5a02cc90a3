"""Circuit breaker trips (rejections in a window, daily loss) and typed-only reset; states."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.errors import ConfirmationMismatch
from apex_tui.risk.breaker import BreakerTrip, CircuitBreaker
from apex_tui.risk.settings import BreakerSettings, RiskSettings
from apex_tui.risk.states import StateChange, TradingState, TradingStatus, is_reducing


def make(trip_to: str = "HALTED") -> tuple[CircuitBreaker, TradingStatus, FixedClock, list[object]]:
    clock = FixedClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    seen: list[object] = []
    status = TradingStatus(clock, on_change=seen.append)
    settings = RiskSettings(
        daily_loss_limit=1_000,
        breaker=BreakerSettings(max_rejections=3, window_minutes=5, trip_to=trip_to),  # type: ignore[arg-type]
    )
    return CircuitBreaker(settings, status, clock, on_trip=seen.append), status, clock, seen


def test_trips_on_n_rejections_within_the_window() -> None:
    breaker, status, clock, seen = make()
    assert breaker.record_rejection("a") is None
    clock.advance(60)
    assert breaker.record_rejection("b") is None
    assert status.state is TradingState.ACTIVE
    clock.advance(60)
    trip = breaker.record_rejection("c")
    assert trip is not None and trip.state is TradingState.HALTED
    assert "3 rejections" in trip.reason
    assert status.state is TradingState.HALTED
    assert breaker.tripped
    assert any(isinstance(x, BreakerTrip) for x in seen)
    assert any(isinstance(x, StateChange) and x.new is TradingState.HALTED for x in seen)


def test_rejections_outside_the_window_do_not_count() -> None:
    breaker, status, clock, _ = make()
    breaker.record_rejection()
    breaker.record_rejection()
    clock.advance(5 * 60)  # the first two fall out exactly at the window's end
    assert breaker.record_rejection() is None
    assert breaker.recent_rejections() == 1
    assert status.state is TradingState.ACTIVE


def test_trips_to_reducing_when_configured() -> None:
    breaker, status, _, _ = make("REDUCING")
    for _ in range(3):
        breaker.record_rejection()
    assert status.state is TradingState.REDUCING


def test_daily_loss_trips_past_the_limit_not_at_it() -> None:
    breaker, status, _, _ = make()
    assert breaker.observe_pnl(realized=-600, unrealized=-400) is None  # exactly 1_000
    assert status.state is TradingState.ACTIVE
    trip = breaker.observe_pnl(realized=-600, unrealized=-400.01)
    assert trip is not None and "daily loss" in trip.reason
    assert status.state is TradingState.HALTED


def test_one_trip_is_reported_once() -> None:
    breaker, _, _, seen = make()
    for _ in range(5):
        breaker.record_rejection()
    assert breaker.observe_pnl(-5_000, 0) is None
    assert sum(isinstance(x, BreakerTrip) for x in seen) == 1


def test_reset_needs_the_exact_phrase() -> None:
    breaker, status, _, _ = make()
    for _ in range(3):
        breaker.record_rejection()
    for wrong in ("", "reset", "RESE", "yes", "RESET please"):
        with pytest.raises(ConfirmationMismatch):
            breaker.reset(wrong)
        assert breaker.tripped and status.state is TradingState.HALTED
    breaker.reset("  RESET ")
    assert not breaker.tripped
    assert status.state is TradingState.ACTIVE
    assert breaker.recent_rejections() == 0
    # A fresh count is needed to trip again.
    assert breaker.record_rejection() is None


def test_status_restrict_never_loosens() -> None:
    clock = FixedClock(datetime(2026, 3, 2, tzinfo=UTC))
    status = TradingStatus(clock)
    assert status.restrict(TradingState.HALTED, "kill") is not None
    assert status.restrict(TradingState.REDUCING, "breaker") is None
    assert status.state is TradingState.HALTED
    assert status.reason == "kill"


def test_live_start_halted_unlocks_only_with_phrase() -> None:
    clock = FixedClock(datetime(2026, 3, 2, tzinfo=UTC))
    status = TradingStatus(clock, TradingState.HALTED)
    with pytest.raises(ConfirmationMismatch):
        status.release("unlock", "TRADE LIVE")
    change = status.release("TRADE LIVE", "TRADE LIVE")
    assert change.old is TradingState.HALTED and change.new is TradingState.ACTIVE


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (100, 50, True),
        (100, 0, True),
        (100, -1, False),
        (100, 100, False),
        (100, 101, False),
        (-100, -50, True),
        (-100, 0, True),
        (-100, 1, False),
        (0, 0, False),
        (0, 10, False),
    ],
)
def test_is_reducing(before: float, after: float, expected: bool) -> None:
    assert is_reducing(before, after) is expected


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
)
def test_reducing_never_grows_or_flips(before: float, after: float) -> None:
    if is_reducing(before, after):
        assert abs(after) < abs(before)
        assert after == 0 or (after > 0) == (before > 0)
