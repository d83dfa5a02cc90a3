"""SignalService: real aggregator bars in, signals in the book, warm-up from a real Lake,
auto_propose only with its flag, and generator bugs kept out of the event handler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from apex_tui.core.signal_service import (
    SignalService,
    aggregator_timeframes,
    history_bar_size,
)
from apex_tui.domain.clock import FixedClock
from apex_tui.domain.quotes import BarRecord, Tick
from apex_tui.flags import FlagBoard, FlagsSettings
from apex_tui.market.bars import BarAggregator
from apex_tui.signals.engine import SignalEngine
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Direction, Signal
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def uptrend(n: int = 200) -> np.ndarray:
    """A quiet wiggle, then a steady rally: every generator has something to say."""
    out: np.ndarray = np.r_[
        100 + 0.3 * np.sin(np.arange(n - 60) * 0.7), 100 + np.cumsum(np.full(60, 0.8))
    ]
    return out


class FakeConnector:
    def __init__(self, bars: BarAggregator) -> None:
        self.bars = bars


def make(
    timeframe: str = "5s", propose: list[Signal] | None = None, **flags: bool
) -> tuple[SignalService, BarAggregator, FlagBoard]:
    settings = SignalSettings(timeframe=timeframe, max_symbols=4, warmup_bars=300)
    board = FlagBoard(FlagsSettings(**flags))
    service = SignalService(settings, board, propose=None if propose is None else propose.append)
    agg = BarAggregator(timeframes=aggregator_timeframes(settings))
    service.attach(FakeConnector(agg))
    return service, agg, board


def ticks_for(symbol: str, closes: np.ndarray, step: int = 5) -> list[Tick]:
    """Three ticks per bar (low, high, close) with the session volume growing."""
    out: list[Tick] = []
    volume = 0.0
    for i, c in enumerate(closes):
        t = T0 + timedelta(seconds=step * i)
        for j, price in enumerate((c - 0.2, c + 0.2, c)):
            volume += 50.0
            out.append(Tick(t + timedelta(seconds=j), symbol, price, price, price, 1, 1, 1, volume))
    return out


def feed(agg: BarAggregator, ticks: list[Tick]) -> None:
    for tick in ticks:
        agg.add(tick)


def test_timeframes_and_bar_sizes() -> None:
    assert aggregator_timeframes(SignalSettings(timeframe="5s")) == (1, 5, 60)
    assert aggregator_timeframes(SignalSettings(timeframe="1m")) == (1, 60)
    assert history_bar_size(SignalSettings(timeframe="5s")) == "5 secs"
    assert history_bar_size(SignalSettings(timeframe="1h")) == "1 hour"


def test_real_aggregator_ticks_produce_signals_in_the_book() -> None:
    service, agg, _ = make(regime_detection=False)
    feed(agg, ticks_for("AAA", uptrend()))
    # 200 five-second buckets; the last is still open (no later tick closed it).
    assert service.bars_fed == 199
    assert len(agg.bars("AAA", 1)) > 0  # the 1 s bars exist but were not fed
    trend = service.book.latest("AAA", "trend")
    assert trend is not None and trend.direction is Direction.LONG
    assert trend.timeframe == "5s"
    assert T0 + timedelta(seconds=5 * 140) < trend.bar_time < T0 + timedelta(seconds=5 * 199)
    agg.flush(T0 + timedelta(seconds=5 * 200))
    assert service.bars_fed == 200
    assert service.errors == 0


async def test_bars_are_buffered_in_the_handler_and_fed_on_the_loop() -> None:
    service, agg, _ = make(regime_detection=False)
    feed(agg, ticks_for("AAA", uptrend()))
    assert service.bars_fed == 0  # the event handler only buffered
    await wait_until(lambda: service.bars_fed >= 199)
    assert service.bars_fed == 199
    latest = service.book.latest("AAA", "trend")
    assert latest is not None and latest.direction is Direction.LONG


async def wait_until(cond: Callable[[], bool], deadline_s: float = 5.0) -> None:
    """Poll a condition on the loop with a deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not met before deadline")
        await asyncio.sleep(0.001)


def minute_bars(symbol: str, closes: np.ndarray) -> list[BarRecord]:
    return [
        BarRecord(symbol, T0 + timedelta(minutes=i), c, c + 0.2, c - 0.2, c, 100.0, c, 3)
        for i, c in enumerate(closes)
    ]


