"""Live indicator state: O(1) work per symbol per new bar, same values as a full recompute.

Each state holds one row per symbol slot in numpy arrays, so a new bar across hundreds of
symbols is a handful of vectorised steps. `update(rows, ...)` takes the slots that got a bar
(unique) and their values, and returns the indicator for those rows (NaN during warm-up).
The arithmetic follows TA-Lib's step by step (seeded means, Wilder smoothing, running sums
added then subtracted as TA-Lib does), so values agree with `indicators` within 1e-9.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apex_tui.signals.features import REGIME_FEATURES
from apex_tui.signals.kernels import F64
from apex_tui.signals.settings import SignalSettings

Rows = NDArray[np.intp]


class SeededAverage:
    """x -> EMA-style average with factor `alpha`, seeded by the mean of its first n inputs.

    `skip` ignores that many leading inputs (MACD's fast EMA starts late so that it is seeded
    on the same bar as the slow one).
    """

    def __init__(self, n: int, alpha: float, size: int, skip: int = 0) -> None:
        self.n, self.alpha, self.skip = n, alpha, skip
        self.count = np.zeros(size, dtype=np.int64)
        self.acc = np.zeros(size)
        self.value = np.full(size, np.nan)

    def reset(self, rows: Rows) -> None:
        self.count[rows], self.acc[rows], self.value[rows] = 0, 0.0, np.nan

    def update(self, rows: Rows, x: F64) -> F64:
        self.count[rows] += 1
        k = self.count[rows] - self.skip
        seeding = (k >= 1) & (k <= self.n)
        self.acc[rows[seeding]] += x[seeding]
        seeded = k == self.n
        self.value[rows[seeded]] = self.acc[rows[seeded]] / self.n
        running = k > self.n
        r = rows[running]
        prev = self.value[r]
        self.value[r] = (x[running] - prev) * self.alpha + prev
        return np.where(k >= self.n, self.value[rows], np.nan)


class Window:
    """The last n values per row in a ring buffer."""

    def __init__(self, n: int, size: int) -> None:
        self.n = n
        self.buf = np.full((size, n), np.nan)
        self.count = np.zeros(size, dtype=np.int64)

    def reset(self, rows: Rows) -> None:
        self.buf[rows], self.count[rows] = np.nan, 0

    def push(self, rows: Rows, x: F64) -> NDArray[np.bool_]:
        """Store x; returns which rows now hold a full window."""
        self.buf[rows, self.count[rows] % self.n] = x
        self.count[rows] += 1
        full: NDArray[np.bool_] = self.count[rows] >= self.n
        return full


class Sma:
    """Simple moving average with TA-Lib's running total (add new, emit, drop oldest)."""

    def __init__(self, n: int, size: int) -> None:
        self.window = Window(n, size)
        self.total = np.zeros(size)

    def reset(self, rows: Rows) -> None:
        self.window.reset(rows)
        self.total[rows] = 0.0

    def update(self, rows: Rows, x: F64) -> F64:
        n = self.window.n
        self.total[rows] += x
        full = self.window.push(rows, x)
        out = np.where(full, self.total[rows] / n, np.nan)
        r = rows[full]
        self.total[r] -= self.window.buf[r, self.window.count[r] % n]
        return out


class Bollinger:
    """Middle band from `Sma`; the deviation is computed accurately over the ring buffer."""

    def __init__(self, n: int, k: float, size: int) -> None:
        self.sma, self.k = Sma(n, size), k

    def reset(self, rows: Rows) -> None:
        self.sma.reset(rows)

    def update(self, rows: Rows, x: F64) -> tuple[F64, F64, F64]:
        middle = self.sma.update(rows, x)
        window = self.sma.window.buf[rows]
        dev = window - window.mean(axis=1, keepdims=True)
        std = np.sqrt((dev * dev).mean(axis=1))
        spread = std * self.k
        return middle + spread, middle, middle - spread


class Extreme:
    """Rolling max or min of the last n values (O(n) per row, vectorised over rows)."""

    def __init__(self, n: int, size: int, *, highest: bool) -> None:
        self.window, self.highest = Window(n, size), highest

    def reset(self, rows: Rows) -> None:
        self.window.reset(rows)

    def update(self, rows: Rows, x: F64) -> F64:
        full = self.window.push(rows, x)
        buf = self.window.buf[rows]
        ext = buf.max(axis=1) if self.highest else buf.min(axis=1)
        return np.where(full, ext, np.nan)


