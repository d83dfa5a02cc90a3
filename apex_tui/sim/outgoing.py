"""Server -> client messages at server version 178, encoded exactly as ib_async's `Decoder`
unpacks them.

Messages the decoder unpacks strictly ("EXACT": tickPrice, updatePortfolio, position,
commissionReport, managedAccounts, nextValidId) carry exactly the fields it expects; the long
openOrder / completedOrder layouts are written in the decoder's order, one line per group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from apex_tui.sim.model import (
    AccountValue,
    Execution,
    Instrument,
    OptionParams,
    OrderState,
    PortfolioItem,
    SecType,
    WhatIf,
)
from apex_tui.sim.wire import encode, fmt, frame

EASTERN = ZoneInfo("US/Eastern")
# What a gateway writes for "no value" in numeric order-state fields.
UNSET_TEXT = "1.7976931348623157E308"
_ORDER_TYPES = (
    "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,"
    "DEACTEOD,GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,PEGBENCH,SCALE,"
    "SCALERST,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
)
_STOCK_EXCHANGES = "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,ISLAND,DRCTEDGE,BEX,BATS,EDGEA,IEX"
_OPTION_EXCHANGES = "SMART,AMEX,CBOE,PHLX,PSE,ISE,BOX,BATS,NASDAQOM,CBOE2,MIAX,GEMINI,EDGX"


def ib_time(t: datetime, tz: ZoneInfo = EASTERN) -> str:
    """'YYYYmmdd HH:MM:SS US/Eastern', the dated form ib_async parses with its zone."""
    return t.astimezone(tz).strftime("%Y%m%d %H:%M:%S ") + str(tz)


def handshake(version: int, now: datetime) -> bytes:
    local = now.astimezone(EASTERN)
    return encode(version, local.strftime("%Y%m%d %H:%M:%S ") + (local.tzname() or "EST"))


def managed_accounts(accounts: Sequence[str]) -> bytes:
    return encode(15, 1, ",".join(accounts))


def next_valid_id(order_id: int) -> bytes:
    return encode(9, 1, order_id)


def error(req_id: int, code: int, message: str) -> bytes:
    return encode(4, 2, req_id, code, message, "")


def current_time(epoch: int) -> bytes:
    return encode(49, 1, epoch)


# --- market data -------------------------------------------------------------------------


def _num(value: float) -> str:
    return str(value) if type(value) is int else fmt(value)


# tickPrice and tickSize are most of the traffic: encoded directly rather than via encode().
def tick_price(req_id: int, tick_type: int, price: float, size: float, attrib: int = 0) -> bytes:
    return frame(f"1\x006\x00{req_id}\x00{tick_type}\x00{_num(price)}\x00{_num(size)}\x00"
                 f"{attrib}\x00".encode())  # fmt: skip


def tick_size(req_id: int, tick_type: int, size: float) -> bytes:
    return frame(f"2\x006\x00{req_id}\x00{tick_type}\x00{_num(size)}\x00".encode())


def tick_string(req_id: int, tick_type: int, value: str) -> bytes:
    return encode(46, 6, req_id, tick_type, value)


def tick_req_params(req_id: int, min_tick: float, bbo_exchange: str, permissions: int) -> bytes:
    return encode(81, req_id, min_tick, bbo_exchange, permissions)


def market_data_type(req_id: int, data_type: int) -> bytes:
    return encode(58, 1, req_id, data_type)


def tick_snapshot_end(req_id: int) -> bytes:
    return encode(57, 1, req_id)


# --- contracts ---------------------------------------------------------------------------


def contract_details(req_id: int, inst: Instrument) -> bytes:
    is_option = inst.sec_type == SecType.OPT
    return encode(
        10, req_id, inst.symbol, inst.sec_type.value, inst.last_trade_date, inst.strike,
        inst.right, inst.exchange, inst.currency, inst.local_symbol or inst.symbol,
        inst.trading_class or inst.symbol, inst.trading_class or inst.symbol, inst.con_id,
        inst.min_tick,
        inst.multiplier, _ORDER_TYPES, _OPTION_EXCHANGES if is_option else _STOCK_EXCHANGES,
        1, inst.underlying_con_id, inst.long_name, inst.primary_exchange,
        inst.last_trade_date[:6] if is_option else "",
        inst.industry, inst.category, inst.subcategory, inst.time_zone_id,
        inst.trading_hours, inst.liquid_hours, "", "",
        0,  # no secIds
        1, inst.underlying_symbol, "STK" if is_option else "",
        "32,32,32" if is_option else "26,26,26", inst.last_trade_date,
        "" if is_option else "COMMON",
        1, 1, 1 if is_option else 100,
    )  # fmt: skip


def contract_details_end(req_id: int) -> bytes:
    return encode(52, 1, req_id)


def sec_def_opt_param(req_id: int, p: OptionParams) -> bytes:
    return encode(
        75, req_id, p.exchange, p.underlying_con_id, p.trading_class, p.multiplier,
        len(p.expirations), *p.expirations, len(p.strikes), *p.strikes,
    )  # fmt: skip


def sec_def_opt_param_end(req_id: int) -> bytes:
    return encode(76, req_id)


def _c11(inst: Instrument, exchange: str) -> tuple[object, ...]:
    """conId..tradingClass without primaryExchange, as execDetails and position carry them."""
    return (
        inst.con_id, inst.symbol, inst.sec_type.value, inst.last_trade_date, inst.strike,
        inst.right, inst.multiplier, exchange, inst.currency, inst.local_symbol or inst.symbol,
        inst.trading_class or inst.symbol,
    )  # fmt: skip


# --- history -----------------------------------------------------------------------------


def historical_data(
    req_id: int,
    start: str,
    end: str,
    rows: Sequence[tuple[str, float, float, float, float, float, float, int]],
) -> bytes:
    fields: list[object] = [17, req_id, start, end, len(rows)]
    for row in rows:
        fields.extend(row)
    return encode(*fields)


def historical_data_update(
    req_id: int,
    count: int,
    date: str,
    *,
    o: float,
    h: float,
    low: float,
    c: float,
    wap: float,
    volume: float,
) -> bytes:
    # The update message orders OHLC as open, close, high, low (see Decoder.historicalDataUpdate).
    return encode(90, req_id, count, date, o, c, h, low, wap, volume)


# --- orders ------------------------------------------------------------------------------


def order_status(state: OrderState, mkt_cap_price: float = 0.0) -> bytes:
    req = state.request
    return encode(
        3, req.order_id, state.status.value, state.filled, state.remaining,
        state.avg_fill_price, state.perm_id, 0, state.last_fill_price, req.client_id,
        state.why_held, mkt_cap_price,
    )  # fmt: skip


def _margin_fields(what_if: WhatIf | None) -> tuple[object, ...]:
    if what_if is None:
        return (UNSET_TEXT,) * 9 + ("", "", "", "", "")
    w = what_if
    return (
        w.init_margin_before, w.maint_margin_before, w.equity_with_loan_before,
        w.init_margin_change, w.maint_margin_change, w.equity_with_loan_change,
        w.init_margin_after, w.maint_margin_after, w.equity_with_loan_after,
        w.commission, w.min_commission, w.max_commission, w.commission_currency, "",
    )  # fmt: skip


def open_order(state: OrderState, what_if: WhatIf | None = None) -> bytes:
    """openOrder in Decoder.openOrder's field order (126 fields after the id)."""
    req = state.request
    inst = req.instrument
    return encode(
        5, req.order_id,
        inst.con_id, inst.symbol, inst.sec_type.value, inst.last_trade_date, inst.strike,
        inst.right, inst.multiplier, inst.exchange, inst.currency,
        inst.local_symbol or inst.symbol, inst.trading_class or inst.symbol,
        req.action, req.total_qty, req.order_type, req.lmt_price, req.aux_price, req.tif,
        "", req.account, "O", 0, req.order_ref, req.client_id, state.perm_id,
        req.outside_rth, False, 0, "", "", "", "", "",
        # modelCode .. deltaNeutralAuxPrice
        "", "", "", "", "", 0, "", -1, 0, "", "", "", "", "", 0, False, False, False, "",
        0, False, False, "", 0, 0, "", "", "", "",
        # continuousUpdate .. comboLegsDescrip, then legs / order legs / smart params
        False, "", "", "", "", "", "", 0, 0, 0,
        "", "", "",  # scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement
        "",  # hedgeType
        False, "", "", False, 0,  # optOutSmartRouting .. dncPresent
        "",  # algoStrategy
        False, req.what_if, state.status.value, *_margin_fields(what_if), False, False,
        0,  # conditions
        "", "", "", "", "", "", "", 0, "", "", "", "", False, False, False, False,
        "", "", False,  # duration, postToAts, autoCancelParent
        "", "", "", "", "",  # minTradeQty .. midOffsetAtHalf
    )  # fmt: skip


