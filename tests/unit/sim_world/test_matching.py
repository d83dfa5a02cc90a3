"""The matching engine, commissions, positions and account values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apex_tui.sim.matching import OrderRejected
from apex_tui.sim.model import Instrument, OrderRequest, OrderStatus
from apex_tui.sim.world import World

from .conftest import NOW, make_world, stock

ACCOUNT = "DU1234567"
_ids = iter(range(1, 10_000))


def order(
    inst: Instrument, action: str, qty: float, kind: str = "MKT", **kw: object
) -> OrderRequest:
    return OrderRequest(next(_ids), 3, inst, action, qty, kind, **kw)  # type: ignore[arg-type]


def values(w: World) -> dict[str, float]:
    return {
        v.key: float(v.value)
        for v in w.account_values(ACCOUNT, NOW)
        if v.currency == "USD" and v.key != "Currency"
    }


def test_market_orders_fill_at_the_touch() -> None:
    w = make_world(partial_fills=False)
    inst = stock(w)
    q = w.quote(inst, NOW)
    buy = w.place(order(inst, "BUY", 100), NOW)
    sell = w.place(order(inst, "SELL", 100), NOW)
    assert [e.price for e in buy.executions] == [q.ask]
    assert [e.price for e in sell.executions] == [q.bid]
    assert buy.orders[-1].status == OrderStatus.FILLED
    assert buy.executions[0].side == "BOT" and sell.executions[0].side == "SLD"
    ids = [e.exec_id for e in w.executions()]
    assert len(set(ids)) == 2 and all(len(i.split(".")) == 4 for i in ids)
    assert buy.executions[0].perm_id != sell.executions[0].perm_id


def test_limit_order_rests_until_marketable() -> None:
    w = make_world(partial_fills=False)
    inst = stock(w)
    times = [NOW + timedelta(seconds=s) for s in range(1, 1200)]
    asks = [w.quote(inst, t).ask for t in times]
    limit = round(min(asks) + 0.01, 2)
    assert w.quote(inst, NOW).ask > limit  # not marketable when placed
    placed = w.place(order(inst, "BUY", 100, "LMT", lmt_price=limit), NOW)
    assert placed.executions == () and placed.orders[-1].status == OrderStatus.SUBMITTED
    for t, ask in zip(times, asks, strict=True):
        fills = w.match(t).executions
        if ask <= limit:
            assert [f.price for f in fills] == [ask]
            break
        assert fills == ()
    else:
        pytest.fail("the limit never became marketable")
    assert w.open_orders() == [] and w.completed_orders()[-1].status == OrderStatus.FILLED


def test_stop_triggers_then_fills_as_market() -> None:
    w = make_world(partial_fills=False)
    inst = stock(w)
    times = [NOW + timedelta(seconds=s) for s in range(1, 1200)]
    lasts = [w.quote(inst, t).last for t in times]
    stop = round(max(lasts) - 0.01, 2)
    placed = w.place(order(inst, "BUY", 100, "STP", aux_price=stop), NOW)
    assert placed.orders[-1].status == OrderStatus.PRE_SUBMITTED
    for t, last in zip(times, lasts, strict=True):
        events = w.match(t)
        if last >= stop:
            assert [f.price for f in events.executions] == [w.quote(inst, t).ask]
            break
        assert events.executions == ()


def test_partial_fills_take_at_most_the_displayed_size() -> None:
    w = make_world(partial_fills=True)
    inst = stock(w)
    shown = w.quote(inst, NOW).ask_size
    first = w.place(order(inst, "BUY", shown + 5000, "MKT"), NOW)
    assert [e.shares for e in first.executions] == [shown]
    assert first.orders[-1].status == OrderStatus.SUBMITTED
    t = NOW
    while w.open_orders():
        t += timedelta(milliseconds=250)
        for e in w.match(t).executions:
            assert e.shares <= w.quote(inst, t).ask_size
    fills = w.executions()
    assert sum(e.shares for e in fills) == shown + 5000 and fills[-1].cum_qty == shown + 5000


def test_commission_minimum_and_cap() -> None:
    w = make_world(partial_fills=False)
    cheap, pricey = stock(w, "PFE"), stock(w, "AAPL")
    small = w.place(order(cheap, "BUY", 10), NOW).executions[0]
    # 10 x $0.005 = $0.05 < $1 minimum, but 1 % of ~$250 is ~$2.5, so the minimum applies.
    assert small.commission == pytest.approx(1.0)
    big = w.place(order(pricey, "BUY", 1000), NOW).executions[0]
    assert big.commission == pytest.approx(5.0)  # 1000 x $0.005
    tiny = w.place(order(cheap, "BUY", 1), NOW).executions[0]
    assert tiny.commission == pytest.approx(0.01 * tiny.price, abs=1e-4)  # 1 % cap < $1


def test_realized_pnl_on_close_and_account_consistency() -> None:
    w = make_world(partial_fills=False)
    inst = stock(w)
    buy = w.place(order(inst, "BUY", 200), NOW).executions[0]
    assert buy.realized_pnl == 0.0
    later = NOW + timedelta(minutes=20)
    sell = w.place(order(inst, "SELL", 200), later).executions[0]
    expected = (sell.price - buy.price) * 200 - buy.commission - sell.commission
    assert sell.realized_pnl == pytest.approx(expected, abs=1e-6)
    assert w.positions() == []
    v = values(w)
    assert v["RealizedPnL"] == pytest.approx(expected, abs=0.01)
    assert v["NetLiquidation"] == pytest.approx(1_000_000 + expected, abs=0.01)


def test_net_liquidation_is_cash_plus_positions() -> None:
    w = make_world(partial_fills=False)
    a, b = stock(w, "AAPL"), stock(w, "XOM")
    w.place(order(a, "BUY", 300), NOW)
    w.place(order(b, "SELL", 500), NOW)
    v = values(w)
    items = w.portfolio(ACCOUNT, NOW)
    assert {i.instrument.symbol: i.position for i in items} == {"AAPL": 300, "XOM": -500}
    market = sum(i.market_value for i in items)
    assert v["NetLiquidation"] == pytest.approx(v["TotalCashValue"] + market, abs=0.02)
    assert v["GrossPositionValue"] == pytest.approx(
        sum(abs(i.market_value) for i in items), abs=0.02
    )
    assert v["UnrealizedPnL"] == pytest.approx(sum(i.unrealized_pnl for i in items), abs=0.02)
    assert v["AvailableFunds"] == pytest.approx(
        v["EquityWithLoanValue"] - v["InitMarginReq"], abs=0.02
    )
    assert v["BuyingPower"] == pytest.approx(4 * v["AvailableFunds"], abs=0.1)
    aapl = next(i for i in items if i.instrument.symbol == "AAPL")
    assert aapl.unrealized_pnl == pytest.approx(
        aapl.market_value - aapl.average_cost * 300, abs=0.02
    )


def test_what_if_reports_margin_and_commission(world: World) -> None:
    inst = stock(world)
    impact = world.what_if(order(inst, "BUY", 1000), NOW)
    notional = 1000 * world.quote(inst, NOW).ask
    assert impact.commission == pytest.approx(5.0)
    assert impact.init_margin_change == pytest.approx(0.25 * notional, rel=0.01)
    assert impact.init_margin_after == pytest.approx(
        impact.init_margin_before + impact.init_margin_change
    )
    assert world.positions() == [] and world.executions() == []


def test_cancel_and_rejections(world: World) -> None:
    inst = stock(world)
    resting = order(inst, "BUY", 100, "LMT", lmt_price=1.0)
    world.place(resting, NOW)
    assert len(world.open_orders(3)) == 1 and world.open_orders(99) == []
    cancelled = world.cancel(resting.order_id, 3, NOW)
    assert cancelled.orders[0].status == OrderStatus.CANCELLED
    with pytest.raises(KeyError):
        world.cancel(resting.order_id, 3, NOW)
    for bad in (
        order(inst, "BUY", 0),
        order(inst, "BUY", 10, "LMT"),
        order(inst, "BUY", 10, "STP"),
        order(inst, "BUY", 10, account="U999"),
        order(inst, "BUY", 10, "TRAIL"),
    ):
        with pytest.raises(OrderRejected):
            world.place(bad, NOW)


def test_exchange_hours_hold_quotes_and_orders() -> None:
    w = make_world(market_hours="exchange", partial_fills=False)
    inst = stock(w)
    saturday = NOW + timedelta(days=1)
    assert not w.market_open(inst, saturday)
    assert w.quote(inst, saturday) == w.quote(inst, saturday + timedelta(hours=5))
    held = w.place(order(inst, "BUY", 100), saturday)
    assert held.executions == () and held.orders[-1].status == OrderStatus.PRE_SUBMITTED
    monday_open = NOW + timedelta(days=3, minutes=-30, seconds=1)  # Mon 09:30:01 New York
    assert w.market_open(inst, monday_open)
    assert len(w.match(monday_open).executions) == 1