class PercentileRank:
    """Share of the last n values (current included) that are <= the current one."""

    def __init__(self, n: int, size: int) -> None:
        self.window = Window(n, size)

    def reset(self, rows: Rows) -> None:
        self.window.reset(rows)

    def update(self, rows: Rows, x: F64) -> F64:
        ok = ~np.isnan(x)
        out = np.full(len(rows), np.nan)
        r = rows[ok]
        full = self.window.push(r, x[ok])
        counts = (self.window.buf[r] <= x[ok][:, None]).sum(axis=1)
        out[ok] = np.where(full, counts / self.window.n, np.nan)
        return out


class Rsi:
    def __init__(self, n: int, size: int) -> None:
        self.prev = np.full(size, np.nan)
        self.gain = SeededAverage(n, 1.0 / n, size)
        self.loss = SeededAverage(n, 1.0 / n, size)

    def reset(self, rows: Rows) -> None:
        self.prev[rows] = np.nan
        self.gain.reset(rows)
        self.loss.reset(rows)

    def update(self, rows: Rows, x: F64) -> F64:
        d = x - self.prev[rows]
        self.prev[rows] = x
        ok = ~np.isnan(d)
        out = np.full(len(rows), np.nan)
        dd = d[ok]
        g = self.gain.update(rows[ok], np.where(dd > 0, dd, 0.0))
        lo = self.loss.update(rows[ok], np.where(dd < 0, -dd, 0.0))
        total = g + lo
        safe = np.where(total > 0, total, 1.0)
        out[ok] = np.where(total > 0, 100.0 * g / safe, np.where(np.isnan(total), np.nan, 0.0))
        return out


class TrueRange:
    def __init__(self, size: int) -> None:
        self.prev_close = np.full(size, np.nan)

    def reset(self, rows: Rows) -> None:
        self.prev_close[rows] = np.nan

    def update(self, rows: Rows, high: F64, low: F64, close: F64) -> F64:
        pc = self.prev_close[rows]
        self.prev_close[rows] = close
        return np.maximum(high - low, np.maximum(np.abs(pc - high), np.abs(pc - low)))


class Atr:
    def __init__(self, n: int, size: int) -> None:
        self.tr = TrueRange(size)
        self.avg = SeededAverage(n, 1.0 / n, size)

    def reset(self, rows: Rows) -> None:
        self.tr.reset(rows)
        self.avg.reset(rows)

    def update(self, rows: Rows, high: F64, low: F64, close: F64) -> F64:
        tr = self.tr.update(rows, high, low, close)
        ok = ~np.isnan(tr)
        out = np.full(len(rows), np.nan)
        out[ok] = self.avg.update(rows[ok], tr[ok])
        return out


class Macd:
    def __init__(self, fast: int, slow: int, signal: int, size: int) -> None:
        fast, slow = min(fast, slow), max(fast, slow)
        self.fast = SeededAverage(fast, 2.0 / (fast + 1), size, skip=slow - fast)
        self.slow = SeededAverage(slow, 2.0 / (slow + 1), size)
        self.signal = SeededAverage(signal, 2.0 / (signal + 1), size)

    def reset(self, rows: Rows) -> None:
        for s in (self.fast, self.slow, self.signal):
            s.reset(rows)

    def update(self, rows: Rows, x: F64) -> tuple[F64, F64, F64]:
        line = self.fast.update(rows, x) - self.slow.update(rows, x)
        ok = ~np.isnan(line)
        sig = np.full(len(rows), np.nan)
        sig[ok] = self.signal.update(rows[ok], line[ok])
        line = np.where(np.isnan(sig), np.nan, line)
        return line, sig, line - sig


