"""Frozen portfolio snapshots: positions, the account strip, executions, reconnect checkpoints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PositionView:
    """One position as the Positions pane shows it.

    `avg_cost` is per share (per contract for options, without the multiplier); `last` is the
    latest mark: the QuoteBook's last trade when newer than the broker's portfolio update.
    """

    symbol: str
    account: str
    qty: float
    avg_cost: float
    last: float = math.nan
    multiplier: float = 1.0
    realized_today: float = 0.0
    pct_net_liq: float = math.nan
    updated: datetime | None = None

    @property
    def market_value(self) -> float:
        return self.qty * self.last * self.multiplier

    @property
    def unrealized(self) -> float:
        return self.qty * (self.last - self.avg_cost) * self.multiplier


@dataclass(frozen=True, slots=True)
class AccountStrip:
    """Account-wide figures; NaN until the broker sent them."""

    account: str = ""
    net_liquidation: float = math.nan
    cash: float = math.nan
    buying_power: float = math.nan
    day_pnl: float = math.nan
    currency: str = "USD"
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill as IB reported it; `exec_id` is unique per fill and identifies replays."""

    exec_id: str
    time: datetime
    account: str
    symbol: str
    side: str  # "BOT" or "SLD", IB's spelling
    qty: float
    price: float
    order_id: int
    perm_id: int
    client_id: int
    order_ref: str = ""  # the proposal id for orders this app placed
    commission: float = math.nan

    @property
    def signed_qty(self) -> float:
        return self.qty if self.side == "BOT" else -self.qty


@dataclass(frozen=True, slots=True)
class PositionDiff:
    """A position whose broker quantity differs from what the app believed before the gap."""

    symbol: str
    account: str
    local_qty: float
    broker_qty: float


@dataclass(frozen=True, slots=True)
class OpenOrderView:
    """An open order as reconciliation sees it."""

    order_id: int
    perm_id: int
    symbol: str
    action: str
    qty: float
    status: str
    order_ref: str = ""


@dataclass(frozen=True, slots=True)
class ReconnectCheckpoint:
    """What changed at the broker while the app was away, found right after a reconnect.

    The order path shows it to the trader and keeps approvals locked until acknowledged.
    """

    time: datetime
    reason: str
    recovered_fills: tuple[Execution, ...] = ()
    replayed_exec_ids: int = 0  # executions seen before the gap and reported again: ignored
    position_diffs: tuple[PositionDiff, ...] = ()
    orders_gone: tuple[OpenOrderView, ...] = ()  # open before, not open at the broker now
    orders_new: tuple[OpenOrderView, ...] = ()  # open at the broker, unknown before
    open_orders: tuple[OpenOrderView, ...] = field(default=())

    @property
    def clean(self) -> bool:
        """True when nothing changed: no fills, no position or order differences."""
        return not (
            self.recovered_fills or self.position_diffs or self.orders_gone or self.orders_new
        )