async def test_warm_up_from_a_real_lake_then_held_live_bars(tmp_path: Path) -> None:
    closes = uptrend(400)
    bars = minute_bars("AAA", closes)
    lake = Lake.open(DataSettings(dir=str(tmp_path / "lake")))
    lake.bars.write_bars("AAA", "1 min", "TRADES", bars[:300])
    settings = SignalSettings(timeframe="1m", max_symbols=4, warmup_bars=300)
    board = FlagBoard()
    clock = FixedClock(bars[300].time)
    service = SignalService(settings, board, history=lake.bars, clock=clock)

    task = service.add_symbol("AAA")
    # Bars that close while history is read wait; the one history already has is dropped.
    service.on_bar(60, bars[299])
    service.on_bar(60, bars[300])
    assert service.bars_fed == 0
    assert await task == 300
    assert service.warmup_bars_fed == 300 and service.bars_fed == 1

    reference = SignalEngine(settings, FlagBoard())
    for bar in bars[:301]:
        reference.on_bar(bar)
    assert service.book.snapshot() == reference.book.snapshot()
    assert service.book.latest("AAA", "trend") is not None

    for bar in bars[301:]:
        service.on_bar(60, bar)
        reference.on_bar(bar)
    await service.wait_warm()
    service.drain()
    assert service.book.snapshot() == reference.book.snapshot()


async def test_warm_up_without_history_still_adds_the_symbol(tmp_path: Path) -> None:
    lake = Lake.open(DataSettings(dir=str(tmp_path / "lake")))
    service = SignalService(SignalSettings(max_symbols=4), FlagBoard(), history=lake.bars)
    assert await service.add_symbols(["ZZZ"]) == 0
    assert service.engine.symbols == ["ZZZ"]
    service.remove_symbol("ZZZ")
    assert service.engine.symbols == []


def test_auto_propose_calls_back_only_when_the_flag_is_on() -> None:
    calls: list[Signal] = []
    service, agg, _ = make(propose=calls, regime_detection=False)
    feed(agg, ticks_for("AAA", uptrend()))
    assert calls == [] and service.book.snapshot()

    calls_on: list[Signal] = []
    service, agg, board = make(propose=calls_on, regime_detection=False, auto_propose=True)
    feed(agg, ticks_for("AAA", uptrend()))
    assert calls_on and service.proposed == len(calls_on)
    assert all(s.direction is not Direction.FLAT for s in calls_on)
    assert all(s.strength >= service.settings.min_strength for s in calls_on)
    assert {s.generator for s in calls_on} >= {"trend"}

    # A flag change makes the engine re-emit unchanged directions: not new, not proposed.
    n = len(calls_on)
    board.toggle("trend")
    board.toggle("trend")
    agg.flush(T0 + timedelta(seconds=5 * 200))
    assert service.book.latest("AAA", "trend") is not None
    assert [s for s in calls_on[n:] if s.generator == "trend"] == []

    # Turned off (no phrase needed), nothing more is proposed.
    board.toggle("auto_propose")
    m = len(calls_on)
    feed(agg, ticks_for("AAA", 200.0 - uptrend())[600:])  # later buckets, a sell-off
    assert len(calls_on) == m


def test_a_refused_proposal_is_counted_and_signals_go_on() -> None:
    settings = SignalSettings(timeframe="5s", max_symbols=4, warmup_bars=300)
    board = FlagBoard(FlagsSettings(auto_propose=True, regime_detection=False))

    def refuse(signal: Signal) -> None:
        raise RuntimeError(f"risk says no to {signal.symbol}")

    service = SignalService(settings, board, propose=refuse)
    agg = BarAggregator(timeframes=aggregator_timeframes(settings))
    service.attach(FakeConnector(agg))
    feed(agg, ticks_for("AAA", uptrend()))
    assert service.propose_errors > 0 and service.proposed == 0
    assert service.book.latest("AAA", "trend") is not None


def test_a_generator_exception_stays_out_of_the_event_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service, agg, _ = make(regime_detection=False)
    other: list[BarRecord] = []
    agg.on_bar(lambda tf, bar: other.append(bar) if tf == 5 else None)
    ticks = ticks_for("AAA", uptrend())

    def boom(*_args: object, **_kwargs: object) -> np.ndarray:
        raise ZeroDivisionError("generator bug")

    with monkeypatch.context() as m:
        m.setattr(service.engine.members["trend"], "score", boom)
        feed(agg, ticks[:300])  # the aggregator (ib_async's handler) never sees the error
    assert service.errors == 99 and service.bars_fed == 0
    assert len(other) == 99  # later listeners still got every bar
    feed(agg, ticks[300:])
    assert service.bars_fed == 100 and service.errors == 99
    assert service.book.snapshot()
