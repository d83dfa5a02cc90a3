"""ib_async objects -> frozen domain records; nothing mutable from ib_async leaves broker/."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from apex_tui.domain.portfolio import Execution, OpenOrderView
from apex_tui.domain.quotes import Tick

_UNSET = 1.7e308  # ib_async's UNSET_DOUBLE is float max; anything this big means "no value"


def _num(value: Any) -> float:
    """IB's "no value" markers (None, UNSET_DOUBLE) become NaN."""
    if value is None or value >= _UNSET:
        return math.nan
    return float(value)


def _utc(value: datetime | None, fallback: datetime) -> datetime:
    if value is None:
        return fallback
    if value.tzinfo is UTC:  # ib_async stamps tickers in UTC: the common case
        return value
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def symbol_of(contract: Any) -> str:
    """The watchlist symbol of a contract (its IB symbol for stocks)."""
    return str(contract.symbol)


def ticks_from_tickers(tickers: Iterable[Any], now: datetime) -> tuple[list[Tick], list[float]]:
    """A Tick and the previous close of every ticker that carries ticks, for one socket read.

    Skips tickers without ticks (parameter or type notices only, no prices). Inlined rather
    than calling `_price` / `_num` per field or a function per ticker: this runs for every
    update of every symbol (2,000 a second at 500 symbols), and the calls cost more than the
    comparisons. Ticker fields are floats (NaN when unset); a NaN fails every comparison and
    stays NaN. Ticks are built with tuple.__new__, skipping the NamedTuple's Python __new__.
    """
    nan, big, make = math.nan, _UNSET, tuple.__new__
    ticks: list[Tick] = []
    closes: list[float] = []
    for ticker in tickers:
        if not ticker.ticks:
            continue
        t = ticker.time
        if t is None:
            t = now
        elif t.tzinfo is not UTC:
            t = _utc(t, now)
        bid, ask, last, close = ticker.bid, ticker.ask, ticker.last, ticker.close
        bs, asz, ls, vol = ticker.bidSize, ticker.askSize, ticker.lastSize, ticker.volume
        ticks.append(
            make(
                Tick,
                (
                    t,
                    ticker.contract.symbol,
                    nan if bid == -1.0 or bid >= big else bid,
                    nan if ask == -1.0 or ask >= big else ask,
                    nan if last == -1.0 or last >= big else last,
                    nan if bs >= big else bs,
                    nan if asz >= big else asz,
                    nan if ls >= big else ls,
                    nan if vol >= big else vol,
                ),
            )
        )
        closes.append(nan if close is None or close == -1.0 or close >= big else close)
    return ticks, closes


def execution_from_fill(fill: Any) -> Execution:
    """A frozen Execution from an ib_async Fill (execution + commission report)."""
    ex = fill.execution
    report = fill.commissionReport
    commission = _num(report.commission) if report is not None and report.execId else math.nan
    return Execution(
        exec_id=str(ex.execId),
        time=_utc(ex.time, datetime.now(UTC)),
        account=str(ex.acctNumber),
        symbol=symbol_of(fill.contract),
        side=str(ex.side),
        qty=float(ex.shares),
        price=float(ex.price),
        order_id=int(ex.orderId),
        perm_id=int(ex.permId),
        client_id=int(ex.clientId),
        order_ref=str(ex.orderRef or ""),
        commission=commission,
    )


def order_view_from_trade(trade: Any) -> OpenOrderView:
    """A frozen OpenOrderView from an ib_async Trade."""
    order = trade.order
    return OpenOrderView(
        order_id=int(order.orderId),
        perm_id=int(order.permId),
        symbol=symbol_of(trade.contract),
        action=str(order.action),
        qty=float(order.totalQuantity),
        status=str(trade.orderStatus.status),
        order_ref=str(order.orderRef or ""),
    )


def multiplier_of(contract: Any) -> float:
    """The contract multiplier (1 for stocks, where IB sends an empty string)."""
    try:
        return float(contract.multiplier) if contract.multiplier else 1.0
    except ValueError:
        return 1.0
