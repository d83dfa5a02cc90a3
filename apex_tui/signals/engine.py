"""SignalEngine: feeds bars through the live state, runs the enabled generators, fills the book.

Bars come from two places: history (the bars repository) warms each symbol up, then live bars
from the QuoteBook's aggregator arrive one per symbol per timeframe. All symbols that got a
bar in the same call are advanced together (vectorised). A generator emits a Signal when its
direction for a symbol changes (including back to FLAT); the SignalBook keeps the latest.
Flags are read on every bar and their changes take effect at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import polars as pl
from numpy.typing import NDArray

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.quotes import BarRecord
from apex_tui.flags import FlagBoard, FlagChange
from apex_tui.signals.book import SignalBook
from apex_tui.signals.features import BASE_FEATURES, REGIME_FEATURES
from apex_tui.signals.generators import (
    MEMBERS,
    EnsembleGenerator,
    Generator,
    OnlineLogistic,
    build_members,
)
from apex_tui.signals.generators.ensemble import member_feature
from apex_tui.signals.incremental import LiveFeatures
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import classify, regime_of
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Signal

_UNSEEN = 2  # last-direction sentinel: emit whatever the next bar says


class SignalEngine:
    """Owns the live indicator state for up to `settings.max_symbols` symbols."""

    def __init__(
        self, settings: SignalSettings, flags: FlagBoard, book: SignalBook | None = None
    ) -> None:
        self.settings = settings
        self.flags = flags
        self.book = book if book is not None else SignalBook()
        size = settings.max_symbols
        self._size = size
        self._slots: dict[str, int] = {}
        self._free = list(range(size - 1, -1, -1))
        self._live = LiveFeatures(settings, size)
        self._prev = {k: np.full(size, np.nan) for k in (*BASE_FEATURES, *REGIME_FEATURES)}
        self._prev_votes = np.full((size, len(MEMBERS)), np.nan)
        self.members: dict[str, Generator] = build_members(settings)
        self.ensemble = EnsembleGenerator(settings)
        e = settings.ensemble
        initial = [e.weight_trend, e.weight_mean_reversion, e.weight_momentum, e.weight_breakout]
        self._model = OnlineLogistic(initial, size, e.learning_rate, e.l2)
        self._generators: dict[str, Generator] = {**self.members, "ensemble": self.ensemble}
        self._last_dir = {g: np.full(size, _UNSEEN, dtype=np.int8) for g in self._generators}
        flags.subscribe(self._on_flag)

    def close(self) -> None:
        """Detach from the flags (before this engine is replaced by a reconfigured one)."""
        self.flags.unsubscribe(self._on_flag)

    # -- symbols -----------------------------------------------------------------------------

    @property
    def symbols(self) -> list[str]:
        return sorted(self._slots)

    def add_symbol(self, symbol: str) -> None:
        if symbol in self._slots:
            return
        if not self._free:
            raise ValidationError(
                f"signals engine is full ({self._size} symbols; raise signals.max_symbols)"
            )
        row = self._free.pop()
        self._slots[symbol] = row
        self._reset(np.array([row], dtype=np.intp))

    def remove_symbol(self, symbol: str) -> None:
        row = self._slots.pop(symbol, None)
        if row is None:
            return
        self._reset(np.array([row], dtype=np.intp))
        self._free.append(row)
        self.book.remove(symbol=symbol)

    def _reset(self, rows: NDArray[np.intp]) -> None:
        self._live.reset(rows)
        for arr in self._prev.values():
            arr[rows] = np.nan
        self._prev_votes[rows] = np.nan
        self._model.reset(rows)
        for d in self._last_dir.values():
            d[rows] = _UNSEEN

    # -- feeding -----------------------------------------------------------------------------

    def warm_up(self, histories: Mapping[str, pl.DataFrame]) -> int:
        """Feed the last `warmup_bars` bars of each history (columns time, high, low, close,
        volume; oldest first), all symbols in step. Returns the number of bars fed."""
        n = self.settings.warmup_bars
        frames: dict[str, pl.DataFrame] = {}
        for symbol, frame in histories.items():
            self.add_symbol(symbol)
            clean = frame.select("time", "high", "low", "close", "volume").drop_nulls()
            frames[symbol] = clean.filter(~pl.col("close").is_nan()).tail(n)
        depth = max((len(f) for f in frames.values()), default=0)
        fed = 0
        for step in range(depth):
            bars: list[tuple[str, datetime, float, float, float, float]] = []
            for symbol, f in frames.items():
                i = len(f) - depth + step
                if i >= 0:
                    t, h, lo, c, v = f.row(i)
                    bars.append((symbol, t, float(h), float(lo), float(c), float(v)))
            fed += len(bars)
            self._step(bars)
        return fed

    def on_bar(self, bar: BarRecord) -> list[Signal]:
        return self.on_bars([bar])

    def on_bars(self, bars: Sequence[BarRecord]) -> list[Signal]:
        """Advance each bar's symbol by one bar (at most one bar per symbol per call).

        Unknown symbols are added; bars with a missing price or volume are gaps and skipped.
        Returns the signals emitted (also stored in the book).
        """
        latest: dict[str, BarRecord] = {}
        for bar in bars:
            prices = (bar.high, bar.low, bar.close, bar.volume)
            if not any(math.isnan(x) for x in prices):
                latest[bar.symbol] = bar
        for symbol in latest:
            self.add_symbol(symbol)
        return self._step(
            [(b.symbol, b.time, b.high, b.low, b.close, b.volume) for b in latest.values()]
        )

    def _step(
        self, bars: Sequence[tuple[str, datetime, float, float, float, float]]
    ) -> list[Signal]:
        if not bars:
            return []
        rows = np.array([self._slots[b[0]] for b in bars], dtype=np.intp)
        cols = np.array([b[2:] for b in bars], dtype=np.float64)
        cur = self._live.update(rows, cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3], regime=True)
        prev = {k: arr[rows] for k, arr in self._prev.items()}
        use_regime = self.flags.is_on("regime_detection")
        codes = classify(cur["adx"], cur["atr_pct"], self.settings.regime) if use_regime else None
        scores: dict[str, F64] = {}
        votes = np.zeros((len(rows), len(MEMBERS)))
        for j, name in enumerate(MEMBERS):
            if self.flags.is_on(name):
                scores[name] = self.members[name].score(cur, prev, codes)
                votes[:, j] = np.nan_to_num(scores[name])
        ens_cur = dict(cur)
        for j, name in enumerate(MEMBERS):
            ens_cur[member_feature(name)] = votes[:, j]
        self._learn(rows, cur["close"], prev["close"], votes, ens_cur)
        self.ensemble.active = frozenset(scores)
        self.ensemble.learned = self.flags.is_on("ml_signals")
        scores["ensemble"] = self.ensemble.score(ens_cur, prev)
        for name, arr in cur.items():
            self._prev[name][rows] = arr
        self._prev_votes[rows] = votes
        return self._emit(bars, rows, scores, cur=ens_cur, prev=prev, codes=codes)

    def _learn(
        self, rows: NDArray[np.intp], close: F64, prev_close: F64, votes: F64, cur: dict[str, F64]
    ) -> None:
        """One online step on the previous bar's votes, then this bar's probability."""
        moved = ~np.isnan(prev_close) & (close != prev_close)
        self._model.learn(rows[moved], self._prev_votes[rows[moved]], (close > prev_close)[moved])
        cur["ml_p"] = self._model.predict(rows, votes)

    def _emit(
        self,
        bars: Sequence[tuple[str, datetime, float, float, float, float]],
        rows: NDArray[np.intp],
        scores: dict[str, F64],
        *,
        cur: dict[str, F64],
        prev: dict[str, F64],
        codes: NDArray[np.int8] | None,
    ) -> list[Signal]:
        emitted: list[Signal] = []
        for i, bar in enumerate(bars):
            symbol = bar[0]
            code = int(codes[i]) if codes is not None else None
            self.book.set_regime(symbol, regime_of(code) if code is not None else None)
            cur_row: dict[str, float] = {}
            prev_row: dict[str, float] = {}
            for name, score in scores.items():
                s = float(score[i])
                if math.isnan(s):
                    continue
                direction = int(np.sign(s))
                last = self._last_dir[name]
                if last[rows[i]] == direction:
                    continue
                last[rows[i]] = direction
                if not cur_row:
                    cur_row = {k: float(v[i]) for k, v in cur.items()}
                    prev_row = {k: float(v[i]) for k, v in prev.items()}
                gen = self._generators[name]
                sig = gen.signal(symbol, bar[1], s, cur=cur_row, prev=prev_row, regime_code=code)
                self.book.put(sig)
                emitted.append(sig)
        return emitted

    # -- flags -------------------------------------------------------------------------------

    def _on_flag(self, change: FlagChange) -> None:
        if change.old == change.new:
            return
        if change.flag in self.members:
            self._last_dir[change.flag][:] = _UNSEEN
            if not change.new:
                self.book.remove(generator=change.flag)
            self._last_dir["ensemble"][:] = _UNSEEN  # its members changed
        elif change.flag in ("ml_signals", "regime_detection"):
            for d in self._last_dir.values():
                d[:] = _UNSEEN
            if change.flag == "regime_detection" and not change.new:
                for symbol in self._slots:
                    self.book.set_regime(symbol, None)
