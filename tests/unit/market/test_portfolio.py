"""Portfolio: positions marked to quotes, market value, P&L, account strip."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from apex_tui.market.portfolio import Portfolio

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_marks_follow_quotes_newer_than_the_broker_update() -> None:
    p = Portfolio()
    p.update_position("AAPL", account="DU1", qty=100, avg_cost=150.0, market_price=155.0, time=T0)
    p.mark("AAPL", 154.0, T0 - timedelta(seconds=1))  # older than the broker's mark: ignored
    assert p.positions()[0].last == 155.0
    v = p.version
    p.mark("AAPL", 160.0, T0 + timedelta(seconds=1))
    [pos] = p.positions()
    assert p.version > v
    assert pos.last == 160.0
    assert pos.market_value == pytest.approx(16_000.0)
    assert pos.unrealized == pytest.approx(1_000.0)


def test_percent_of_net_liq_and_the_account_strip() -> None:
    p = Portfolio()
    p.update_account("NetLiquidation", "100000", "USD", "DU1")
    p.update_account("TotalCashValue", "84000", "USD", "DU1")
    p.update_account("BuyingPower", "336000", "USD", "DU1")
    p.update_account("NetLiquidation", "999", "EUR", "DU1")  # other currency: ignored
    p.update_position(
        "AAPL", account="DU1", qty=100, avg_cost=150.0, market_price=160.0, realized=25.0, time=T0
    )
    p.mark("AAPL", 160.0, T0, close=158.0)
    [pos] = p.positions()
    assert pos.pct_net_liq == pytest.approx(16.0)
    strip = p.account()
    assert (strip.net_liquidation, strip.cash, strip.buying_power) == (100000, 84000, 336000)
    # Not held at the session's start: it moved from its cost. realized 25 + 100 * (160 - 150)
    assert strip.day_pnl == pytest.approx(1025.0)
    # Held overnight: it moved from the previous close. realized 25 + 100 * (160 - 158)
    p.start_session()
    assert p.account().day_pnl == pytest.approx(225.0)
    # 50 more bought today at 159 (IB's avg cost becomes 153.33): the carried 100 move from
    # the close, the 50 from the blended cost.
    p.update_position("AAPL", account="DU1", qty=150, avg_cost=(100 * 150 + 50 * 159) / 150)
    p.mark("AAPL", 160.0, T0, close=158.0)
    expected = 25 + 100 * (160 - 158) + 50 * (160 - (100 * 150 + 50 * 159) / 150)
    assert p.account().day_pnl == pytest.approx(expected)


def test_option_multiplier_scales_value_and_pnl() -> None:
    p = Portfolio()
    p.update_position(
        "AAPL", account="DU1", qty=2, avg_cost=3.0, market_price=4.0, multiplier=100.0, time=T0
    )
    [pos] = p.positions()
    assert pos.market_value == pytest.approx(800.0) and pos.unrealized == pytest.approx(200.0)


def test_a_closed_position_without_realized_pnl_disappears() -> None:
    p = Portfolio()
    p.update_position("AAPL", account="DU1", qty=100, avg_cost=150.0)
    p.update_position("AAPL", account="DU1", qty=0, avg_cost=0.0)
    assert p.positions() == [] and p.quantities() == {}


def test_unknown_account_values_are_nan() -> None:
    strip = Portfolio().account()
    assert math.isnan(strip.net_liquidation) and strip.day_pnl == 0.0
