"""Bar aggregation from ticks: 1 s and 1 min buckets, OHLC, volume deltas, the tick sink."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from apex_tui.domain.quotes import BarRecord, Tick
from apex_tui.market.bars import BarAggregator

T0 = datetime(2026, 11, 20, 15, 30, 0, tzinfo=UTC)  # on a minute boundary


def tick(at_s: float, last: float, volume: float = math.nan, symbol: str = "AAPL") -> Tick:
    return Tick(
        time=T0 + timedelta(seconds=at_s),
        symbol=symbol,
        bid=math.nan,
        ask=math.nan,
        last=last,
        bid_size=math.nan,
        ask_size=math.nan,
        last_size=math.nan,
        volume=volume,
    )


def test_every_tick_reaches_the_sink_even_without_a_price() -> None:
    seen: list[Tick] = []
    agg = BarAggregator(sink=seen.extend)
    ticks = [tick(0.1, 10.0), tick(0.2, math.nan), tick(1.5, 11.0)]
    for t in ticks:
        agg.add(t)
    assert seen == ticks


def test_one_second_bars_have_ohlc_of_the_ticks_in_their_bucket() -> None:
    agg = BarAggregator()
    for at, price in [(0.1, 10.0), (0.4, 12.0), (0.7, 9.0), (0.9, 11.0), (1.2, 11.5)]:
        agg.add(tick(at, price))
    bars = agg.bars("AAPL", 1)
    assert len(bars) == 1  # the second bucket is still open
    b = bars[0]
    assert (b.time, b.open, b.high, b.low, b.close, b.count) == (T0, 10.0, 12.0, 9.0, 11.0, 4)


def test_minute_bars_close_at_the_minute_and_volume_is_the_cumulative_increase() -> None:
    agg = BarAggregator()
    agg.add(tick(1, 10.0, volume=1000))  # first volume seen: baseline, no delta
    agg.add(tick(30, 11.0, volume=1200))
    agg.add(tick(59, 10.5, volume=1500))
    agg.add(tick(61, 10.7, volume=1600))
    [bar] = agg.bars("AAPL", 60)
    assert bar.time == T0 and bar.volume == 500 and bar.close == 10.5 and bar.high == 11.0
    agg.flush(T0 + timedelta(seconds=120))
    bars = agg.bars("AAPL", 60)
    assert len(bars) == 2 and bars[1].volume == 100 and bars[1].open == 10.7


def test_flush_closes_bars_whose_bucket_is_over_and_notifies_listeners() -> None:
    got: list[tuple[int, BarRecord]] = []
    agg = BarAggregator()
    agg.on_bar(lambda tf, bar: got.append((tf, bar)))
    agg.add(tick(0.5, 10.0))
    agg.flush(T0 + timedelta(seconds=0.9))  # the 1 s bucket is not over yet
    assert got == []
    agg.flush(T0 + timedelta(seconds=1.0))
    assert [tf for tf, _ in got] == [1]
    agg.flush(T0 + timedelta(seconds=60))
    assert [tf for tf, _ in got] == [1, 60]


def test_closes_feed_sparklines_with_the_latest_n() -> None:
    agg = BarAggregator(keep=5)
    for minute in range(8):
        agg.add(tick(minute * 60 + 1, 100.0 + minute))
    agg.flush(T0 + timedelta(minutes=9))
    assert agg.closes("AAPL", 60, n=3) == [105.0, 106.0, 107.0]
    assert len(agg.bars("AAPL", 60)) == 5  # ring buffer keeps `keep`


def test_a_failing_sink_is_counted_and_does_not_stop_aggregation() -> None:
    def broken(_t: Sequence[Tick]) -> None:
        raise RuntimeError("queue full")

    agg = BarAggregator(sink=broken)
    agg.add(tick(0.1, 10.0))
    agg.add(tick(1.1, 11.0))
    assert agg.sink_errors == 2
    assert agg.bars("AAPL", 1)[0].close == 10.0


def test_forget_drops_a_symbols_bars() -> None:
    agg = BarAggregator()
    agg.add(tick(0.1, 10.0))
    agg.add(tick(1.1, 10.0))
    agg.forget("AAPL")
    assert agg.bars("AAPL", 1) == []


def test_listeners_hear_only_the_timeframe_they_asked_for() -> None:
    agg = BarAggregator()
    minutes: list[tuple[int, BarRecord]] = []
    seconds: list[tuple[int, BarRecord]] = []
    every: list[int] = []
    agg.on_bar(lambda tf, bar: minutes.append((tf, bar)), 60)
    agg.on_bar(lambda tf, bar: seconds.append((tf, bar)), 1)
    agg.on_bar(lambda tf, _bar: every.append(tf))
    for s in range(0, 125, 5):  # two minutes and a bit, a trade every 5 s
        agg.add(tick(s, 100.0 + s))
    assert [tf for tf, _ in minutes] == [60, 60]
    assert [b.close for _, b in minutes] == [155.0, 215.0]
    assert len(seconds) == 24 and {tf for tf, _ in seconds} == {1}
    assert sorted(set(every)) == [1, 60] and len(every) == 26


def test_a_batch_reaches_the_sink_in_one_call_and_builds_the_same_bars() -> None:
    calls: list[list[Tick]] = []
    batch, single = BarAggregator(sink=lambda ts: calls.append(list(ts))), BarAggregator()
    ticks = [tick(0.1, 10.0), tick(0.2, 12.0, volume=1100), tick(1.5, 11.0, volume=1300)]
    batch.add_batch(ticks)
    for t in ticks:
        single.add(t)
    assert calls == [ticks]
    batch.flush(T0 + timedelta(seconds=10))
    single.flush(T0 + timedelta(seconds=10))
    assert batch.bars("AAPL", 1) == single.bars("AAPL", 1)
    assert [b.high for b in batch.bars("AAPL", 1)] == [12.0, 11.0]
