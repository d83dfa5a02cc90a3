"""Types shared by the simulator's world (prices, history, orders) and its protocol server.

The world knows nothing about sockets or wire fields; the server knows nothing about how
prices move. They meet through these frozen records and the `World` class in `world.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SecType(StrEnum):
    STK = "STK"
    OPT = "OPT"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable contract with everything reqContractDetails reports."""

    con_id: int
    symbol: str
    sec_type: SecType
    primary_exchange: str  # "NASDAQ", "NYSE", "ARCA" for stocks; "" for options
    currency: str = "USD"
    exchange: str = "SMART"
    local_symbol: str = ""
    trading_class: str = ""
    min_tick: float = 0.01
    multiplier: str = ""  # "100" for options
    long_name: str = ""
    industry: str = ""  # IB's industry, e.g. "Technology"; the risk engine's sector
    category: str = ""
    subcategory: str = ""
    time_zone_id: str = "US/Eastern"
    trading_hours: str = ""  # IB format "20261123:0400-20261123:2000;..."
    liquid_hours: str = ""  # IB format "20261123:0930-20261123:1600;..."
    # Options only:
    last_trade_date: str = ""  # "YYYYMMDD"
    strike: float = 0.0
    right: str = ""  # "C" or "P"
    underlying_con_id: int = 0
    underlying_symbol: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """The simulated top of book and session statistics for one instrument at one moment."""

    bid: float
    ask: float
    last: float
    bid_size: int
    ask_size: int
    last_size: int
    volume: int  # session volume in shares (IB reports stocks' volume in round lots of 100)
    open: float
    high: float
    low: float
    close: float  # previous session's close


@dataclass(frozen=True, slots=True)
class Bar:
    """One historical bar; `time` is the bar's start, timezone-aware UTC."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    wap: float
    count: int


class OrderStatus(StrEnum):
    PENDING_SUBMIT = "PendingSubmit"
    PRE_SUBMITTED = "PreSubmitted"
    SUBMITTED = "Submitted"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    INACTIVE = "Inactive"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a client asked for in placeOrder, reduced to what the matching engine needs."""

    order_id: int
    client_id: int
    instrument: Instrument
    action: str  # "BUY" or "SELL"
    total_qty: float
    order_type: str  # "MKT", "LMT", "STP", "STP LMT"
    lmt_price: float | None = None
    aux_price: float | None = None  # stop trigger for STP and STP LMT
    tif: str = "DAY"
    account: str = ""
    order_ref: str = ""
    what_if: bool = False
    outside_rth: bool = False


@dataclass(frozen=True, slots=True)
class OrderState:
    """The engine's view of one order after an event; the server turns it into openOrder /
    orderStatus messages."""

    request: OrderRequest
    perm_id: int
    status: OrderStatus
    filled: float
    remaining: float
    avg_fill_price: float
    last_fill_price: float
    why_held: str = ""


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill. The server sends execDetails then commissionReport for it."""

    exec_id: str  # unique, IB style "0000e0d5.6574a3b2.01.01"
    order_id: int
    client_id: int
    perm_id: int
    instrument: Instrument
    account: str
    side: str  # "BOT" or "SLD"
    shares: float
    price: float
    time: datetime  # UTC
    cum_qty: float
    avg_price: float
    order_ref: str
    commission: float
    realized_pnl: float  # 0.0 when the fill opened or added to a position


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Margin and commission impact of an order, as whatIf openOrder reports them."""

    init_margin_before: float
    maint_margin_before: float
    equity_with_loan_before: float
    init_margin_change: float
    maint_margin_change: float
    equity_with_loan_change: float
    init_margin_after: float
    maint_margin_after: float
    equity_with_loan_after: float
    commission: float
    min_commission: float
    max_commission: float
    commission_currency: str = "USD"


@dataclass(frozen=True, slots=True)
class PortfolioItem:
    """One position with its marks, as updatePortfolio reports it."""

    instrument: Instrument
    position: float
    market_price: float
    market_value: float
    average_cost: float  # per share, multiplier included for options (IB convention)
    unrealized_pnl: float
    realized_pnl: float


@dataclass(frozen=True, slots=True)
class AccountValue:
    key: str  # "NetLiquidation", "TotalCashValue", "BuyingPower", "AvailableFunds", ...
    value: str
    currency: str  # "USD", or "" for non-monetary keys


@dataclass(frozen=True, slots=True)
class OptionParams:
    """One reqSecDefOptParams answer row."""

    exchange: str
    underlying_con_id: int
    trading_class: str
    multiplier: str
    expirations: tuple[str, ...]  # "YYYYMMDD"
    strikes: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class EngineEvents:
    """What happened as a result of placing, cancelling or matching: for the server to send."""

    orders: tuple[OrderState, ...] = ()
    executions: tuple[Execution, ...] = ()
    accounts_changed: frozenset[str] = field(default_factory=frozenset)
