"""History: determinism, overlap agreement, OHLC consistency, calendar and RTH rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apex_tui.sim.calendar import EASTERN
from apex_tui.sim.history import HistoryRequestError
from apex_tui.sim.model import Bar
from apex_tui.sim.world import World

from .conftest import NOW, make_world, stock

FRIDAY_CLOSE = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 20:00 New York, Friday 2026-11-20


def _bars(w: World, symbol: str = "AAPL", **kw: object) -> list[Bar]:
    args: dict[str, object] = {
        "end": NOW, "duration": "1 D", "bar_size": "1 min", "what_to_show": "TRADES",
        "use_rth": False,
    }  # fmt: skip
    args.update(kw)
    return w.bars(stock(w, symbol), **args)  # type: ignore[arg-type]


def test_two_worlds_with_the_same_seed_agree_and_another_seed_differs() -> None:
    a, b, c = make_world(seed=11), make_world(seed=11), make_world(seed=12)
    assert _bars(a, duration="2 D") == _bars(b, duration="2 D")
    assert a.quote(stock(a), NOW) == b.quote(stock(b), NOW)
    assert _bars(a, duration="2 D") != _bars(c, duration="2 D")


def test_overlapping_requests_agree_bar_for_bar(world: World) -> None:
    early = _bars(world, end=NOW - timedelta(hours=2), duration="3 D", bar_size="5 mins")
    late = _bars(world, end=NOW, duration="2 D", bar_size="5 mins")
    by_time = {b.time: b for b in early[:-1]}  # early's last bar may be cut by its end
    common = [b for b in late if b.time in by_time]
    assert len(common) > 100
    assert all(by_time[b.time] == b for b in common)


@pytest.mark.parametrize(
    "bar_size", ["1 secs", "5 secs", "30 secs", "1 min", "15 mins", "1 hour", "4 hours", "1 day"]
)
@pytest.mark.parametrize("what", ["TRADES", "MIDPOINT", "BID", "ASK"])
def test_bars_are_ohlc_consistent(world: World, bar_size: str, what: str) -> None:
    duration = "1800 S" if "secs" in bar_size else "1 M" if bar_size == "1 day" else "2 D"
    bars = _bars(world, bar_size=bar_size, what_to_show=what, duration=duration)
    assert bars
    for b in bars:
        assert b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high
    assert [b.time for b in bars] == sorted({b.time for b in bars})


def test_bid_ask_midpoint_bars_are_ordered(world: World) -> None:
    bid, mid, ask = (
        _bars(world, what_to_show=w, bar_size="5 mins") for w in ("BID", "MIDPOINT", "ASK")
    )
    for b, m, a in zip(bid, mid, ask, strict=True):
        assert b.close < m.close < a.close
        assert m.volume == -1  # IB reports no volume for quote bars


def test_coarse_bars_aggregate_the_fine_ones(world: World) -> None:
    minutes = _bars(world, end=FRIDAY_CLOSE, use_rth=True)
    (day,) = _bars(world, end=FRIDAY_CLOSE, use_rth=True, bar_size="1 day")
    assert day.open == minutes[0].open and day.close == minutes[-1].close
    assert day.high == max(b.high for b in minutes) and day.low == min(b.low for b in minutes)
    assert day.volume == sum(b.volume for b in minutes)
    seconds = _bars(world, end=NOW, duration="60 S", bar_size="1 secs")
    (minute,) = _bars(world, end=NOW, duration="60 S", bar_size="1 min")
    assert (minute.open, minute.close) == (seconds[0].open, seconds[-1].close)
    assert minute.high == max(b.high for b in seconds)
    assert minute.low == min(b.low for b in seconds)
    assert minute.volume == sum(b.volume for b in seconds)


def test_rth_and_all_hours_minute_counts_on_a_full_day(world: World) -> None:
    # 09:30-16:00 is 6.5 h = 390 minutes; 04:00-20:00 is 16 h = 960 minutes.
    assert len(_bars(world, end=FRIDAY_CLOSE, use_rth=True)) == 390
    assert len(_bars(world, end=FRIDAY_CLOSE, use_rth=False)) == 960
    hourly = _bars(world, end=FRIDAY_CLOSE, use_rth=True, bar_size="1 hour")
    first = hourly[0].time.astimezone(EASTERN)
    assert (first.hour, first.minute) == (9, 30) and len(hourly) == 7


def _days(bars: list[Bar]) -> set[date]:
    return {b.time.astimezone(EASTERN).date() for b in bars}


def test_no_bars_on_weekends_or_nyse_holidays(world: World) -> None:
    end = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # Monday after Thanksgiving week
    days = _days(_bars(world, end=end, duration="2 W", bar_size="1 hour"))
    assert date(2026, 11, 26) not in days  # Thanksgiving
    assert not any(d.weekday() >= 5 for d in days)
    assert date(2026, 11, 25) in days and date(2026, 11, 27) in days
    daily = _bars(world, end=end, duration="1 M", bar_size="1 day")
    assert date(2026, 11, 26) not in _days(daily)
    # The day after Thanksgiving closes at 13:00: 09:30-13:00 is 210 minutes.
    half_day_end = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    assert len(_bars(world, end=half_day_end, use_rth=True)) == 210


def test_live_quote_continues_the_history(world: World) -> None:
    for t in (NOW, NOW + timedelta(seconds=37), NOW + timedelta(minutes=5, seconds=1)):
        q = world.quote(stock(world), t)
        last_second = _bars(world, end=t, duration="60 S", bar_size="1 secs")[-1]
        assert last_second.time == t - timedelta(seconds=1)
        assert q.last == pytest.approx(last_second.close, abs=1e-9)
        assert q.low <= q.last <= q.high


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"duration": "2 X"}, "duration"),
        ({"bar_size": "7 mins"}, "bar size"),
        ({"what_to_show": "FOO"}, "whatToShow"),
        ({"duration": "1 Y", "bar_size": "1 secs"}, "exceed"),
    ],
)
def test_invalid_requests_raise(world: World, kw: dict[str, object], fragment: str) -> None:
    with pytest.raises(HistoryRequestError, match=fragment):
        _bars(world, **kw)  # type: ignore[arg-type]


def test_weekly_and_monthly_bars(world: World) -> None:
    weeks = _bars(world, end=FRIDAY_CLOSE, duration="3 M", bar_size="1 week", use_rth=True)
    months = _bars(world, end=FRIDAY_CLOSE, duration="1 Y", bar_size="1 month", use_rth=True)
    assert 12 <= len(weeks) <= 15 and 12 <= len(months) <= 13
    assert all(b.time.astimezone(EASTERN).weekday() <= 4 for b in weeks)
