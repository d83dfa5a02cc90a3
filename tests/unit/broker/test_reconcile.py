"""Reconciliation after a gap: recovered fills, replays ignored, position and order diffs."""

from __future__ import annotations

from datetime import UTC, datetime

from ib_async import (
    CommissionReport,
    Execution,
    Fill,
    LimitOrder,
    OrderStatus,
    Position,
    Stock,
    Trade,
)

from apex_tui.broker.convert import execution_from_fill
from apex_tui.broker.reconcile import Reconciler
from apex_tui.broker.settings import RequestTimeouts
from apex_tui.domain.clock import FixedClock

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def fill(exec_id: str, symbol: str = "AAPL", shares: float = 10, side: str = "BOT") -> Fill:
    ex = Execution(
        execId=exec_id,
        time=T0,
        acctNumber="DU1",
        side=side,
        shares=shares,
        price=100.0,
        orderId=7,
        permId=70,
        clientId=1,
        orderRef="prop-1",
    )
    return Fill(Stock(symbol, "SMART", "USD"), ex, CommissionReport(), T0)


def trade(order_id: int, symbol: str, status: str = "Submitted") -> Trade:
    order = LimitOrder("BUY", 5, 99.0, orderId=order_id, permId=order_id * 10)
    return Trade(Stock(symbol, "SMART", "USD"), order, OrderStatus(orderId=order_id, status=status))


class FakeIB:
    def __init__(self) -> None:
        self.positions: list[Position] = []
        self.trades: list[Trade] = []
        self.fills: list[Fill] = []

    async def reqPositionsAsync(self) -> list[Position]:
        return self.positions

    async def reqOpenOrdersAsync(self) -> list[Trade]:
        return self.trades

    async def reqExecutionsAsync(self) -> list[Fill]:
        return self.fills

    def openTrades(self) -> list[Trade]:
        return self.trades


def make(ib: FakeIB) -> Reconciler:
    return Reconciler(ib, RequestTimeouts(), clock=FixedClock(T0))  # type: ignore[arg-type]


async def test_the_first_session_only_sets_the_baseline() -> None:
    ib = FakeIB()
    ib.fills = [fill("e1")]
    r = make(ib)
    assert await r.run(reason="initial sync", initial=True) is None
    assert r.seen_exec_ids == {"e1"}


async def test_fills_during_the_gap_are_recovered_and_replays_ignored() -> None:
    ib = FakeIB()
    r = make(ib)
    live = fill("e1")
    assert r.note_execution(execution_from_fill(live)) is True  # seen live before the gap
    assert r.note_execution(execution_from_fill(live)) is False  # a live replay
    r.capture({"AAPL": 10.0})
    ib.fills = [live, fill("e2", shares=5)]
    ib.positions = [Position("DU1", Stock("AAPL", "SMART", "USD"), 15.0, 100.0)]
    cp = await r.run(reason="connection lost", initial=False)
    assert cp is not None
    assert [e.exec_id for e in cp.recovered_fills] == ["e2"]
    assert cp.recovered_fills[0].order_ref == "prop-1" and cp.recovered_fills[0].qty == 5
    assert cp.replayed_exec_ids == 1
    assert [(d.symbol, d.local_qty, d.broker_qty) for d in cp.position_diffs] == [
        ("AAPL", 10.0, 15.0)
    ]
    assert not cp.clean
    # the same executions reported again after another gap are all replays
    r.capture({"AAPL": 15.0})
    again = await r.run(reason="again", initial=False)
    assert again is not None and again.recovered_fills == () and again.replayed_exec_ids == 2
    assert again.clean


async def test_orders_that_vanished_or_appeared_during_the_gap_are_listed() -> None:
    ib = FakeIB()
    r = make(ib)
    ib.trades = [trade(1, "AAPL"), trade(2, "MSFT")]
    await r.run(reason="initial sync", initial=True)
    ib.trades = [trade(2, "MSFT"), trade(3, "SPY"), trade(4, "QQQ", status="Filled")]
    cp = await r.run(reason="lost", initial=False)
    assert cp is not None
    assert [o.order_id for o in cp.orders_gone] == [1]
    assert [o.order_id for o in cp.orders_new] == [3]  # a filled order is not open
    assert {o.order_id for o in cp.open_orders} == {2, 3}


async def test_a_position_closed_during_the_gap_is_a_diff_to_zero() -> None:
    ib = FakeIB()
    r = make(ib)
    r.capture({"AAPL": 10.0})
    cp = await r.run(reason="lost", initial=False)
    assert cp is not None
    assert [(d.symbol, d.broker_qty) for d in cp.position_diffs] == [("AAPL", 0.0)]