class Adx:
    """Wilder's ADX in TA-Lib's phases: n - 1 raw sums, n DX values averaged, then smoothing."""

    def __init__(self, n: int, size: int) -> None:
        self.n = n
        self.count = np.zeros(size, dtype=np.int64)
        self.prev = np.full((size, 3), np.nan)  # high, low, close of the previous bar
        self.dm = np.zeros((size, 3))  # +DM, -DM, TR: raw sums, then smoothed (TA-Lib scale)
        self.dx_sum = np.zeros(size)
        self.value = np.full(size, np.nan)

    def reset(self, rows: Rows) -> None:
        self.count[rows], self.prev[rows], self.dm[rows] = 0, np.nan, 0.0
        self.dx_sum[rows], self.value[rows] = 0.0, np.nan

    def update(self, rows: Rows, high: F64, low: F64, close: F64) -> F64:
        n = self.n
        i = self.count[rows].copy()  # index of this bar in the symbol's series
        self.count[rows] += 1
        ph, pl_, pc = self.prev[rows, 0], self.prev[rows, 1], self.prev[rows, 2]
        self.prev[rows] = np.column_stack([high, low, close])
        up, down = high - ph, pl_ - low
        plus = np.where((up > 0) & (up > down), up, 0.0)
        minus = np.where((down > 0) & (up < down), down, 0.0)
        tr = np.maximum(high - low, np.maximum(np.abs(pc - high), np.abs(pc - low)))
        new = np.column_stack([plus, minus, tr])
        summing = (i >= 1) & (i <= n - 1)
        self.dm[rows[summing]] += new[summing]
        smoothing = i >= n
        r = rows[smoothing]
        old = self.dm[r]
        self.dm[r] = old - old / n + new[smoothing]
        s = self.dm[rows]
        tr_ok = np.abs(s[:, 2]) >= 1e-14
        safe_tr = np.where(tr_ok, s[:, 2], 1.0)
        plus_di, minus_di = 100.0 * s[:, 0] / safe_tr, 100.0 * s[:, 1] / safe_tr
        di_sum = plus_di + minus_di
        ok = smoothing & tr_ok & (np.abs(di_sum) >= 1e-14)
        dx = np.where(ok, 100.0 * np.abs(minus_di - plus_di) / np.where(ok, di_sum, 1.0), 0.0)
        first_phase = smoothing & (i <= 2 * n - 1)
        self.dx_sum[rows[first_phase]] += dx[first_phase]
        seeded = i == 2 * n - 1
        self.value[rows[seeded]] = self.dx_sum[rows[seeded]] / n
        later = ok & (i > 2 * n - 1)
        r = rows[later]
        self.value[r] = (self.value[r] * (n - 1) + dx[later]) / n
        return np.where(i >= 2 * n - 1, self.value[rows], np.nan)


class LiveFeatures:
    """Every feature of `features.compute_features`, one bar at a time for many symbol slots."""

    def __init__(self, settings: SignalSettings, size: int) -> None:
        s = settings
        self.size = size
        self.ema_fast = SeededAverage(s.trend.fast, 2.0 / (s.trend.fast + 1), size)
        self.ema_slow = SeededAverage(s.trend.slow, 2.0 / (s.trend.slow + 1), size)
        self.atr = Atr(s.atr_period, size)
        self.rsi = Rsi(s.mean_reversion.rsi_period, size)
        self.bollinger = Bollinger(s.mean_reversion.bb_period, s.mean_reversion.bb_k, size)
        self.macd = Macd(s.momentum.fast, s.momentum.slow, s.momentum.signal, size)
        self.dc_upper = Extreme(s.breakout.channel, size, highest=True)
        self.dc_lower = Extreme(s.breakout.channel, size, highest=False)
        self.vol_avg = Sma(s.breakout.volume_period, size)
        self.adx = Adx(s.regime.adx_period, size)
        self.atr_pct = PercentileRank(s.regime.atr_window, size)
        self._states = (
            self.ema_fast,
            self.ema_slow,
            self.atr,
            self.rsi,
            self.bollinger,
            self.macd,
            self.dc_upper,
            self.dc_lower,
            self.vol_avg,
            self.adx,
            self.atr_pct,
        )

    def reset(self, rows: Rows) -> None:
        """Forget everything about these slots (a symbol removed or replaced)."""
        for state in self._states:
            state.reset(rows)

    def update(
        self, rows: Rows, high: F64, low: F64, close: F64, volume: F64, *, regime: bool
    ) -> dict[str, F64]:
        """Advance the given slots by one bar; the regime features only when asked.

        Regime state must be fed on every bar to stay exact, so callers that may turn
        `regime_detection` on later pass regime=True always and ignore the values.
        """
        atr = self.atr.update(rows, high, low, close)
        upper, middle, lower = self.bollinger.update(rows, close)
        macd, signal, hist = self.macd.update(rows, close)
        out = {
            "close": close,
            "high": high,
            "low": low,
            "volume": volume,
            "ema_fast": self.ema_fast.update(rows, close),
            "ema_slow": self.ema_slow.update(rows, close),
            "atr": atr,
            "rsi": self.rsi.update(rows, close),
            "bb_upper": upper,
            "bb_middle": middle,
            "bb_lower": lower,
            "macd": macd,
            "macd_signal": signal,
            "macd_hist": hist,
            "dc_upper": self.dc_upper.update(rows, high),
            "dc_lower": self.dc_lower.update(rows, low),
            "vol_avg": self.vol_avg.update(rows, volume),
        }
        if regime:
            out["adx"] = self.adx.update(rows, high, low, close)
            out["atr_pct"] = self.atr_pct.update(rows, atr)
        else:
            for name in REGIME_FEATURES:
                out[name] = np.full(len(rows), np.nan)
        return out
