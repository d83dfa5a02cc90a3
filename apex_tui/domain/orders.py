"""Frozen order records shared by the order path and the connector: specs, events, fills.

Also the tick arithmetic every price comparison goes through: floats are fine for notional sums,
but "is this price within N ticks" must not flip on 0.1 + 0.2 rounding noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# A price difference within this fraction of a tick counts as a whole number of ticks.
_TICK_EPS = 1e-6


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: multiply a quantity by it to get the position change."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    LMT = "LMT"
    MKT = "MKT"


class TimeInForce(StrEnum):
    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"


class SecType(StrEnum):
    STK = "STK"
    OPT = "OPT"


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """What the order manager hands to the gateway; `order_ref` is the proposal id.

    The proposal id travels as IB's `orderRef`, so every broker event can be tied back to the
    one approval that caused it (the idempotency key of the whole order path).
    """

    symbol: str
    side: Side
    qty: float
    order_type: OrderType
    order_ref: str
    limit_price: float | None = None
    tif: TimeInForce = TimeInForce.DAY
    sec_type: SecType = SecType.STK

    def __post_init__(self) -> None:
        if not (self.qty > 0 and math.isfinite(self.qty)):
            raise ValueError(f"order quantity must be positive, got {self.qty}")
        lp = self.limit_price
        if self.order_type is OrderType.LMT and (lp is None or not (lp > 0 and math.isfinite(lp))):
            raise ValueError("a LMT order needs a positive limit price")
        if self.order_type is OrderType.MKT and self.limit_price is not None:
            raise ValueError("a MKT order has no limit price")

    @property
    def signed_qty(self) -> float:
        return self.side.sign * self.qty


class OrderEventKind(StrEnum):
    """What the broker tells us about an order (the connector maps IB statuses to these)."""

    ACCEPTED = "ACCEPTED"  # PreSubmitted / Submitted: working at the broker
    REJECTED = "REJECTED"  # Inactive, or an error that killed the order
    FILL = "FILL"  # one execution (partial or final: the manager tells which)
    CANCELLED = "CANCELLED"  # Cancelled / ApiCancelled, including expiry at the session end
    CANCEL_FAILED = "CANCEL_FAILED"  # the broker refused a cancel (e.g. IB 10148, 161)


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution; `exec_id` is unique per execution and de-duplicates repeated reports."""

    order_ref: str
    exec_id: str
    symbol: str
    side: Side
    qty: float
    price: float
    time: datetime
    commission: float = 0.0


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One broker event about one order; `fill` is set exactly when kind is FILL."""

    kind: OrderEventKind
    order_ref: str
    time: datetime
    broker_ref: str | None = None
    fill: Fill | None = None
    reason: str = ""
    code: int | None = None

    def __post_init__(self) -> None:
        if (self.kind is OrderEventKind.FILL) != (self.fill is not None):
            raise ValueError("an OrderEvent carries a fill exactly when its kind is FILL")


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The broker's margin and commission preview for an order (IB whatIfOrder)."""

    init_margin_change: float
    maint_margin_change: float
    equity_with_loan_change: float = math.nan
    commission: float = math.nan
    currency: str = "USD"
    warning: str = ""


def price_ticks(a: float, b: float, tick: float) -> float:
    """Distance |a - b| in ticks, snapped to a whole number when float noise is all that differs."""
    if tick <= 0:
        raise ValueError(f"tick size must be positive, got {tick}")
    ticks = abs(a - b) / tick
    nearest = round(ticks)
    return float(nearest) if abs(ticks - nearest) < _TICK_EPS else ticks


def round_to_tick(price: float, tick: float, *, up: bool | None = None) -> float:
    """Snap a price onto the tick grid: nearest by default, or up / down when asked.

    A price already on the grid (up to float noise) stays where it is whichever way is asked.
    """
    if tick <= 0:
        raise ValueError(f"tick size must be positive, got {tick}")
    steps = price / tick
    nearest = round(steps)
    if abs(steps - nearest) < _TICK_EPS or up is None:
        n = nearest
    elif up:
        n = math.ceil(steps)
    else:
        n = math.floor(steps)
    # Round the product so 0.1-style grids print and compare as their decimal selves.
    decimals = max(0, -math.floor(math.log10(tick)) + 2)
    return round(n * tick, decimals)
