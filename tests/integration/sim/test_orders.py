"""Orders through the simulator's matching engine, seen by ib_async."""

from __future__ import annotations

import asyncio

import pytest
from ib_async import IB, ExecutionFilter, LimitOrder, MarketOrder, Stock

from apex_tui.sim.server import SimulatorServer

from .conftest import IbErrors, connect, until

pytestmark = pytest.mark.integration
AAPL = Stock("AAPL", "SMART", "USD")


async def _quote(ib: IB, contract: Stock) -> tuple[float, float]:
    [t] = await asyncio.wait_for(ib.reqTickersAsync(contract), 2)
    return t.bid, t.ask


async def test_market_order_fills_with_exec_then_commission(ib: IB) -> None:
    events: list[str] = []
    ib.execDetailsEvent += lambda trade, fill: events.append("exec")
    ib.commissionReportEvent += lambda trade, fill, report: events.append("commission")
    ib.orderStatusEvent += lambda trade: events.append(trade.orderStatus.status)
    [contract] = await ib.qualifyContractsAsync(AAPL)
    trade = ib.placeOrder(contract, MarketOrder("BUY", 10))
    await until(trade.isDone, what="the fill")
    await until(lambda: "commission" in events, what="the commission report")
    assert trade.orderStatus.status == "Filled" and trade.orderStatus.filled == 10
    assert events.index("exec") < events.index("Filled") < events.index("commission")
    fill = trade.fills[0]
    assert fill.commissionReport.commission >= 1.0  # the per-order minimum
    assert fill.execution.side == "BOT" and fill.execution.clientId == 1
    await until(lambda: any(p.position == 10 for p in ib.positions()), what="the position")
    await until(lambda: any(p.position == 10 for p in ib.portfolio()), what="updatePortfolio")
    fills = await ib.reqExecutionsAsync(ExecutionFilter(symbol="AAPL", side="BUY"))
    assert [f.execution.execId for f in fills] == [f.execution.execId for f in trade.fills]
    assert await ib.reqExecutionsAsync(ExecutionFilter(side="SELL")) == []
    completed = await ib.reqCompletedOrdersAsync(False)
    assert any(t.order.permId == trade.order.permId for t in completed)


async def test_round_trip_flattens_position(ib: IB) -> None:
    [contract] = await ib.qualifyContractsAsync(Stock("MSFT", "SMART", "USD"))
    buy = ib.placeOrder(contract, MarketOrder("BUY", 5))
    await until(buy.isDone, what="the buy")
    sell = ib.placeOrder(contract, MarketOrder("SELL", 5))
    await until(sell.isDone, what="the sell")
    await until(lambda: not [p for p in ib.positions() if p.contract.conId == contract.conId],
                what="the flat position")  # fmt: skip


async def test_resting_limit_order_then_cancel_is_202(ib: IB, ib_errors: IbErrors) -> None:
    ib_errors.allow_codes(202)
    [contract] = await ib.qualifyContractsAsync(AAPL)
    bid, _ask = await _quote(ib, contract)
    trade = ib.placeOrder(contract, LimitOrder("BUY", 10, round(bid * 0.5, 2)))
    await until(lambda: trade.orderStatus.status == "Submitted", what="Submitted")
    assert [t.order.orderId for t in await ib.reqOpenOrdersAsync()] == [trade.order.orderId]
    codes: list[int] = []
    ib.errorEvent += lambda req_id, code, msg, c: codes.append(code)
    ib.cancelOrder(trade.order)
    await until(lambda: trade.orderStatus.status == "Cancelled", what="Cancelled")
    await until(lambda: 202 in codes, what="error 202")
    assert await ib.reqOpenOrdersAsync() == []


async def test_global_cancel(ib: IB, ib_errors: IbErrors) -> None:
    ib_errors.allow_codes(202)
    [contract] = await ib.qualifyContractsAsync(AAPL)
    bid, _ = await _quote(ib, contract)
    trades = [ib.placeOrder(contract, LimitOrder("BUY", 1, round(bid * f, 2))) for f in (0.5, 0.6)]
    await until(lambda: all(t.orderStatus.status == "Submitted" for t in trades), what="resting")
    ib.reqGlobalCancel()
    await until(lambda: all(t.orderStatus.status == "Cancelled" for t in trades), what="cancel")


async def test_limit_order_fills_when_marketable(ib: IB) -> None:
    [contract] = await ib.qualifyContractsAsync(AAPL)
    _bid, ask = await _quote(ib, contract)
    trade = ib.placeOrder(contract, LimitOrder("BUY", 3, round(ask * 1.02, 2)))
    await until(lambda: trade.orderStatus.status == "Filled", what="the marketable LMT fill")
    assert trade.orderStatus.avgFillPrice <= round(ask * 1.02, 2)


async def test_what_if_is_numeric(ib: IB) -> None:
    [contract] = await ib.qualifyContractsAsync(AAPL)
    _bid, ask = await _quote(ib, contract)
    state = await asyncio.wait_for(ib.whatIfOrderAsync(contract, LimitOrder("BUY", 100, ask)), 2)
    assert float(state.initMarginChange) > 0
    assert float(state.equityWithLoanAfter) > 0
    assert state.commission > 0
    assert ib.openTrades() == []  # a whatIf never becomes an order


async def test_fill_pushes_account_values(ib: IB) -> None:
    def cash() -> float:
        return next(float(v.value) for v in ib.accountValues()
                    if v.tag == "TotalCashValue" and v.currency == "USD")  # fmt: skip

    before = cash()
    [contract] = await ib.qualifyContractsAsync(AAPL)
    trade = ib.placeOrder(contract, MarketOrder("BUY", 10))
    await until(trade.isDone, what="the fill")
    await until(lambda: cash() < before, what="updateAccountValue after the fill")


async def test_orders_are_private_to_their_client(ib: IB, server: SimulatorServer) -> None:
    other = await connect(server, client_id=2)
    [contract] = await other.qualifyContractsAsync(AAPL)
    bid, _ = await _quote(other, contract)
    trade = other.placeOrder(contract, LimitOrder("BUY", 1, round(bid * 0.5, 2)))
    await until(lambda: trade.orderStatus.status == "Submitted", what="Submitted")
    assert await ib.reqOpenOrdersAsync() == []
    everyone = await ib.reqAllOpenOrdersAsync()
    assert [(t.order.clientId, t.order.orderId) for t in everyone] == [(2, trade.order.orderId)]
    other.disconnect()
