"""Supervision against the simulator: drops, IB notices, half-open sockets, the line budget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.broker.states import ConnectionState as S
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings
from tests.integration.broker.conftest import fast_settings, until

pytestmark = pytest.mark.integration

SYMBOLS = ["AAPL", "MSFT", "SPY"]


async def _streaming(c: Connector, symbols: list[str]) -> None:
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    for s in symbols:
        await c.add_symbol(s)
    await until(
        lambda: all((q := c.quotes.get(s)) and q.time for s in symbols),
        what="quotes for every symbol",
    )


async def _saw(c: Connector, state: S, since: int, *, within: float = 5.0) -> str:
    """Wait for a transition to `state` after history index `since`; returns its reason.

    Reconnecting to a local simulator takes milliseconds, so the current state may already
    have moved on: the board's history is what records that the transition happened.
    """

    def found() -> str | None:
        return next((t.reason for t in c.board.history[since:] if t.state is state), None)

    await until(lambda: found() is not None, within=within, what=f"a transition to {state}")
    reason = found()
    assert reason is not None
    return reason


def _times(c: Connector) -> dict[str, datetime | None]:
    return {s: (q.time if (q := c.quotes.get(s)) else None) for s in c.watchlist}


async def _ticks_after(c: Connector, before: dict[str, datetime | None]) -> None:
    def fresh() -> bool:
        now = _times(c)
        return all(
            now[s] is not None and (before[s] is None or now[s] > before[s])  # type: ignore[operator]
            for s in before
        )

    await until(fresh, what="new ticks on every symbol")


async def test_disconnect_backoff_reconnect_restores_the_same_subscriptions(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await _streaming(c, SYMBOLS)
    assert sim.market.lines_used == len(SYMBOLS)
    sent_before = c.subscriptions.requests_sent
    mark = len(c.board.history)
    sim.faults.disconnect_all()
    assert "lost" in await _saw(c, S.RECONNECTING, mark)
    await c.wait_for_state(S.CONNECTED, within=10)
    assert c.supervisor.sessions == 2
    assert c.subscriptions.streaming == SYMBOLS
    assert c.subscriptions.requests_sent == sent_before + len(SYMBOLS)  # one each, no extras
    await until(lambda: sim.market.lines_used == len(SYMBOLS), what="lines restored at the sim")
    await _ticks_after(c, _times(c))
    assert sim.market.lines_used == len(SYMBOLS)


async def test_1100_degrades_and_1102_restores(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await _streaming(c, SYMBOLS)
    mark = len(c.board.history)
    sim.faults.notice(1100)
    assert "1100" in await _saw(c, S.DEGRADED, mark)
    sim.faults.notice(1102)
    await c.wait_for_state(S.CONNECTED, within=5)
    await _ticks_after(c, _times(c))
    assert sim.market.lines_used == len(SYMBOLS)


async def test_1101_resubscribes_the_same_set_without_duplicates(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await _streaming(c, SYMBOLS)
    sim.faults.notice(1100)
    await c.wait_for_state(S.DEGRADED, within=5)
    sim.faults.notice(1101)  # the simulator drops every line: data lost
    await c.wait_for_state(S.CONNECTED, within=5)
    await until(lambda: sim.market.lines_used == len(SYMBOLS), what="lines re-requested")
    await _ticks_after(c, _times(c))
    assert sim.market.lines_used == len(SYMBOLS)
    assert c.subscriptions.streaming == SYMBOLS


async def test_market_farm_down_degrades_until_it_is_back(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await _streaming(c, ["AAPL"])
    mark = len(c.board.history)
    sim.faults.farm_down("market", 0.5)
    assert "usfarm" in await _saw(c, S.DEGRADED, mark)
    await c.wait_for_state(S.CONNECTED, within=5)


async def test_half_open_socket_is_detected_by_the_heartbeat(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port, heartbeat_interval=0.3, connect_timeout=1.0))
    await _streaming(c, ["AAPL"])
    mark = len(c.board.history)
    sim.faults.stall(2.0)
    reason = await _saw(c, S.RECONNECTING, mark, within=3)
    assert "heartbeat" in reason and "half-open" in reason
    await c.wait_for_state(S.CONNECTED, within=15)
    assert c.subscriptions.streaming == ["AAPL"]


async def test_symbols_beyond_the_line_budget_are_listed_with_the_reason(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port, max_lines=2))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    for s in SYMBOLS:
        await c.add_symbol(s)
    assert c.subscriptions.streaming == ["AAPL", "MSFT"]
    assert "line budget" in c.not_streaming["SPY"] and "max_lines=2" in c.not_streaming["SPY"]
    assert sim.market.lines_used == 2
    c.remove_symbol("AAPL")
    await until(lambda: c.subscriptions.streaming == ["MSFT", "SPY"], what="SPY promoted")
    assert c.not_streaming == {}
    await until(lambda: sim.market.lines_used == 2, what="AAPL's line freed at the sim")


async def test_ibs_own_line_limit_is_reported_per_symbol(
    make_connector: Callable[..., Connector],
) -> None:
    async with SimulatorServer(ServerSettings(max_lines=2), WorldSettings(seed=7)) as srv:
        c = make_connector(fast_settings(srv.port, max_lines=100))
        await c.start()
        await c.wait_for_state(S.CONNECTED, within=10)
        for s in SYMBOLS:
            await c.add_symbol(s)
        await until(lambda: "SPY" in c.not_streaming, what="IB's error 101 for SPY")
        assert "101" in c.not_streaming["SPY"]
        assert c.subscriptions.streaming == ["AAPL", "MSFT"]
        await c.stop()


async def test_gateway_restart_backs_off_then_reconnects_with_the_same_lines(
    make_connector: Callable[..., Connector],
) -> None:
    world = WorldSettings(seed=7, tick_ms=50)
    first = SimulatorServer(ServerSettings(), world)
    port = await first.start()
    c = make_connector(fast_settings(port, backoff_base=0.2, backoff_max=1.0, backoff_jitter=0))
    try:
        await _streaming(c, SYMBOLS)
        mark = len(c.board.history)
        await first.stop()  # the gateway goes away: connection refused until it is back
        await until(
            lambda: sum("retrying in" in t.reason for t in c.board.history[mark:]) >= 3,
            within=10,
            what="three refused attempts",
        )
    finally:
        await first.stop()
    delays = [
        float(t.reason.rsplit("retrying in ", 1)[1].split()[0])
        for t in c.board.history[mark:]
        if "retrying in" in t.reason
    ]
    assert delays[:3] == [0.2, 0.4, 0.8]  # doubling, no jitter
    assert all(
        f"127.0.0.1:{port}" in t.reason for t in c.board.history[mark:] if "retrying in" in t.reason
    )
    async with SimulatorServer(ServerSettings(port=port), world) as second:
        await c.wait_for_state(S.CONNECTED, within=10)
        await until(lambda: second.market.lines_used == len(SYMBOLS), what="lines restored")
        assert c.subscriptions.streaming == SYMBOLS
        await _ticks_after(c, _times(c))
        await c.stop()
