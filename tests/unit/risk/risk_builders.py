"""Builders for risk tests: quotes, books and snapshots with round, hand-checkable numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apex_tui.domain.orders import OrderSpec, OrderType, SecType, Side
from apex_tui.domain.quotes import Quote
from apex_tui.risk.engine import MarketView, PortfolioView, PositionView, RiskSnapshot
from apex_tui.risk.settings import RiskSettings
from apex_tui.risk.states import TradingState

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

# Limits chosen so every boundary is a product of small whole numbers at price 100.
SETTINGS = RiskSettings(
    max_order_qty=100,
    max_order_notional=10_000,
    max_position_notional=20_000,
    max_gross_exposure=100_000,
    sector_cap_pct=40,  # 40_000
    max_open_orders=3,
    max_orders_per_minute=2,
    daily_loss_limit=1_000,
    price_band_pct=1.0,
    price_band_ticks=50,
    max_quote_age_s=5.0,
)

SECTORS = {"AAPL": "Technology", "MSFT": "Technology", "XOM": "Energy", "JPM": "Financial"}


def quote(symbol: str = "AAPL", price: float = 100.0, age_s: float = 1.0, **kw: object) -> Quote:
    """A quote whose bid, ask and last all sit at `price`, so its reference price is `price`."""
    return Quote(
        symbol=symbol,
        bid=price,
        ask=price,
        last=price,
        time=NOW - timedelta(seconds=age_s),
        **kw,  # type: ignore[arg-type]
    )


def order(
    side: Side = Side.BUY,
    qty: float = 10,
    price: float | None = 100.0,
    symbol: str = "AAPL",
    sec_type: SecType = SecType.STK,
) -> OrderSpec:
    return OrderSpec(
        symbol=symbol,
        side=side,
        qty=qty,
        order_type=OrderType.LMT if price is not None else OrderType.MKT,
        order_ref="P-test",
        limit_price=price,
        sec_type=sec_type,
    )


def snapshot(
    positions: dict[str, tuple[float, float]] | None = None,
    *,
    q: Quote | None = None,
    state: TradingState = TradingState.ACTIVE,
    working: dict[str, float] | None = None,
    open_orders: int = 0,
    orders_last_minute: int = 0,
    realized: float = 0.0,
    unrealized: float = 0.0,
    market_open: bool = True,
    options_enabled: bool = False,
    reference: Quote | None = None,
) -> RiskSnapshot:
    """A snapshot; `positions` maps symbol -> (signed qty, mark price)."""
    pos = {s: PositionView(s, qty, mark) for s, (qty, mark) in (positions or {}).items()}
    return RiskSnapshot(
        portfolio=PortfolioView(
            positions=pos,
            realized_pnl=realized,
            unrealized_pnl=unrealized,
            open_orders=open_orders,
            working_qty=working or {},
            orders_last_minute=orders_last_minute,
        ),
        market=MarketView(
            quote=q if q is not None else quote(),
            now=NOW,
            tick_size=0.01,
            market_open=market_open,
            sectors=SECTORS,
        ),
        state=state,
        options_enabled=options_enabled,
        reference=reference,
    )
