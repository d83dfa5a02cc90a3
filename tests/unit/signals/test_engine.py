"""SignalEngine: bars in, signals in the book, flags honoured at once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from apex_tui.domain.quotes import BarRecord
from apex_tui.flags import FlagBoard, FlagsSettings
from apex_tui.signals.book import SignalBook
from apex_tui.signals.engine import SignalEngine
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Direction, Regime, Signal

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def uptrend(n: int = 200) -> np.ndarray:
    out: np.ndarray = np.r_[
        100 + 0.3 * np.sin(np.arange(n - 60) * 0.7), 100 + np.cumsum(np.full(60, 0.8))
    ]
    return out


def bars_for(symbol: str, close: np.ndarray) -> list[BarRecord]:
    return [
        BarRecord(symbol, T0 + timedelta(minutes=i), c, c + 0.2, c - 0.2, c, 100.0)
        for i, c in enumerate(close)
    ]


def make(**flags: bool) -> tuple[SignalEngine, FlagBoard]:
    board = FlagBoard(FlagsSettings(**flags))
    return SignalEngine(SignalSettings(max_symbols=4), board, SignalBook()), board


def feed(engine: SignalEngine, *series: list[BarRecord]) -> list[Signal]:
    out: list[Signal] = []
    for step in zip(*series, strict=True):
        out += engine.on_bars(list(step))
    return out


def test_uptrend_emits_a_long_trend_signal_into_the_book() -> None:
    engine, _ = make(regime_detection=False)
    emitted = feed(engine, bars_for("AAA", uptrend()), bars_for("BBB", 200.0 - uptrend()))
    sig = engine.book.latest("AAA", "trend")
    assert sig is not None and sig.direction is Direction.LONG
    assert sig.bar_time > T0 + timedelta(minutes=140)  # fired during the rally
    assert sig in emitted and 0 < sig.strength <= 1 and "EMA12" in sig.reason
    down = engine.book.latest("BBB", "trend")
    assert down is not None and down.direction is Direction.SHORT
    assert engine.book.regime("AAA") is None


def test_signals_are_emitted_on_direction_changes_only() -> None:
    engine, _ = make()
    emitted = feed(engine, bars_for("AAA", uptrend()))
    trend = [s for s in emitted if s.generator == "trend"]
    for a, b in itertools.pairwise(trend):
        assert a.direction != b.direction


def test_turning_a_generator_off_stops_it_and_clears_its_signals() -> None:
    engine, board = make(regime_detection=False)
    bars = bars_for("AAA", uptrend())
    feed(engine, bars[:180])
    assert engine.book.latest("AAA", "trend") is not None
    version = engine.book.version
    board.toggle("trend")
    assert engine.book.latest("AAA", "trend") is None
    assert ("AAA", "trend") in engine.book.changes_since(version).removed
    later = feed(engine, bars[180:190])
    assert not [s for s in later if s.generator == "trend"]
    board.toggle("trend")
    again = engine.on_bar(bars[190])
    assert [s.direction for s in again if s.generator == "trend"] == [Direction.LONG]


def test_ml_flag_switches_the_ensemble_mode() -> None:
    engine, board = make()
    bars = bars_for("AAA", uptrend())
    feed(engine, bars[:199])
    board.toggle("ml_signals")
    out = engine.on_bar(bars[199])
    ens = [s for s in out if s.generator == "ensemble"]
    assert ens and ens[0].params["mode"] == "learned"


def test_regime_flag_sets_and_clears_regimes() -> None:
    engine, board = make(regime_detection=True)
    feed(engine, bars_for("AAA", uptrend()))
    assert engine.book.regime("AAA") in set(Regime)
    board.toggle("regime_detection")
    assert engine.book.regime("AAA") is None


def test_warm_up_then_live_equals_feeding_everything_live() -> None:
    close = uptrend(400)
    bars = bars_for("AAA", close)
    history = pl.DataFrame(
        {
            "time": [b.time for b in bars[:300]],
            "high": [b.high for b in bars[:300]],
            "low": [b.low for b in bars[:300]],
            "close": [b.close for b in bars[:300]],
            "volume": [b.volume for b in bars[:300]],
        }
    )
    warmed, _ = make()
    assert warmed.warm_up({"AAA": history}) == 300
    live, _ = make()
    feed(live, bars[:300])
    assert warmed.book.snapshot() == live.book.snapshot()
    assert feed(warmed, bars[300:]) == feed(live, bars[300:])


def test_gap_bars_are_skipped_and_symbols_managed() -> None:
    engine, _ = make()
    gap = BarRecord("AAA", T0, 1.0, float("nan"), 1.0, 1.0, 1.0)
    assert engine.on_bar(gap) == []
    assert engine.symbols == []
    for s in ("A", "B", "C", "D"):
        engine.add_symbol(s)
    with pytest.raises(Exception, match="full"):
        engine.add_symbol("E")
    engine.remove_symbol("A")
    engine.add_symbol("E")
    assert engine.symbols == ["B", "C", "D", "E"]
