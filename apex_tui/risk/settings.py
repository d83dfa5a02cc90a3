"""The `[risk]` config section: limits, sizing and the circuit breaker."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class BreakerSettings(BaseModel):
    """Circuit breaker (`[risk.breaker]`): when to stop trading on its own, and how to resume."""

    model_config = ConfigDict(extra="forbid")

    max_rejections: int = Field(
        3, ge=1, description="Trip after this many rejections (risk or broker) within the window."
    )
    window_minutes: float = Field(
        5.0, gt=0, description="Length of the sliding window for counting rejections, in minutes."
    )
    trip_to: Literal["REDUCING", "HALTED"] = Field(
        "HALTED",
        description="Trading state after a trip: REDUCING (only position-reducing orders) "
        "or HALTED (nothing).",
    )
    reset_phrase: str = Field(
        "RESET",
        min_length=1,
        description="Text the trader must type, exactly, to reset a tripped breaker.",
    )


class RiskSettings(BaseModel):
    """Pre-trade risk limits and order sizing (`[risk]`). Every order is checked against all of
    them when it is proposed and again, against the current quote, when it is approved."""

    model_config = ConfigDict(extra="forbid")

    max_order_qty: float = Field(1000, gt=0, description="Largest quantity in one order.")
    max_order_notional: float = Field(
        50_000.0, gt=0, description="Largest value of one order (quantity x price), in USD."
    )
    max_position_notional: float = Field(
        100_000.0, gt=0, description="Largest absolute position value per symbol after an order."
    )
    max_gross_exposure: float = Field(
        500_000.0, gt=0, description="Largest sum of absolute position values after an order."
    )
    sector_cap_pct: float = Field(
        40.0,
        gt=0,
        le=100,
        description="Largest exposure to one sector (IB industry), as a percentage of "
        "max_gross_exposure. Measured against the limit, not the current book, so the first "
        "trade of an empty book is not 100% of anything.",
    )
    max_open_orders: int = Field(10, ge=1, description="Most working orders at once.")
    max_orders_per_minute: int = Field(
        5, ge=1, description="Most orders sent in any 60 seconds (counting the new one)."
    )
    daily_loss_limit: float = Field(
        2_000.0,
        gt=0,
        description="Largest loss (realized + unrealized since session start) before new "
        "risk-increasing orders are refused and the breaker trips, in USD.",
    )
    price_band_pct: float = Field(
        1.0,
        gt=0,
        description="Furthest a limit price (or a quote's drift since the proposal) may be "
        "from the current quote, in percent.",
    )
    price_band_ticks: int = Field(
        100,
        ge=1,
        description="Furthest a limit price (or a quote's drift since the proposal) may be "
        "from the current quote, in ticks.",
    )
    max_quote_age_s: float = Field(
        5.0, gt=0, description="Oldest quote an order may be checked against, in seconds."
    )
    enforce_market_hours: bool = Field(
        True, description="Refuse orders while the symbol's market is closed."
    )
    allow_short: bool = Field(False, description="Allow orders that open or grow a short.")
    allow_market_orders: bool = Field(
        False, description="Allow MKT orders; otherwise every order is a limit order."
    )
    default_tick_size: float = Field(
        0.01, gt=0, description="Tick size used when contract details give none."
    )
    sizing: Literal["fixed_notional", "volatility"] = Field(
        "fixed_notional",
        description="How proposals are sized: a fixed value per order, or a fixed risk per "
        "unit of daily volatility.",
    )
    fixed_notional: float = Field(
        10_000.0, gt=0, description="Order value for fixed-notional sizing, in USD."
    )
    risk_per_trade: float = Field(
        250.0,
        gt=0,
        description="For volatility sizing: USD at risk for a one-volatility move "
        "(quantity = risk_per_trade / volatility in price units).",
    )
    breaker: BreakerSettings = Field(
        default_factory=BreakerSettings,
        description="Circuit breaker settings.",
    )
