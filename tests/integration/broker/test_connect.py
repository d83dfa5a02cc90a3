"""Connecting: sync, clear failures (refused, clientId in use, account), unknown symbols."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

import pytest
from ib_async import IB

from apex_tui.broker.connector import Connector
from apex_tui.broker.states import ConnectionState as S
from apex_tui.domain.errors import ValidationError
from apex_tui.sim.server import SimulatorServer
from tests.integration.broker.conftest import fast_settings, until

pytestmark = pytest.mark.integration


async def test_connect_sync_and_stream_quotes(
    sim: SimulatorServer,
    make_connector: Callable[..., Connector],
    ib_exceptions: Callable[[], list[str]],
) -> None:
    c = make_connector(fast_settings(sim.port))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    states = [t.state for t in c.board.history]
    assert states[:3] == [S.CONNECTING, S.SYNCING, S.CONNECTED]
    assert c.board.accounts == tuple(sim.world.accounts)
    assert c.board.server_version == 178
    await c.add_symbol("aapl")
    assert c.watchlist == ["AAPL"]
    await until(
        lambda: (q := c.quotes.get("AAPL")) is not None and not math.isnan(q.last),
        what="a first AAPL quote",
    )
    first = c.quotes.get("AAPL")
    assert first is not None and first.bid <= first.ask
    assert not math.isnan(first.close)
    await until(
        lambda: (q := c.quotes.get("AAPL")) is not None and q.time != first.time,
        what="a second AAPL update",
    )
    await until(
        lambda: not math.isnan(c.portfolio.account().net_liquidation), what="account values"
    )
    await until(lambda: c.board.heartbeat_rtt is not None, what="an answered heartbeat")
    assert 0 <= (c.board.heartbeat_rtt or 0) < 1.0
    assert ib_exceptions() == []


async def test_unknown_symbol_is_refused_with_ibs_reason(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    with pytest.raises(ValidationError) as info:
        await c.add_symbol("ZZZZQ")
    assert info.value.code == 200
    assert "ZZZZQ" in str(info.value)
    assert c.watchlist == []
    with pytest.raises(ValidationError, match="path separator"):
        await c.add_symbol("A/B")


async def test_unreachable_gateway_names_the_address_and_what_to_check(
    free_port: int, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(free_port, max_failures=3))
    await c.start()
    await c.wait_for_state(S.RECONNECTING, within=5)
    reason = c.board.reason
    assert f"127.0.0.1:{free_port}" in reason
    assert "refused" in reason and "API" in reason and "port" in reason
    await c.wait_for_state(S.STOPPED, within=10)
    assert "press R" in c.board.reason and "3 failed attempts" in c.board.reason
    stopped_at = c.board.version
    c.reconnect_now()
    await until(
        lambda: c.board.version > stopped_at and c.board.state is not S.STOPPED,
        what="a new attempt after R",
    )


async def test_duplicate_client_id_fails_fast_without_waiting_the_timeout(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    other = IB()
    await other.connectAsync("127.0.0.1", sim.port, clientId=5, timeout=5)
    try:
        c = make_connector(fast_settings(sim.port, client_id=5, connect_timeout=20.0))
        started = time.monotonic()
        await c.start()
        await c.wait_for_state(S.STOPPED, within=5)
        assert time.monotonic() - started < 3.0  # far below the 20 s connect timeout
        assert "clientId 5 is already in use" in c.board.reason
        assert "326" in c.board.reason
    finally:
        other.disconnect()


async def test_account_not_managed_is_reported(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port, account="U9999999", connect_timeout=20.0))
    await c.start()
    await c.wait_for_state(S.STOPPED, within=5)
    assert "U9999999" in c.board.reason
    assert sim.world.accounts[0] in c.board.reason


async def test_stop_disconnects_and_reports_it(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    await c.stop()
    assert c.board.state is S.DISCONNECTED
    await until(lambda: not sim.by_client, what="the simulator to see the client leave")
    await asyncio.sleep(0)


async def test_client_id_held_by_our_lost_session_is_retried_not_given_up(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    """After a loss, a 326 means the gateway has not closed our old session yet (a half-open
    link it has not noticed): the connector keeps retrying until the id is free, instead of
    stopping for the trader as it does when another program holds the id from the start."""
    c = make_connector(fast_settings(sim.port, client_id=6, backoff_base=0.3, backoff_max=0.3))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    sim.faults.disconnect_all()
    holder = IB()  # stands in for the gateway still holding the lost session's id
    await holder.connectAsync("127.0.0.1", sim.port, clientId=6, timeout=5)
    try:
        await until(lambda: any("still in use" in t.reason for t in c.board.history), what="a 326")
        refused = [t for t in c.board.history if "still in use" in t.reason]
        assert all(t.state is S.RECONNECTING and "retrying in" in t.reason for t in refused)
    finally:
        holder.disconnect()
    await c.wait_for_state(S.CONNECTED, within=10)
    assert S.STOPPED not in [t.state for t in c.board.history]
    assert c.supervisor.sessions == 2
