"""ConnectionBoard versions and history; conversions at the ib_async boundary; rate guard."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ib_async import Stock, TickData, Ticker

from apex_tui.broker.convert import multiplier_of, ticks_from_tickers
from apex_tui.broker.requests import RateGuard
from apex_tui.broker.states import ConnectionBoard, ConnectionState
from apex_tui.domain.clock import FixedClock
from apex_tui.domain.quotes import Tick

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


def ticking(symbol: str) -> Ticker:
    """A Ticker that carries a tick in this read, as ib_async hands it over."""
    ticker = Ticker(contract=Stock(symbol, "SMART", "USD"))
    ticker.ticks = [TickData(T0, 4, 100.0, 1.0)]
    return ticker


def test_tick_conversion_turns_ibs_no_value_markers_into_nan() -> None:
    ticker = ticking("AAPL")
    ticker.bid, ticker.ask, ticker.last = 99.5, -1.0, 100.0
    ticker.bidSize, ticker.volume, ticker.close = 300.0, 1.7976931348623157e308, 98.0
    [tick], closes = ticks_from_tickers([ticker], T0)
    assert (tick.symbol, tick.bid, tick.last, tick.bid_size, tick.time) == (
        "AAPL", 99.5, 100.0, 300.0, T0,
    )  # fmt: skip
    assert math.isnan(tick.ask) and math.isnan(tick.volume) and math.isnan(tick.ask_size)
    assert closes == [98.0]
    assert isinstance(tick, Tick) and tick._fields[0] == "time"


def test_tickers_without_ticks_are_skipped_and_closes_follow_their_ticks() -> None:
    quiet = Ticker(contract=Stock("MSFT", "SMART", "USD"))  # a notice only: no ticks
    a, b = ticking("AAPL"), ticking("SPY")
    a.close, b.close = -1.0, 450.0  # IB's "no price", then a real one
    ticks, closes = ticks_from_tickers([a, quiet, b], T0)
    assert [t.symbol for t in ticks] == ["AAPL", "SPY"]
    assert math.isnan(closes[0]) and closes[1] == 450.0


def test_ticker_time_is_converted_to_utc() -> None:
    ticker = ticking("AAPL")
    ticker.time = datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("America/New_York"))
    [tick], _ = ticks_from_tickers([ticker], T0 + timedelta(days=1))
    assert tick.time == T0 and tick.time.tzinfo is UTC


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
