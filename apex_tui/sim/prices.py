"""The seeded price process: a log-normal path per symbol, random-access by time.

The path is built top-down so that any stretch of it can be produced on its own, in any order,
and always comes out the same:

1. Knots. Each session has four knots (04:00, the regular open, the regular close, the end of
   extended hours). The moves between knots are normal draws keyed by (seed, symbol, date), so
   the knot prices are cumulative sums anchored at the profile's price on `ANCHOR_DAY`.
2. Minutes. Inside a session, a Brownian bridge per segment joins the knots minute by minute
   with an intraday volatility profile; each minute's high and low are sampled from the exact
   distribution of a Brownian bridge's extremes, and volume follows a U-shaped intraday curve.
3. Seconds. Inside a minute, a 60-step bridge joins the minute's open and close and is made to
   touch its high and low, so every coarser bar is an exact aggregate of finer ones.

Outside sessions the history has no bars, but with `market_hours = "always"` the live quote
wanders on a quiet bridge that leaves and rejoins the session path at the same price, so the
stream never jumps when history resumes.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from apex_tui.sim.calendar import Sessions
from apex_tui.sim.seeding import stable_seed
from apex_tui.sim.universe import Profile

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ANCHOR_DAY = date(2026, 11, 2)
_BLOCK_DAYS = 1024
# Shares of a day's variance: overnight gap + pre-market, regular hours, post-market.
_VAR_SHARE = (0.20, 0.75, 0.05)
_VOL_SHARE = (0.015, 0.965, 0.02)  # shares of a day's volume in the same segments


def _rng(*parts: object) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(stable_seed(*parts)))


@dataclass(slots=True)
class MinutePath:
    """One stretch of the path at one-minute resolution, starting at epoch second `start`.

    `price[m]` is the price at the start of minute m (so `price[n]` closes the stretch),
    `high[m]`/`low[m]` the extremes inside minute m, `var[m]` its log-variance.
    """

    key: str
    start: int
    price: FloatArray
    high: FloatArray
    low: FloatArray
    volume: IntArray
    var: FloatArray
    cum_volume: IntArray  # volume before minute m (length n + 1)
    run_high: FloatArray  # highest price before minute m (length n + 1; run_high[0] = price[0])
    run_low: FloatArray

    @property
    def minutes(self) -> int:
        return len(self.high)

    @property
    def end(self) -> int:
        return self.start + 60 * self.minutes


@dataclass(frozen=True, slots=True)
class SecondPath:
    """One minute at one-second resolution: 61 prices (both ends) and 60 volumes."""

    price: tuple[float, ...]
    volume: tuple[int, ...]


def _bridge(z: FloatArray, var: FloatArray, delta: float) -> FloatArray:
    """Points 1..n of a Gaussian random walk with step variances `var`, pinned to end at
    `delta` (the walk starts at 0)."""
    walk = np.cumsum(np.sqrt(var) * z)
    cum_var = np.cumsum(var)
    out: FloatArray = walk - (cum_var / cum_var[-1]) * (walk[-1] - delta)
    return out


def _u_shape(n: int, head: float, tail: float) -> FloatArray:
    m = np.arange(n, dtype=np.float64)
    return 1.0 + head * np.exp(-m / 20.0) + tail * np.exp(-(n - 1 - m) / 25.0)


def _finish(
    key: str,
    *,
    start: int,
    x: FloatArray,
    var: FloatArray,
    vol: FloatArray,
    rng: np.random.Generator,
) -> MinutePath:
    """Turn log points and step variances into a MinutePath with sampled extremes."""
    n = len(var)
    a, b = x[:-1], x[1:]
    span_hi = np.sqrt((b - a) ** 2 + 2.0 * var * rng.standard_exponential(n))
    span_lo = np.sqrt((b - a) ** 2 + 2.0 * var * rng.standard_exponential(n))
    price = np.exp(x)
    high = np.exp((a + b + span_hi) / 2.0)
    low = np.exp((a + b - span_lo) / 2.0)
    volume = np.rint(vol).astype(np.int64)
    cum = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(volume, out=cum[1:])
    run_high = np.empty(n + 1)
    run_low = np.empty(n + 1)
    run_high[0] = run_low[0] = price[0]
    np.maximum.accumulate(high, out=run_high[1:])
    np.minimum.accumulate(low, out=run_low[1:])
    np.maximum(run_high[1:], price[0], out=run_high[1:])
    np.minimum(run_low[1:], price[0], out=run_low[1:])
    return MinutePath(key, start, price, high, low, volume, var, cum, run_high, run_low)


class SymbolPrices:
    """The whole price path of one symbol: knots, session and off-hours minutes, seconds."""

    def __init__(self, seed: int, profile: Profile, sessions: Sessions) -> None:
        self.seed = seed
        self.profile = profile
        self.sessions = sessions
        self.daily_sigma = profile.vol / math.sqrt(252.0)
        self._knots: FloatArray | None = None  # (n_sessions, 4) log prices
        self._day_factor: FloatArray | None = None

    # -- knots ---------------------------------------------------------------------------
    def _build_knots(self) -> tuple[FloatArray, FloatArray]:
        sess = self.sessions.all
        origin = sess[0].day.toordinal()
        ordinals = np.array([s.day.toordinal() - origin for s in sess], dtype=np.int64)
        blocks = int(ordinals[-1]) // _BLOCK_DAYS + 1
        draws = np.concatenate(
            [
                _rng(self.seed, self.profile.symbol, "days", blk).standard_normal((_BLOCK_DAYS, 4))
                for blk in range(blocks)
            ]
        )[ordinals]
        sd = self.daily_sigma * np.sqrt(np.array(_VAR_SHARE))
        moves = draws[:, :3] * sd
        total = moves.sum(axis=1)
        start = np.concatenate([[0.0], np.cumsum(total)[:-1]])
        anchor = next((i for i, s in enumerate(sess) if s.day >= ANCHOR_DAY), len(sess) - 1)
        start += math.log(self.profile.price) - start[anchor]
        knots = np.empty((len(sess), 4))
        knots[:, 0] = start
        knots[:, 1:] = start[:, None] + np.cumsum(moves, axis=1)
        knots[:-1, 3] = start[1:]  # bit-identical hand-over from one session to the next
        day_factor = np.exp(0.25 * draws[:, 3] - 0.03)
        return knots, day_factor

    def knots(self, i: int) -> FloatArray:
        """Log prices at session i's 04:00, open, close and end of extended hours."""
        if self._knots is None:
            self._knots, self._day_factor = self._build_knots()
        row: FloatArray = self._knots[i]
        return row

    def prev_close(self, i: int) -> float:
        """The regular-hours close of the session before session i."""
        return float(math.exp(self.knots(max(i - 1, 0))[2]))

    def rth_open(self, i: int) -> float:
        return float(math.exp(self.knots(i)[1]))

    # -- minutes -------------------------------------------------------------------------
    def session_path(self, i: int) -> MinutePath:
        """Session i's extended hours (04:00 to the end of post-market) minute by minute."""
        s = self.sessions.all[i]
        k = self.knots(i)
        assert self._day_factor is not None
        counts = (
            (s.rth_open - s.ext_start) // 60,
            (s.rth_close - s.rth_open) // 60,
            (s.ext_end - s.rth_close) // 60,
        )
        rng = _rng(self.seed, self.profile.symbol, "session", s.day.isoformat())
        n = sum(counts)
        z = rng.standard_normal(n)
        noise = rng.standard_normal(n)
        var_parts: list[FloatArray] = []
        vol_parts: list[FloatArray] = []
        x_parts: list[FloatArray] = [np.array([k[0]])]
        day_var = self.daily_sigma**2
        day_volume = self.profile.adv * float(self._day_factor[i])
        offset = 0
        for seg, cnt in enumerate(counts):
            shape = _u_shape(cnt, 2.5, 1.5) if seg == 1 else np.ones(cnt)
            var = day_var * _VAR_SHARE[seg] * shape / shape.sum()
            vshape = _u_shape(cnt, 3.0, 2.0) if seg == 1 else np.ones(cnt)
            zs = z[offset : offset + cnt]
            x_parts.append(k[seg] + _bridge(zs, var, float(k[seg + 1] - k[seg])))
            var_parts.append(var)
            vol_parts.append(day_volume * _VOL_SHARE[seg] * vshape / vshape.sum())
            offset += cnt
        x = np.concatenate(x_parts)
        x[-1] = k[3]  # pin the end exactly: the next session starts from it
        var = np.concatenate(var_parts)
        sz = np.sqrt(var)
        step = np.abs(np.diff(x)) / sz
        vol = np.concatenate(vol_parts) * np.exp(0.4 * noise - 0.08) * (0.6 + 0.5 * step)
        return _finish(f"s{s.day.isoformat()}", start=s.ext_start, x=x, var=var, vol=vol, rng=rng)

    def gap_path(self, i: int) -> MinutePath:
        """The quiet off-hours stretch from session i's end to session i+1's start (only the
        "always" market hours quote it; it has no bars)."""
        s = self.sessions.all[i]
        nxt = self.sessions.all[i + 1] if i + 1 < len(self.sessions.all) else None
        end = nxt.ext_start if nxt is not None else s.ext_end + 8 * 3600
        n = max((end - s.ext_end) // 60, 1)
        x0 = float(self.knots(i)[3])
        rng = _rng(self.seed, self.profile.symbol, "gap", s.day.isoformat())
        var = np.full(n, self.daily_sigma**2 * _VAR_SHARE[2] / 240.0)
        z = rng.standard_normal(n)
        x = np.concatenate([[x0], x0 + _bridge(z, var, 0.0)])
        x[-1] = x0
        vol = np.full(n, self.profile.adv * _VOL_SHARE[2] / 240.0) * np.exp(
            0.4 * rng.standard_normal(n) - 0.08
        )
        return _finish(f"g{s.day.isoformat()}", start=s.ext_end, x=x, var=var, vol=vol, rng=rng)

    # -- seconds -------------------------------------------------------------------------
    def seconds(self, path: MinutePath, m: int) -> SecondPath:
        """Minute m of `path` second by second; its extremes are the minute's high and low."""
        rng = _rng(self.seed, self.profile.symbol, path.key, m)
        a = math.log(float(path.price[m]))
        b = math.log(float(path.price[m + 1]))
        hi = math.log(float(path.high[m]))
        lo = math.log(float(path.low[m]))
        z = rng.standard_normal(60)
        x = np.empty(61)
        x[0] = a
        x[1:] = a + _bridge(z, np.full(60, float(path.var[m]) / 60.0), b - a)
        x[-1] = b
        inner = np.clip(x[1:60], lo, hi)
        inner[int(np.argmax(inner))] = hi
        inner[int(np.argmin(inner))] = lo
        x[1:60] = inner
        price = np.exp(x)
        price[0], price[60] = path.price[m], path.price[m + 1]
        weight = np.abs(np.diff(x)) + 1e-6
        cum = np.rint(np.cumsum(weight) / weight.sum() * float(path.volume[m])).astype(np.int64)
        vols = np.diff(np.concatenate([[0], cum]))
        return SecondPath(tuple(price.tolist()), tuple(int(v) for v in vols))


class PathCache:
    """A bounded LRU of minute paths shared by a World's symbols (a session is ~50 kB)."""

    def __init__(self, capacity: int = 1024) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, str, int], MinutePath] = OrderedDict()

    def session(self, sym: SymbolPrices, i: int) -> MinutePath:
        return self._get(sym, "s", i)

    def gap(self, sym: SymbolPrices, i: int) -> MinutePath:
        return self._get(sym, "g", i)

    def _get(self, sym: SymbolPrices, kind: str, i: int) -> MinutePath:
        key = (sym.profile.symbol, kind, i)
        path = self._items.get(key)
        if path is not None:
            self._items.move_to_end(key)
            return path
        path = sym.session_path(i) if kind == "s" else sym.gap_path(i)
        self._items[key] = path
        if len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return path
