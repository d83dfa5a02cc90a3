"""Orders through the gateway, and reconciliation after a gap: recovered fills, replays."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.broker.states import ConnectionState as S
from apex_tui.domain.orders import OrderEvent, OrderEventKind, OrderSpec, OrderType, Side
from apex_tui.domain.portfolio import Execution, ReconnectCheckpoint
from apex_tui.sim.model import OrderRequest
from apex_tui.sim.server import SimulatorServer
from tests.integration.broker.conftest import fast_settings, until

pytestmark = pytest.mark.integration


async def _connected(c: Connector) -> None:
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    await c.add_symbol("AAPL")


async def test_a_market_order_is_accepted_and_filled_with_its_order_ref(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await _connected(c)
    events: list[OrderEvent] = []
    gw = c.order_gateway(events.append)
    spec = OrderSpec("AAPL", Side.BUY, 10, OrderType.MKT, order_ref="prop-42")
    broker_ref = await gw.place(spec)
    await until(lambda: any(e.kind is OrderEventKind.FILL for e in events), what="a fill")
    fills = [e.fill for e in events if e.fill is not None]
    assert sum(f.qty for f in fills) == 10
    assert all(e.order_ref == "prop-42" and e.broker_ref == broker_ref for e in events)
    assert all(f.side is Side.BUY and f.symbol == "AAPL" for f in fills)
    await until(lambda: c.portfolio.quantities().get("AAPL") == 10, what="the position")


async def test_cancel_of_a_resting_limit_order_is_reported(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    await _connected(c)
    await until(lambda: (q := c.quotes.get("AAPL")) is not None and q.bid > 0, what="a bid")
    quote = c.quotes.get("AAPL")
    assert quote is not None
    events: list[OrderEvent] = []
    gw = c.order_gateway(events.append)
    low = round(quote.bid * 0.5, 2)  # far below the market: rests
    ref = await gw.place(OrderSpec("AAPL", Side.BUY, 5, OrderType.LMT, "prop-7", low))
    await until(lambda: any(e.kind is OrderEventKind.ACCEPTED for e in events), what="accept")
    await gw.cancel(ref)
    await until(lambda: any(e.kind is OrderEventKind.CANCELLED for e in events), what="cancel")
    kinds = [e.kind for e in events]
    assert kinds.count(OrderEventKind.CANCELLED) == 1
    what_if = await gw.what_if(OrderSpec("AAPL", Side.BUY, 5, OrderType.LMT, "prop-8", low))
    assert what_if.init_margin_change > 0


async def test_fills_during_a_disconnect_are_recovered_and_replays_ignored(
    sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(sim.port))
    live: list[Execution] = []
    checkpoints: list[ReconnectCheckpoint] = []
    c.on_fill(live.append)
    c.on_checkpoint(checkpoints.append)
    await _connected(c)
    gw = c.order_gateway(lambda _e: None)
    await gw.place(OrderSpec("AAPL", Side.BUY, 10, OrderType.MKT, order_ref="prop-live"))
    await until(lambda: sum(e.qty for e in live) == 10, what="the live fill")
    await until(lambda: c.portfolio.quantities().get("AAPL") == 10, what="position 10")
    live_ids = {e.exec_id for e in live}

    # Drop the session and, before the client can reconnect (same loop, no await in
    # between), fill an order of this client at the simulated broker.
    sim.faults.disconnect_all()
    [inst] = sim.world.find("AAPL", "STK")
    req = OrderRequest(
        order_id=9001, client_id=1, instrument=inst, action="BUY", total_qty=5,
        order_type="MKT", account=sim.world.accounts[0], order_ref="prop-gap",
    )  # fmt: skip
    sim.trading.emit(sim.world.place(req, sim.clock.now()))

    await until(lambda: len(checkpoints) == 1, within=10, what="a reconnect checkpoint")
    cp = checkpoints[0]
    assert [(e.order_ref, e.qty, e.side) for e in cp.recovered_fills] == [("prop-gap", 5, "BOT")]
    assert cp.replayed_exec_ids == len(live_ids)  # the live fill, reported again: ignored
    assert [(d.symbol, d.local_qty, d.broker_qty) for d in cp.position_diffs] == [("AAPL", 10, 15)]
    assert not cp.clean and c.checkpoint is cp
    # the recovered fill reached the order path once; the replayed one not again
    assert [e.order_ref for e in live] == ["prop-live"] * len(live_ids) + ["prop-gap"]
    await until(lambda: c.portfolio.quantities().get("AAPL") == 15, what="position 15")

    # another gap with nothing new: every execution is a replay, the checkpoint is clean
    sim.faults.disconnect_all()
    await until(lambda: len(checkpoints) == 2, within=10, what="a second checkpoint")
    assert checkpoints[1].clean and checkpoints[1].replayed_exec_ids == len(live_ids) + 1
