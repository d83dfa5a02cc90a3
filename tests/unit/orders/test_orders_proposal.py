"""Proposals: sizing (fixed notional, volatility), limit offset on the tick grid, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.errors import ValidationError
from apex_tui.domain.orders import OrderType, Side, price_ticks, round_to_tick
from apex_tui.domain.quotes import Quote
from apex_tui.orders.proposal import ProposalFactory, Provenance, size_quantity
from apex_tui.orders.settings import OrdersSettings
from apex_tui.risk.settings import RiskSettings
from tests.unit.orders.order_fakes import T0

RISK = RiskSettings(max_order_qty=500, max_order_notional=40_000, fixed_notional=10_000)
ORDERS = OrdersSettings(limit_offset_bps=5, proposal_expiry_s=60)
PROV = Provenance("sma_cross", signal_id="s-1", detail="SMA10 crossed SMA30 up")


def q(price: float = 100.0, symbol: str = "AAPL") -> Quote:
    return Quote(symbol=symbol, bid=price - 0.01, ask=price + 0.01, last=price, time=T0)


def factory(risk: RiskSettings = RISK, orders: OrdersSettings = ORDERS) -> ProposalFactory:
    return ProposalFactory(risk, orders, FixedClock(T0), new_id=lambda: "P-fixed")


def test_fixed_notional_sizing_and_caps() -> None:
    assert size_quantity(RISK, 100.0) == 100  # 10_000 / 100
    assert size_quantity(RISK, 33.0) == 303  # floor(303.03)
    assert size_quantity(RISK, 10.0) == 500  # 1_000 capped by max_order_qty 500
    big = RISK.model_copy(update={"fixed_notional": 100_000})
    assert size_quantity(big, 100.0) == 400  # capped by 40_000 notional
    with pytest.raises(ValidationError):
        size_quantity(RISK, 20_000.0)  # less than one share


def test_volatility_sizing() -> None:
    vol = RISK.model_copy(update={"sizing": "volatility", "risk_per_trade": 250})
    assert size_quantity(vol, 100.0, volatility=2.5) == 100  # 250 / 2.5
    assert size_quantity(vol, 100.0, volatility=5.0) == 50  # twice as volatile: half the size
    with pytest.raises(ValidationError, match="volatility"):
        size_quantity(vol, 100.0)


def test_default_limit_is_reference_plus_offset_on_the_tick_grid() -> None:
    f = factory()
    buy = f.propose("aapl", Side.BUY, q(100.0), PROV)
    sell = f.propose("AAPL", Side.SELL, q(100.0), PROV)
    # 5 bps of 100.00 = 0.05: buys above, sells below.
    assert buy.limit_price == pytest.approx(100.05) and buy.order_type is OrderType.LMT
    assert sell.limit_price == pytest.approx(99.95)
    # 5 bps of 123.45 = 0.0617..: snapped toward the reference so the offset is not exceeded.
    odd = f.propose("AAPL", Side.BUY, q(123.45), PROV)
    assert odd.limit_price == pytest.approx(123.51)
    assert odd.limit_price - 123.45 <= 123.45 * 5 / 10_000
    assert buy.symbol == "AAPL" and buy.qty == 99  # 10_000 / 100.05 floors to 99


def test_proposal_records_reference_expiry_and_provenance() -> None:
    p = factory().propose("AAPL", Side.BUY, q(), PROV)
    assert p.id == "P-fixed"
    assert p.reference.last == 100.0
    assert p.expires_at - p.created_at == timedelta(seconds=60)
    assert p.provenance.generator == "sma_cross"
    assert not p.expired(T0 + timedelta(seconds=59.999))
    assert p.expired(T0 + timedelta(seconds=60))
    assert p.seconds_left(T0 + timedelta(seconds=45)) == pytest.approx(15)
    spec = p.order_spec()
    assert spec.order_ref == p.id and spec.limit_price == p.limit_price


def test_market_orders_only_when_allowed() -> None:
    with pytest.raises(ValidationError, match="MKT"):
        factory().propose("AAPL", Side.BUY, q(), PROV, order_type=OrderType.MKT)
    allowed = factory(RISK.model_copy(update={"allow_market_orders": True}))
    p = allowed.propose("AAPL", Side.BUY, q(), PROV, qty=10, order_type=OrderType.MKT)
    assert p.order_type is OrderType.MKT and p.limit_price is None


def test_explicit_price_must_be_on_the_grid_and_quote_must_match() -> None:
    f = factory()
    assert f.propose("AAPL", Side.BUY, q(), PROV, limit_price=412.5).limit_price == 412.5
    with pytest.raises(ValidationError, match="tick"):
        f.propose("AAPL", Side.BUY, q(), PROV, limit_price=412.505)
    with pytest.raises(ValidationError, match="quote is for"):
        f.propose("AAPL", Side.BUY, q(symbol="MSFT"), PROV)
    with pytest.raises(ValidationError, match="no usable quote"):
        f.propose("AAPL", Side.BUY, Quote(symbol="AAPL"), PROV)


def test_flatten_proposes_the_opposite_side_for_the_whole_position() -> None:
    f = factory()
    assert f.propose_flatten("AAPL", 120, q(), PROV).side is Side.SELL
    short = f.propose_flatten("AAPL", -30, q(), PROV)
    assert short.side is Side.BUY and short.qty == 30
    with pytest.raises(ValidationError):
        f.propose_flatten("AAPL", 0, q(), PROV)


def test_edit_keeps_id_and_validates() -> None:
    p = factory().propose("AAPL", Side.BUY, q(), PROV)
    e = p.edited(qty=5, limit_price=99.5)
    assert e.id == p.id and e.qty == 5 and e.limit_price == 99.5
    with pytest.raises(ValidationError):
        p.edited(qty=0.5)


@pytest.mark.parametrize(
    ("a", "b", "tick", "ticks"),
    [(100.5, 100.0, 0.01, 50), (0.3, 0.1, 0.1, 2), (100.51, 100.0, 0.01, 51), (1.0, 1.0, 0.01, 0)],
)
def test_tick_arithmetic_is_exact_at_whole_ticks(
    a: float, b: float, tick: float, ticks: int
) -> None:
    assert price_ticks(a, b, tick) == ticks
    assert round_to_tick(0.1 + 0.2, 0.1) == 0.3
    assert round_to_tick(100.004, 0.01, up=True) == 100.01
    assert round_to_tick(100.004, 0.01, up=False) == 100.0
    assert round_to_tick(100.01 + 1e-12, 0.01, up=True) == 100.01  # on the grid stays put
