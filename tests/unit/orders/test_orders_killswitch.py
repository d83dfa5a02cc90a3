"""Kill switch with working orders against a fake gateway; shadow P&L per generator."""

from __future__ import annotations

import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.errors import ApprovalRefused, BrokerError
from apex_tui.domain.orders import OrderEventKind, OrderType, Side
from apex_tui.orders.killswitch import KillSwitch
from apex_tui.orders.manager import OrderManager
from apex_tui.orders.shadow import ShadowBook
from apex_tui.orders.state_machine import OrderState
from apex_tui.risk.states import TradingState, TradingStatus
from tests.unit.orders.approval_world import World
from tests.unit.orders.order_fakes import T0, FakeGateway, ListJournal, event, spec


async def working_manager() -> tuple[OrderManager, FakeGateway, ListJournal, TradingStatus]:
    gw, journal, clock = FakeGateway(), ListJournal(), FixedClock(T0)
    mgr = OrderManager(gw, clock, journal=journal, place_timeout_s=0.05, cancel_timeout_s=0.05)
    for ref in ("A", "B"):
        await mgr.submit(spec(ref))
        mgr.on_event(event(OrderEventKind.ACCEPTED, ref=ref))
    return mgr, gw, journal, TradingStatus(clock)


async def test_kill_halts_cancels_everything_and_journals_first() -> None:
    mgr, gw, journal, status = await working_manager()
    kill = KillSwitch(mgr, status, FixedClock(T0), journal=journal)
    report = await kill.engage()
    assert report.ok
    assert status.state is TradingState.HALTED
    assert gw.global_cancels == 1
    assert {v.order_ref for v in report.cancelled} == {"A", "B"}
    assert report.flattened == ()
    kinds = journal.kinds()
    first_cancel = next(
        i for i, (_, d) in enumerate(journal.records) if d.get("trigger") == "CANCEL_REQUESTED"
    )
    assert kinds.index("kill_switch") < first_cancel  # journal before effect
    for ref in ("A", "B"):
        mgr.on_event(event(OrderEventKind.CANCELLED, ref=ref))
    assert mgr.open_orders() == []


async def test_kill_flattens_when_configured() -> None:
    mgr, gw, _, status = await working_manager()
    kill = KillSwitch(
        mgr,
        status,
        FixedClock(T0),
        flatten=True,
        positions=lambda: {"AAPL": 120.0, "MSFT": -30.0, "XOM": 0.0},
    )
    report = await kill.engage()
    flat = {v.spec.symbol: v.spec for v in report.flattened}
    assert set(flat) == {"AAPL", "MSFT"}
    assert flat["AAPL"].side is Side.SELL and flat["AAPL"].qty == 120
    assert flat["MSFT"].side is Side.BUY and flat["MSFT"].qty == 30
    assert all(s.order_type is OrderType.MKT for s in flat.values())
    assert len(gw.placed) == 2 + 2  # two working orders before, two flatten orders


async def test_kill_reports_a_failed_global_cancel_but_still_halts() -> None:
    mgr, gw, _, status = await working_manager()
    gw.global_cancel_error = BrokerError("not connected")
    report = await KillSwitch(mgr, status, FixedClock(T0)).engage()
    assert not report.ok and "global cancel failed" in report.errors[0]
    assert status.state is TradingState.HALTED
    view = mgr.get("A")
    assert view is not None and view.state is OrderState.WORKING


async def test_after_kill_approvals_are_refused() -> None:
    w = World()
    p = w.propose()
    await KillSwitch(w.manager, w.status, w.clock, journal=w.journal).engage()
    with pytest.raises(ApprovalRefused, match="HALTED"):
        await w.queue.approve(p.id)
    assert not w.gateway.placed


def test_shadow_pnl_per_generator() -> None:
    w = World()
    a = w.propose(Side.BUY, qty=10, generator="sma")  # limit 100.05
    b = w.propose(Side.SELL, qty=20, generator="sma")  # limit 99.95
    c = w.propose(Side.BUY, qty=5, generator="rsi")
    w.queue.reject(a.id)
    w.queue.reject(b.id)
    w.clock.advance(61)
    w.queue.expire_due()
    assert c.id not in {p.id for p in w.queue.pending()}
    pnl = w.shadow.pnl_by_generator({"AAPL": 101.0})
    # sma: +10 x (101 - 100.05) and -20 x (101 - 99.95) = 9.5 - 21 = -11.5
    assert pnl["sma"].pnl == pytest.approx(-11.5)
    assert (pnl["sma"].rejected, pnl["sma"].expired) == (2, 0)
    assert pnl["rsi"].pnl == pytest.approx(5 * (101 - 100.05))
    assert pnl["rsi"].expired == 1
    unmarked = ShadowBook()
    unmarked.record(c, "expired")
    assert unmarked.pnl_by_generator({})["rsi"].unmarked == 1
