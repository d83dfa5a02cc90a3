"""Each risk limit at pass, fail and exactly its boundary (limits from risk_builders.SETTINGS)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from pydantic import ValidationError

from apex_tui.domain.orders import SecType, Side
from apex_tui.risk.engine import RiskEngine
from apex_tui.risk.settings import RiskSettings
from apex_tui.risk.states import TradingState
from apex_tui.risk.views import RiskSnapshot
from tests.unit.risk.risk_builders import NOW, SETTINGS, order, quote, snapshot

ENGINE = RiskEngine(SETTINGS)


def verdict(
    name: str, spec_kwargs: dict[str, object], snap: RiskSnapshot, engine: RiskEngine = ENGINE
) -> bool:
    return engine.check(order(**spec_kwargs), snap).get(name).passed  # type: ignore[arg-type]


# (check name, order kwargs, snapshot, expected pass); "boundary" rows sit exactly on the limit.
BOUNDARY_CASES = [
    # max_order_qty 100
    ("order_qty", {"qty": 99}, snapshot(), True),
    ("order_qty", {"qty": 100}, snapshot(), True),
    ("order_qty", {"qty": 101}, snapshot(), False),
    # max_order_notional 10_000 at a limit of 100.00
    ("order_notional", {"qty": 99}, snapshot(), True),
    ("order_notional", {"qty": 100}, snapshot(), True),
    ("order_notional", {"qty": 101}, snapshot(), False),
    # max_position_notional 20_000: long 100 @ 100 already = 10_000
    ("position_notional", {"qty": 50}, snapshot({"AAPL": (100, 100.0)}), True),
    ("position_notional", {"qty": 100}, snapshot({"AAPL": (100, 100.0)}), True),
    ("position_notional", {"qty": 101}, snapshot({"AAPL": (100, 100.0)}), False),
    # max_gross_exposure 100_000: JPM 800 @ 100 = 80_000 elsewhere
    ("gross_exposure", {"qty": 199}, snapshot({"JPM": (800, 100.0)}), True),
    ("gross_exposure", {"qty": 200}, snapshot({"JPM": (800, 100.0)}), True),
    ("gross_exposure", {"qty": 201}, snapshot({"JPM": (800, 100.0)}), False),
    # max_open_orders 3, counting the new order
    ("open_orders", {}, snapshot(open_orders=1), True),
    ("open_orders", {}, snapshot(open_orders=2), True),
    ("open_orders", {}, snapshot(open_orders=3), False),
    # max_orders_per_minute 2, counting the new order
    ("orders_per_minute", {}, snapshot(orders_last_minute=0), True),
    ("orders_per_minute", {}, snapshot(orders_last_minute=1), True),
    ("orders_per_minute", {}, snapshot(orders_last_minute=2), False),
    # daily_loss_limit 1_000 over realized + unrealized
    ("daily_loss", {}, snapshot(realized=-300, unrealized=-200), True),
    ("daily_loss", {}, snapshot(realized=-600, unrealized=-400), True),
    ("daily_loss", {}, snapshot(realized=-600, unrealized=-400.01), False),
    # price_band_pct 1 % from a quote at 100 (ticks band relaxed in the engine below)
    ("price_band_pct", {"price": 100.5}, snapshot(), True),
    ("price_band_pct", {"price": 101.0}, snapshot(), True),
    ("price_band_pct", {"price": 101.01}, snapshot(), False),
    (
        "price_band_pct",
        {"price": 98.99, "side": Side.SELL, "qty": 1},
        snapshot({"AAPL": (10, 100.0)}),
        False,
    ),
    # price_band_ticks 50 at tick 0.01
    ("price_band_ticks", {"price": 100.49}, snapshot(), True),
    ("price_band_ticks", {"price": 100.50}, snapshot(), True),
    ("price_band_ticks", {"price": 100.51}, snapshot(), False),
    ("price_band_ticks", {"price": 99.50}, snapshot(), True),
    ("price_band_ticks", {"price": 99.49}, snapshot(), False),
    # drift since the proposal: 1 % and 50 ticks against the proposal's quote at 100
    ("drift_pct", {"price": 100.4}, snapshot(q=quote(price=100.4), reference=quote()), True),
    ("drift_pct", {"price": 101.0}, snapshot(q=quote(price=101.0), reference=quote()), True),
    ("drift_pct", {"price": 101.02}, snapshot(q=quote(price=101.02), reference=quote()), False),
    ("drift_ticks", {"price": 100.49}, snapshot(q=quote(price=100.49), reference=quote()), True),
    ("drift_ticks", {"price": 100.50}, snapshot(q=quote(price=100.50), reference=quote()), True),
    ("drift_ticks", {"price": 100.51}, snapshot(q=quote(price=100.51), reference=quote()), False),
    # max_quote_age_s 5
    ("quote_age", {}, snapshot(q=quote(age_s=4.9)), True),
    ("quote_age", {}, snapshot(q=quote(age_s=5.0)), True),
    ("quote_age", {}, snapshot(q=quote(age_s=5.001)), False),
]


@pytest.mark.parametrize(("name", "kw", "snap", "expected"), BOUNDARY_CASES)
def test_limit_at_pass_boundary_and_fail(
    name: str, kw: dict[str, object], snap: RiskSnapshot, expected: bool
) -> None:
    # Widen the other band so a price-band row tests only its own unit.
    engine = ENGINE
    if name == "price_band_pct":
        engine = RiskEngine(SETTINGS.model_copy(update={"price_band_ticks": 10_000}))
    assert verdict(name, kw, snap, engine) is expected


def test_boundary_result_reports_zero_headroom() -> None:
    result = ENGINE.check(order(qty=100), snapshot()).get("order_notional")
    assert result.passed
    assert result.current == pytest.approx(10_000)
    assert result.headroom == pytest.approx(0.0)
    assert result.utilization == pytest.approx(1.0)


def test_sector_cap_sums_across_symbols_of_one_sector() -> None:
    # Cap = 40 % of 100_000 = 40_000. MSFT (Technology) holds 30_000; XOM (Energy) must not count.
    book = {"MSFT": (300, 100.0), "XOM": (500, 100.0)}
    assert verdict("sector_exposure", {"qty": 100}, snapshot(book)) is True  # 40_000 exactly
    assert verdict("sector_exposure", {"qty": 101}, snapshot(book)) is False
    # The same order is fine when the other 30_000 is in a different sector.
    assert verdict("sector_exposure", {"qty": 101}, snapshot({"JPM": (300, 100.0)})) is True
    result = ENGINE.check(order(qty=101), snapshot(book)).get("sector_exposure")
    assert result.current == pytest.approx(40_100)
    assert "Technology" in result.message


def test_unknown_sectors_share_one_bucket() -> None:
    # ZZZ and AAPL-as-unknown: sectors map lacks ZZZ, so an order in QQQ (unknown) adds to it.
    book = {"ZZZ": (390, 100.0)}
    res = ENGINE.check(order(symbol="QQQ", qty=11, price=100.0), snapshot(book, q=quote("QQQ")))
    assert res.get("sector_exposure").current == pytest.approx(40_100)
    assert not res.get("sector_exposure").passed


def test_exposure_limits_let_a_reducing_order_through_when_already_over() -> None:
    # 300 @ 100 = 30_000 > 20_000 after prices moved: selling 50 must still pass.
    snap = snapshot({"AAPL": (300, 100.0)})
    res = ENGINE.check(order(side=Side.SELL, qty=50), snap)
    assert res.get("position_notional").passed
    assert res.get("position_notional").current == pytest.approx(25_000)
    assert not ENGINE.check(order(qty=1), snap).get("position_notional").passed


def test_daily_loss_breach_still_allows_reducing_orders() -> None:
    snap = snapshot({"AAPL": (100, 100.0)}, realized=-2_000)
    assert ENGINE.check(order(side=Side.SELL, qty=50), snap).get("daily_loss").passed
    assert not ENGINE.check(order(qty=5), snap).get("daily_loss").passed


def test_working_orders_count_toward_position_exposure() -> None:
    # Position 100, a working buy of 100: another 1 share breaches 20_000.
    snap = snapshot({"AAPL": (100, 100.0)}, working={"AAPL": 100})
    assert not ENGINE.check(order(qty=1), snap).get("position_notional").passed
    assert (
        ENGINE.check(order(qty=1), snapshot({"AAPL": (100, 100.0)})).get("position_notional").passed
    )


def test_stale_quote_fails_quote_age_even_when_recent() -> None:
    assert verdict("quote_age", {}, snapshot(q=quote(age_s=0.1, stale=True))) is False
    assert verdict("quote_age", {}, snapshot(q=quote(age_s=0.1))) is True


def test_no_quote_at_all_fails_quote_age_and_price_band() -> None:
    snap = snapshot()
    snap = dataclasses.replace(snap, market=dataclasses.replace(snap.market, quote=None))
    res = ENGINE.check(order(), snap)
    assert not res.get("quote_age").passed
    assert not res.get("price_band_pct").passed
    assert not res.passed


def test_market_hours_gate() -> None:
    assert verdict("market_hours", {}, snapshot(market_open=True)) is True
    assert verdict("market_hours", {}, snapshot(market_open=False)) is False
    relaxed = RiskEngine(SETTINGS.model_copy(update={"enforce_market_hours": False}))
    assert verdict("market_hours", {}, snapshot(market_open=False), relaxed) is True


@pytest.mark.parametrize(
    ("position", "side", "qty", "allowed_without_shorting"),
    [
        (0, Side.SELL, 10, False),  # opens a short
        (100, Side.SELL, 100, True),  # to flat
        (100, Side.SELL, 150, False),  # flips long -> short
        (-100, Side.SELL, 10, False),  # grows a short
        (-100, Side.BUY, 50, True),  # covers part of a short
    ],
)
def test_shorting_gate(
    position: float, side: Side, qty: float, allowed_without_shorting: bool
) -> None:
    snap = snapshot({"AAPL": (position, 100.0)})
    assert verdict("shorting", {"side": side, "qty": qty}, snap) is allowed_without_shorting
    shorts_ok = RiskEngine(SETTINGS.model_copy(update={"allow_short": True}))
    assert verdict("shorting", {"side": side, "qty": qty}, snap, shorts_ok) is True


def test_options_need_the_flag() -> None:
    kw = {"sec_type": SecType.OPT, "qty": 1, "price": 100.0}
    assert verdict("options", kw, snapshot(options_enabled=False)) is False
    assert verdict("options", kw, snapshot(options_enabled=True)) is True
    assert verdict("options", {}, snapshot(options_enabled=False)) is True


def test_market_orders_need_config() -> None:
    assert verdict("order_type", {"price": None}, snapshot()) is False
    allowed = RiskEngine(SETTINGS.model_copy(update={"allow_market_orders": True}))
    res = allowed.check(order(price=None), snapshot())
    assert res.get("order_type").passed
    # A MKT order is valued at the current reference price for the notional limit.
    assert res.get("order_notional").current == pytest.approx(10 * 100.0)
    assert res.get("price_band_pct").passed


@pytest.mark.parametrize(
    ("state", "position", "side", "qty", "expected"),
    [
        (TradingState.ACTIVE, 0, Side.BUY, 10, True),
        (TradingState.HALTED, 100, Side.SELL, 10, False),  # even reducing
        (TradingState.REDUCING, 100, Side.SELL, 50, True),
        (TradingState.REDUCING, 100, Side.SELL, 100, True),  # to flat
        (TradingState.REDUCING, 100, Side.SELL, 101, False),  # flips long -> short
        (TradingState.REDUCING, 100, Side.BUY, 10, False),  # grows
        (TradingState.REDUCING, 0, Side.BUY, 10, False),  # opens
        (TradingState.REDUCING, -100, Side.BUY, 40, True),  # covers part of a short
        (TradingState.REDUCING, -100, Side.BUY, 140, False),  # flips short -> long
    ],
)
def test_trading_state_gate(
    state: TradingState, position: float, side: Side, qty: float, expected: bool
) -> None:
    snap = snapshot({"AAPL": (position, 100.0)}, state=state)
    assert verdict("trading_state", {"side": side, "qty": qty}, snap) is expected


def test_reducing_counts_working_orders_so_two_sells_cannot_flip() -> None:
    # Long 100 with a working sell of 80: a further sell of 30 would end short 10.
    snap = snapshot({"AAPL": (100, 100.0)}, working={"AAPL": -80}, state=TradingState.REDUCING)
    assert verdict("trading_state", {"side": Side.SELL, "qty": 30}, snap) is False
    assert verdict("trading_state", {"side": Side.SELL, "qty": 20}, snap) is True


def test_decision_passes_only_when_every_check_passes_and_names_failures() -> None:
    ok = ENGINE.check(order(qty=10), snapshot())
    assert ok.passed and ok.reason == "" and not ok.failures
    bad = ENGINE.check(order(qty=101), snapshot())
    assert not bad.passed
    assert {c.name for c in bad.failures} == {"order_qty", "order_notional"}
    assert bad.tightest.name in {"order_qty", "order_notional"}
    assert "order_qty" in bad.reason


def test_tightest_is_the_most_used_numeric_limit() -> None:
    # 90 shares: qty 90 % and notional 90 %, but the quote is 4.5 s old of 5 s = 90 %;
    # open orders 2 of 3 + 1 = 100 % -> open_orders is the tightest.
    res = ENGINE.check(order(qty=90), snapshot(open_orders=2))
    assert res.passed
    assert res.tightest.name == "open_orders"
    assert res.tightest.utilization == pytest.approx(1.0)


def test_every_check_reports_finite_use_and_limit_for_a_normal_order() -> None:
    res = ENGINE.check(order(), snapshot({"MSFT": (10, 300.0)}))
    for c in res.checks:
        assert math.isfinite(c.current) and math.isfinite(c.limit), c


def test_settings_reject_bad_values_naming_the_key() -> None:
    with pytest.raises(ValidationError, match="max_order_qty"):
        RiskSettings(max_order_qty=0)
    with pytest.raises(ValidationError, match="sector_cap_pct"):
        RiskSettings(sector_cap_pct=150)
    with pytest.raises(ValidationError, match="unknown_key"):
        RiskSettings.model_validate({"unknown_key": 1})


def test_now_is_injected_not_read() -> None:
    # The builder's quote is 1 s older than NOW; if the engine read the wall clock instead it
    # would see a quote years old and fail.
    assert ENGINE.check(order(), snapshot()).get("quote_age").current == pytest.approx(1.0)
    assert NOW.year == 2026
