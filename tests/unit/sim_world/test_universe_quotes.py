"""Universe statics and live-quote behaviour around the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apex_tui.sim.world import World

from .conftest import NOW, make_world, stock


def test_default_universe_is_about_fifty_classified_us_names(world: World) -> None:
    names = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "XOM", "SPY", "QQQ"]
    insts = [stock(world, s) for s in [*names, "IWM"]]
    assert len({i.con_id for i in insts}) == len(insts)
    assert {i.primary_exchange for i in insts} <= {"NASDAQ", "NYSE", "ARCA"}
    assert stock(world, "SPY").industry == "Funds" and stock(world, "JPM").industry == "Financial"
    assert all(i.min_tick == 0.01 and i.industry for i in insts)
    assert "20261126:CLOSED" in insts[0].trading_hours  # Thanksgiving within the next week
    assert "20261127:0930-20261127:1300" in insts[0].liquid_hours  # half day
    assert world.find("NOPE", "STK") == []
    assert world.by_con_id(265598) == stock(world, "AAPL")


def test_custom_symbols_get_a_stable_profile() -> None:
    a, b = make_world(symbols=("ZZZQ", "AAPL")), make_world(symbols=("ZZZQ",))
    assert stock(a, "ZZZQ") == stock(b, "ZZZQ")
    assert a.find("MSFT", "STK") == []
    assert a.quote(stock(a, "ZZZQ"), NOW) == b.quote(stock(b, "ZZZQ"), NOW)


def test_spreads_and_sizes_are_realistic(world: World) -> None:
    for sym in ("AAPL", "PFE", "SPY"):
        q = world.quote(stock(world, sym), NOW)
        ticks = round((q.ask - q.bid) / 0.01)
        assert 1 <= ticks <= 3
        assert q.bid <= q.last <= q.ask
        assert q.bid_size % 100 == 0 and q.bid_size > 0


def test_always_open_market_moves_at_the_weekend_and_rejoins_monday() -> None:
    w = make_world(market_hours="always")
    inst = stock(w)
    saturday = NOW + timedelta(days=1)
    assert w.market_open(inst, saturday)
    lasts = {w.quote(inst, saturday + timedelta(minutes=m)).last for m in range(0, 600, 10)}
    assert len(lasts) > 1
    monday_start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 04:00 New York
    first = w.bars(inst, end=monday_start + timedelta(seconds=1), duration="1 S",
                   bar_size="1 secs", what_to_show="TRADES", use_rth=False)  # fmt: skip
    assert first[0].time == monday_start
    assert w.quote(inst, monday_start).last == first[0].open
    just_before = w.quote(inst, monday_start - timedelta(seconds=1)).last
    assert abs(just_before - first[0].open) < 0.05  # no jump into the session


def test_session_volume_grows_and_resets(world: World) -> None:
    inst = stock(world)
    v1 = world.quote(inst, NOW).volume
    v2 = world.quote(inst, NOW + timedelta(minutes=1)).volume
    next_premarket = world.quote(inst, datetime(2026, 11, 23, 9, 5, tzinfo=UTC)).volume
    assert 0 < v1 < v2
    assert next_premarket < v1
