"""A streaming symbol silent past the threshold in market hours degrades the connection."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from apex_tui.broker.connector import Connector
from apex_tui.broker.settings import BrokerSettings
from apex_tui.broker.states import ConnectionState
from apex_tui.domain.clock import FixedClock
from apex_tui.domain.quotes import Tick

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def _tick(symbol: str, at: datetime) -> Tick:
    n = math.nan
    return Tick(time=at, symbol=symbol, bid=1.0, ask=1.1, last=1.05, bid_size=n, ask_size=n,
                last_size=n, volume=n)  # fmt: skip


def state_of(c: Connector) -> ConnectionState:
    """Read the state through a call, so mypy does not narrow it across transitions."""
    return c.board.state


def _connected(open_symbols: set[str]) -> tuple[Connector, FixedClock]:
    clock = FixedClock(T0)
    c = Connector(
        BrokerSettings(port=4002, staleness_threshold=10.0),
        clock=clock,
        market_open=lambda s: s in open_symbols,
    )
    # Pretend a session is up with two streaming lines (no socket in a unit test).
    c.board.set(ConnectionState.CONNECTED, "connected")
    c.subscriptions.watchlist[:] = ["AAPL", "MSFT"]
    for s in ("AAPL", "MSFT"):
        c.subscriptions._tickers[s] = object()
        c.subscriptions.subscribed_at[s] = T0
    return c, clock


async def test_silence_past_the_threshold_degrades_and_a_tick_recovers() -> None:
    c, clock = _connected({"AAPL", "MSFT"})
    c.quotes.apply(_tick("AAPL", T0))
    c.quotes.apply(_tick("MSFT", T0))
    clock.advance(5)
    c.quotes.apply(_tick("MSFT", clock.now()))
    assert c.check_staleness(clock.now()) == []
    clock.advance(6)  # AAPL silent 11 s, MSFT 6 s
    assert c.check_staleness(clock.now()) == ["AAPL"]
    assert state_of(c) is ConnectionState.DEGRADED
    assert "no ticks for 10 s on 1 symbol(s): AAPL" in c.board.reason
    assert c.quotes.get("AAPL").stale  # type: ignore[union-attr]
    c.quotes.apply(_tick("AAPL", clock.now()))
    assert c.check_staleness(clock.now()) == []
    assert state_of(c) is ConnectionState.CONNECTED


async def test_a_closed_market_or_a_fresh_line_does_not_degrade() -> None:
    c, clock = _connected({"MSFT"})  # AAPL's market is closed
    c.quotes.apply(_tick("AAPL", T0))
    c.quotes.apply(_tick("MSFT", T0))
    c.subscriptions.subscribed_at["MSFT"] = T0 + timedelta(seconds=8)  # re-subscribed lately
    clock.advance(15)
    assert c.check_staleness(clock.now()) == []
    assert state_of(c) is ConnectionState.CONNECTED
    assert c.quotes.get("AAPL").stale  # type: ignore[union-attr]  # still shown as stale