def open_order_end() -> bytes:
    return encode(53, 1)


def completed_order(state: OrderState, completed_time: str) -> bytes:
    """completedOrder in Decoder.completedOrder's field order."""
    req = state.request
    inst = req.instrument
    return encode(
        101,
        inst.con_id, inst.symbol, inst.sec_type.value, inst.last_trade_date, inst.strike,
        inst.right, inst.multiplier, inst.exchange, inst.currency,
        inst.local_symbol or inst.symbol, inst.trading_class or inst.symbol,
        req.action, req.total_qty, req.order_type, req.lmt_price, req.aux_price, req.tif,
        "", req.account, "O", 0, req.order_ref, state.perm_id, req.outside_rth, False, 0, "",
        "", "", "",
        # modelCode .. deltaNeutralAuxPrice
        "", "", "", "", "", 0, "", -1, "", "", "", "", "", 0, False, False, "", 0, 0, "", "",
        "", "",
        False, "", "", "", "",  # continuousUpdate .. comboLegsDescrip
        0, 0, 0,  # legs, order legs, smart combo params
        "", "", "",  # scale
        "",  # hedgeType
        "", "", False, 0,  # clearingAccount, clearingIntent, notHeld, dncPresent
        "",  # algoStrategy
        False, state.status.value, False, False,
        0,  # conditions
        "", "", "", False, False, "", state.filled, 0, False, "", False, False, 0,
        completed_time, state.status.value,
        "", "", "", "", "",
    )  # fmt: skip


