"""The simulator's messages read back by ib_async's own Decoder, and ib_async's requests
parsed by the simulator: the two halves of the protocol checked against the real client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ib_async import LimitOrder, MarketOrder, Option, Order, Stock, StopLimitOrder
from ib_async.order import PriceCondition

from apex_tui.sim import outgoing as out
from apex_tui.sim.incoming import (
    parse_place_order,
    parse_req_historical_data,
    parse_req_mkt_data,
)
from apex_tui.sim.model import (
    AccountValue,
    Execution,
    Instrument,
    OrderRequest,
    OrderState,
    OrderStatus,
    PortfolioItem,
    SecType,
    WhatIf,
)
from apex_tui.sim.wire import FieldError, FrameBuffer, Reader

from .ib_codec import client_fields, decode

AAPL = Instrument(265598, "AAPL", SecType.STK, "NASDAQ", long_name="APPLE INC",
                  industry="Technology")  # fmt: skip
CALL = Instrument(
    900001, "AAPL", SecType.OPT, "", multiplier="100", last_trade_date="20260116",
    strike=270.0, right="C", underlying_con_id=265598, underlying_symbol="AAPL",
    local_symbol="AAPL  260116C00270000", trading_class="AAPL",
)  # fmt: skip
T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def _state(status: OrderStatus = OrderStatus.SUBMITTED, what_if: bool = False) -> OrderState:
    req = OrderRequest(7, 3, AAPL, "BUY", 100, "LMT", lmt_price=150.5, account="DU1",
                       order_ref="ref-1", what_if=what_if)  # fmt: skip
    return OrderState(req, 4242, status, 0, 100, 0, 0)


def _fields(message: bytes) -> list[str]:
    buf = FrameBuffer()
    buf.feed(message)
    (fields,) = buf.frames()
    return fields


def test_open_order_decodes_with_the_clients_id_and_126_fields() -> None:
    msg = out.open_order(_state())
    assert len(_fields(msg)) == 127  # the id plus 126 fields, as a gateway sends a plain LMT
    [(name, (order_id, contract, order, state))] = decode(msg)
    assert name == "openOrder"
    assert (order_id, order.clientId, order.permId) == (7, 3, 4242)
    assert (order.action, order.totalQuantity, order.lmtPrice) == ("BUY", 100.0, 150.5)
    assert (contract.symbol, contract.conId, state.status) == ("AAPL", 265598, "Submitted")
    assert order.orderRef == "ref-1" and not order.whatIf


def test_what_if_open_order_carries_numeric_margins() -> None:
    impact = WhatIf(1, 2, 3, 4000.5, 5, 6, 7, 8, 9, 1.25, 1.0, 2.0)
    [(_, (_, _, order, state))] = decode(out.open_order(_state(what_if=True), impact))
    assert order.whatIf
    assert float(state.initMarginChange) == 4000.5  # ib_async calls float() on these
    assert state.commission == 1.25 and state.commissionCurrency == "USD"


def test_completed_order_decodes() -> None:
    [(name, (contract, order, state))] = decode(
        out.completed_order(_state(OrderStatus.FILLED), "20260105 10:00:00 US/Eastern")
    )
    assert name == "completedOrder"
    assert (contract.symbol, order.permId, state.status) == ("AAPL", 4242, "Filled")
    assert state.completedStatus == "Filled"


def test_order_status_carries_client_id() -> None:
    [(name, args)] = decode(out.order_status(_state()))
    assert name == "orderStatus"
    assert args[0] == 7 and args[1] == "Submitted" and args[8] == 3  # orderId, status, clientId


def test_exec_details_and_commission_report() -> None:
    e = Execution("0001.01", 7, 3, 4242, AAPL, "DU1", "BOT", 100, 150.5, T0, 100, 150.5,
                  "ref-1", 1.0, 0.0)  # fmt: skip
    [(name, (req_id, contract, ex))] = decode(out.exec_details(-1, e))
    assert (name, req_id, ex.execId, ex.side, ex.shares) == ("execDetails", -1, "0001.01",
                                                             "BOT", 100.0)  # fmt: skip
    assert ex.time == T0  # the Eastern time string round-trips to the same instant
    assert contract.conId == 265598
    [(name, (report,))] = decode(out.commission_report(e))
    assert (name, report.execId, report.commission) == ("commissionReport", "0001.01", 1.0)


def test_contract_details_for_stock_and_option() -> None:
    [(_, (req_id, cd))] = decode(out.contract_details(5, AAPL))
    assert (req_id, cd.contract.conId, cd.contract.primaryExchange) == (5, 265598, "NASDAQ")
    assert cd.industry == "Technology" and cd.minTick == 0.01
    [(_, (_, cd))] = decode(out.contract_details(6, CALL))
    c = cd.contract
    assert (c.secType, c.strike, c.right, c.lastTradeDateOrContractMonth) == (
        "OPT",
        270.0,
        "C",
        "20260116",
    )
    assert (c.multiplier, cd.underConId) == ("100", 265598)


def test_exact_messages_have_exact_field_counts() -> None:
    item = PortfolioItem(AAPL, 100, 151, 15100, 150.5, 50, 0)
    [(name, args)] = decode(out.update_portfolio("DU1", item))
    assert name == "updatePortfolio" and args[1:] == (100, 151, 15100, 150.5, 50, 0, "DU1")
    [(name, args)] = decode(out.position("DU1", item))
    assert name == "position" and args[0] == "DU1" and args[2:] == (100, 150.5)
    [(name, args)] = decode(out.tick_price(3, 1, 150.25, 300))
    assert (name, args) == ("priceSizeTick", (3, 1, 150.25, 300.0))
    [(name, args)] = decode(
        out.update_account_value("DU1", AccountValue("NetLiquidation", "1000", "USD"))
    )
    assert (name, args) == ("updateAccountValue", ("NetLiquidation", "1000", "USD", "DU1"))


def test_error_message_has_the_advanced_reject_field() -> None:
    [(name, args)] = decode(out.error(4, 200, "No security definition"))
    assert (name, args) == ("error", (4, 200, "No security definition", ""))


def test_historical_update_field_order() -> None:
    [(name, (req_id, bar))] = decode(
        out.historical_data_update(
            9, 3, "20260105 10:00:00 US/Eastern", o=1, h=4, low=0.5, c=2, wap=1.8, volume=700
        )
    )
    assert name == "historicalDataUpdate" and req_id == 9
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (1, 4, 0.5, 2, 700)


@pytest.mark.parametrize(
    "order",
    [MarketOrder("BUY", 10), LimitOrder("SELL", 5, 101.25), StopLimitOrder("BUY", 1, 10, 9.5),
     Order(action="BUY", totalQuantity=3, orderType="STP", auxPrice=99.0, whatIf=True)],
)  # fmt: skip
def test_place_order_parses_what_ib_async_sends(order: Order) -> None:
    fields = client_fields("placeOrder", 11, Stock("AAPL", "SMART", "USD"), order)
    p = parse_place_order(Reader(fields, 1))
    assert (p.order_id, p.contract.symbol, p.action) == (11, "AAPL", order.action)
    assert (p.total_qty, p.order_type, p.what_if) == (order.totalQuantity, order.orderType,
                                                      order.whatIf)  # fmt: skip
    assert p.lmt_price == (None if order.orderType in ("MKT", "STP") else order.lmtPrice)


def test_place_order_with_conditions_and_algo_keeps_its_place() -> None:
    order = LimitOrder("BUY", 1, 10.0, algoStrategy="Adaptive")
    order.conditions = [PriceCondition(price=5.0, conId=1, exch="SMART")]
    fields = client_fields("placeOrder", 12, Stock("AAPL", "SMART", "USD"), order)
    assert parse_place_order(Reader(fields, 1)).lmt_price == 10.0


def test_truncated_place_order_is_a_field_error() -> None:
    fields = client_fields("placeOrder", 11, Stock("AAPL", "SMART", "USD"), MarketOrder("BUY", 1))
    with pytest.raises(FieldError):
        parse_place_order(Reader(fields[:60], 1))


def test_req_mkt_data_and_historical_parse() -> None:
    opt = Option("AAPL", "20260116", 270, "C", "SMART")
    fields = client_fields("reqMktData", 4, opt, "", True, False, [])
    m = parse_req_mkt_data(Reader(fields, 1))
    assert (m.req_id, m.snapshot, m.contract.strike, m.contract.right) == (4, True, 270.0, "C")
    fields = client_fields("reqHistoricalData", 8, Stock("AAPL", "SMART", "USD"),
                           "20260105 21:00:00 UTC", "1 D", "5 mins", "TRADES", True, 1, True,
                           [])  # fmt: skip
    h = parse_req_historical_data(Reader(fields, 1))
    assert (h.req_id, h.duration, h.bar_size, h.use_rth, h.keep_up_to_date) == (
        8,
        "1 D",
        "5 mins",
        True,
        True,
    )
