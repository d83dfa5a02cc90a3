"""ConnectionBoard versions and history; conversions at the ib_async boundary; rate guard."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ib_async import Stock, Ticker

from apex_tui.broker.convert import close_of, multiplier_of, tick_from_ticker
from apex_tui.broker.requests import RateGuard
from apex_tui.broker.states import ConnectionBoard, ConnectionState
from apex_tui.domain.clock import FixedClock

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def state_of(board: ConnectionBoard) -> ConnectionState:
    """Read the state through a call, so mypy does not narrow it across transitions."""
    return board.state


async def test_every_transition_is_recorded_with_its_reason_and_bumps_the_version() -> None:
    clock = FixedClock(T0)
    board = ConnectionBoard(clock)
    live_before = board.is_live
    assert state_of(board) is ConnectionState.DISCONNECTED and not live_before
    assert board.set(ConnectionState.CONNECTING, "dialing")
    clock.advance(1)
    assert board.set(ConnectionState.CONNECTED, "up")
    assert not board.set(ConnectionState.CONNECTED, "up")  # no change, no version bump
    assert board.version == 2 and board.is_live
    assert [(t.previous, t.state, t.reason) for t in board.history] == [
        (ConnectionState.DISCONNECTED, ConnectionState.CONNECTING, "dialing"),
        (ConnectionState.CONNECTING, ConnectionState.CONNECTED, "up"),
    ]
    assert board.since == T0 + timedelta(seconds=1)
    await board.wait_live()  # returns at once while live


def test_board_history_is_bounded() -> None:
    board = ConnectionBoard(FixedClock(T0), history=3)
    for i in range(10):
        board.set(ConnectionState.RECONNECTING, f"attempt {i}")
    assert [t.reason for t in board.history] == ["attempt 7", "attempt 8", "attempt 9"]


def test_tick_conversion_turns_ibs_no_value_markers_into_nan() -> None:
    ticker = Ticker(contract=Stock("AAPL", "SMART", "USD"))
    ticker.bid, ticker.ask, ticker.last = 99.5, -1.0, 100.0
    ticker.bidSize, ticker.volume, ticker.close = 300.0, 1.7976931348623157e308, 98.0
    tick = tick_from_ticker(ticker, T0)
    assert (tick.symbol, tick.bid, tick.last, tick.bid_size, tick.time) == (
        "AAPL", 99.5, 100.0, 300.0, T0,
    )  # fmt: skip
    assert math.isnan(tick.ask) and math.isnan(tick.volume) and math.isnan(tick.ask_size)
    assert close_of(ticker) == 98.0


def test_ticker_time_is_converted_to_utc() -> None:
    ticker = Ticker(contract=Stock("AAPL", "SMART", "USD"))
    ticker.time = datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("America/New_York"))
    assert tick_from_ticker(ticker, T0).time == T0


def test_multiplier_defaults_to_one_for_stocks() -> None:
    assert multiplier_of(Stock("AAPL", "SMART", "USD")) == 1.0


def test_rate_guard_counts_a_sliding_second() -> None:
    clock = FixedClock(T0)
    guard = RateGuard(3, clock=clock)
    for _ in range(3):
        guard._sent.append(clock.monotonic())
        clock.advance(0.1)
    assert guard.used == 3
    assert guard.wait_time() > 0  # a fourth would exceed 3 per second
    clock.advance(0.75)  # now 1.05 s after the first send: it left the window
    assert guard.wait_time() == 0.0 and guard.used == 2