def completed_orders_end() -> bytes:
    return encode(102)


def exec_details(req_id: int, e: Execution) -> bytes:
    venue = e.instrument.primary_exchange or e.instrument.exchange
    return encode(
        11, req_id, e.order_id, *_c11(e.instrument, venue), e.exec_id, ib_time(e.time),
        e.account, venue, e.side, e.shares, e.price, e.perm_id, e.client_id, 0, e.cum_qty,
        e.avg_price, e.order_ref, "", "", "", 1, False,
    )  # fmt: skip


def exec_details_end(req_id: int) -> bytes:
    return encode(55, 1, req_id)


def commission_report(e: Execution, currency: str = "USD") -> bytes:
    realized = e.realized_pnl if e.realized_pnl else UNSET_TEXT
    return encode(59, 1, e.exec_id, e.commission, currency, realized, "", "")


# --- account -----------------------------------------------------------------------------


def position(account: str, item: PortfolioItem) -> bytes:
    inst = item.instrument
    return encode(61, 3, account, *_c11(inst, inst.exchange), item.position, item.average_cost)


def position_end() -> bytes:
    return encode(62, 1)


def update_account_value(account: str, v: AccountValue) -> bytes:
    return encode(6, 2, v.key, v.value, v.currency, account)


def update_portfolio(account: str, item: PortfolioItem) -> bytes:
    inst = item.instrument
    return encode(
        7, 8, inst.con_id, inst.symbol, inst.sec_type.value, inst.last_trade_date, inst.strike,
        inst.right, inst.multiplier, inst.primary_exchange, inst.currency,
        inst.local_symbol or inst.symbol, inst.trading_class or inst.symbol, item.position,
        item.market_price, item.market_value, item.average_cost, item.unrealized_pnl,
        item.realized_pnl, account,
    )  # fmt: skip


def update_account_time(now: datetime) -> bytes:
    return encode(8, 1, now.astimezone(EASTERN).strftime("%H:%M"))


def account_download_end(account: str) -> bytes:
    return encode(54, 1, account)


def account_summary(req_id: int, account: str, v: AccountValue) -> bytes:
    return encode(63, 1, req_id, account, v.key, v.value, v.currency)


def account_summary_end(req_id: int) -> bytes:
    return encode(64, 1, req_id)


def account_update_multi(req_id: int, account: str, v: AccountValue) -> bytes:
    return encode(73, 1, req_id, account, "", v.key, v.value, v.currency)


def account_update_multi_end(req_id: int) -> bytes:
    return encode(74, 1, req_id)


def join(messages: Iterable[bytes]) -> bytes:
    return b"".join(messages)
