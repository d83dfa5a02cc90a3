"""Frozen snapshots the risk engine checks an order against: portfolio, market, trading state.

The engine never reaches into live stores: whoever calls it (the approval queue, the bench, a
test) builds one `RiskSnapshot`, so a check is a pure function of its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from apex_tui.domain.quotes import Quote
from apex_tui.risk.states import TradingState


def reference_price(quote: Quote | None) -> float:
    """The price a quote stands for: the mid when both sides are there, else the last trade.

    NaN when the quote has neither (nothing can be checked or sized against it).
    """
    if quote is None:
        return math.nan
    bid, ask = quote.bid, quote.ask
    if math.isfinite(bid) and math.isfinite(ask) and bid > 0 and ask > 0 and ask >= bid:
        return (bid + ask) / 2.0
    last = quote.last
    if math.isfinite(last) and last > 0:
        return last
    return math.nan


@dataclass(frozen=True, slots=True)
class PositionView:
    """One position: signed quantity and the price it is marked at."""

    symbol: str
    qty: float
    mark_price: float

    @property
    def notional(self) -> float:
        return self.qty * self.mark_price


@dataclass(frozen=True, slots=True)
class PortfolioView:
    """The book as the risk engine sees it at one moment.

    `working_qty` is the signed remaining quantity of working orders per symbol: exposure
    checks count it as if it had filled, so two orders cannot together slip past a limit that
    each passes alone. Symbols in `working_qty` should have an entry in `positions` (qty 0 is
    fine) to carry their mark price.
    """

    positions: Mapping[str, PositionView] = field(default_factory=dict)
    realized_pnl: float = 0.0  # since session start
    unrealized_pnl: float = 0.0  # since session start
    open_orders: int = 0
    working_qty: Mapping[str, float] = field(default_factory=dict)
    orders_last_minute: int = 0

    def exposure_qty(self, symbol: str) -> float:
        """Position plus working orders, signed."""
        pos = self.positions.get(symbol)
        return (pos.qty if pos is not None else 0.0) + self.working_qty.get(symbol, 0.0)


@dataclass(frozen=True, slots=True)
class MarketView:
    """The market around the order's symbol: its current quote, tick, hours and sectors."""

    quote: Quote | None
    now: datetime
    tick_size: float = 0.01
    market_open: bool = True
    sectors: Mapping[str, str] = field(default_factory=dict)  # symbol -> IB industry


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    """Everything one risk check reads. `reference` is the proposal's quote (drift check)."""

    portfolio: PortfolioView
    market: MarketView
    state: TradingState = TradingState.ACTIVE
    options_enabled: bool = False
    reference: Quote | None = None
