"""Option chains, contracts and Black-Scholes quotes."""

from __future__ import annotations

import math
from datetime import timedelta

from apex_tui.sim.model import SecType
from apex_tui.sim.options import RATE, expiry_close
from apex_tui.sim.world import World

from .conftest import NOW, stock


def test_chain_has_weekly_and_monthly_expiries_and_strikes_around_the_price(world: World) -> None:
    under = stock(world)
    (params,) = world.option_params("AAPL", under.con_id)
    spot = world.quote(under, NOW).last
    assert params.multiplier == "100" and params.underlying_con_id == under.con_id
    assert len(params.expirations) >= 8
    assert params.expirations == tuple(sorted(params.expirations))
    fridays = [e for e in params.expirations if e[6:] >= "15" and e[6:] <= "21"]
    assert len(fridays) >= 4  # monthly third Fridays
    assert min(params.strikes) < spot < max(params.strikes)
    assert world.option_params("NOPE", 0) == []


def test_find_with_partial_filters_returns_every_match(world: World) -> None:
    (params,) = world.option_params("AAPL", 0)
    expiry, strike = params.expirations[2], params.strikes[len(params.strikes) // 2]
    both = world.find("AAPL", "OPT", expiry=expiry, strike=strike)
    assert {o.right for o in both} == {"C", "P"}
    whole_expiry = world.find("AAPL", "OPT", expiry=expiry)
    assert len(whole_expiry) == 2 * len(params.strikes)
    one = world.find("AAPL", "OPT", expiry=expiry, strike=strike, right="C")
    assert len(one) == 1 and one[0].sec_type == SecType.OPT and one[0].multiplier == "100"
    assert world.by_con_id(one[0].con_id) == one[0]
    assert world.find("AAPL", "OPT", expiry=expiry, strike=strike + 0.37) == []


def test_put_call_parity_holds_within_the_spread(world: World) -> None:
    (params,) = world.option_params("AAPL", 0)
    expiry = params.expirations[3]
    under = world.quote(stock(world), NOW)
    for strike in params.strikes[::5]:
        call, put = sorted(world.find("AAPL", "OPT", expiry=expiry, strike=strike),
                           key=lambda o: o.right)  # fmt: skip
        qc, qp = world.quote(call, NOW), world.quote(put, NOW)
        years = (expiry_close(call) - NOW.timestamp()) / (365.25 * 86400)
        forward = strike * math.exp(-RATE * years)
        # C - P = S - K e^{-rT}: bounded by the quotes, S taken anywhere inside its spread.
        assert qc.bid - qp.ask <= under.ask - forward + 1e-9
        assert qc.ask - qp.bid >= under.bid - forward - 1e-9
        assert qc.bid <= qc.ask and qp.bid <= qp.ask


def test_option_quotes_and_bars_follow_the_underlying(world: World) -> None:
    (params,) = world.option_params("AAPL", 0)
    call, put = sorted(
        world.find("AAPL", "OPT", expiry=params.expirations[1], strike=params.strikes[20]),
        key=lambda o: o.right,
    )
    later = NOW + timedelta(minutes=30)
    up = world.quote(stock(world), later).last > world.quote(stock(world), NOW).last
    moved_call = world.quote(call, later).last - world.quote(call, NOW).last
    moved_put = world.quote(put, later).last - world.quote(put, NOW).last
    assert (moved_call >= 0) == up or moved_call == 0
    assert (moved_put <= 0) == up or moved_put == 0
    bars = world.bars(call, end=NOW, duration="1 D", bar_size="5 mins", what_to_show="TRADES",
                      use_rth=True)  # fmt: skip
    assert bars and all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high
                        for b in bars)  # fmt: skip
