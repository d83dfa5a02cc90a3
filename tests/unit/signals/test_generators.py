"""Each generator on crafted series whose right answer is known by construction."""

from __future__ import annotations

import numpy as np
import polars as pl

from apex_tui.signals.batch import score_history
from apex_tui.signals.features import compute_features, shifted
from apex_tui.signals.generators import (
    BreakoutGenerator,
    EnsembleGenerator,
    Generator,
    MeanReversionGenerator,
    MomentumGenerator,
    OnlineLogistic,
    TrendGenerator,
)
from apex_tui.signals.generators.ensemble import MEMBERS, member_feature
from apex_tui.signals.regime import RANGING, TRENDING
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Direction

S = SignalSettings()


def frame(
    close: np.ndarray, spread: float = 0.2, volume: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    vol = volume if volume is not None else np.full(len(close), 100.0)
    return {"high": close + spread, "low": close - spread, "close": close, "volume": vol}


def last_score(
    gen_cls: type[Generator], d: dict[str, np.ndarray], regime: np.ndarray | None = None
) -> float:
    feats = compute_features(d["high"], d["low"], d["close"], d["volume"], S, regime=False)
    cur, prev = shifted(feats)
    codes = None if regime is None else regime[1:]
    return float(gen_cls(S).score(cur, prev, codes)[-1])


def wiggle(n: int, base: float = 100.0) -> np.ndarray:
    out: np.ndarray = base + 0.3 * np.sin(np.arange(n) * 0.7)
    return out


def test_trend_long_in_uptrend_short_in_downtrend_flat_when_flat() -> None:
    up = np.r_[wiggle(100), 100 + np.cumsum(np.full(60, 0.8))]
    down = np.r_[wiggle(100), 100 - np.cumsum(np.full(60, 0.8))]
    assert last_score(TrendGenerator, frame(up)) > 0.5
    assert last_score(TrendGenerator, frame(down)) < -0.5
    assert last_score(TrendGenerator, frame(np.full(160, 100.0), spread=0.0)) == 0.0
    # the EMAs are apart by a hair: less than atr_filter ATRs is no signal
    assert last_score(TrendGenerator, frame(wiggle(160))) == 0.0


def test_mean_reversion_fades_a_plunge_and_a_spike() -> None:
    plunge = np.r_[wiggle(120), 100 - np.cumsum([0.8, 1.0, 1.2, 1.5])]
    spike = np.r_[wiggle(120), 100 + np.cumsum([0.8, 1.0, 1.2, 1.5])]
    assert last_score(MeanReversionGenerator, frame(plunge)) > 0.3
    assert last_score(MeanReversionGenerator, frame(spike)) < -0.3
    assert last_score(MeanReversionGenerator, frame(wiggle(124))) == 0.0


def test_mean_reversion_is_muted_when_trending() -> None:
    plunge = np.r_[wiggle(120), 100 - np.cumsum([0.8, 1.0, 1.2, 1.5])]
    trending = np.full(len(plunge), TRENDING, dtype=np.int8)
    ranging = np.full(len(plunge), RANGING, dtype=np.int8)
    assert last_score(MeanReversionGenerator, frame(plunge), trending) == 0.0
    assert last_score(MeanReversionGenerator, frame(plunge), ranging) > 0.3


def test_momentum_follows_macd() -> None:
    up = np.r_[wiggle(100), 100 + np.cumsum(np.linspace(0.1, 1.0, 30))]
    down = np.r_[wiggle(100), 100 - np.cumsum(np.linspace(0.1, 1.0, 30))]
    assert last_score(MomentumGenerator, frame(up)) > 0.3
    assert last_score(MomentumGenerator, frame(down)) < -0.3


def test_breakout_needs_the_channel_and_the_volume() -> None:
    base = wiggle(60)
    vol = np.full(61, 100.0)
    loud = vol.copy()
    loud[-1] = 400.0
    up = np.r_[base, 103.0]
    down = np.r_[base, 97.0]
    assert last_score(BreakoutGenerator, frame(up, volume=loud)) > 0.5
    assert last_score(BreakoutGenerator, frame(down, volume=loud)) < -0.5
    assert last_score(BreakoutGenerator, frame(up, volume=vol)) == 0.0  # no volume
    inside = np.r_[base, 100.1]
    assert last_score(BreakoutGenerator, frame(inside, volume=loud)) == 0.0


def _votes(**scores: float) -> dict[str, np.ndarray]:
    cur = {"close": np.array([1.0])}
    for m in MEMBERS:
        cur[member_feature(m)] = np.array([scores.get(m, 0.0)])
    return cur


def test_ensemble_vote_is_weighted_over_enabled_members() -> None:
    ens = EnsembleGenerator(S)
    assert ens.score(_votes(trend=1.0, momentum=1.0), {})[0] == 0.5  # 2 of 4 equal weights
    assert ens.score(_votes(trend=1.0), {})[0] == 0.0  # 0.25 is below the 0.3 threshold
    ens.active = frozenset({"trend", "momentum"})
    assert ens.score(_votes(trend=1.0, momentum=-0.2), {})[0] == 0.4
    weighted = EnsembleGenerator(SignalSettings(ensemble={"weight_trend": 3.0}))
    assert weighted.score(_votes(trend=1.0), {})[0] == 0.5  # 3 / (3+1+1+1)


def test_online_logistic_learns_which_member_to_trust() -> None:
    model = OnlineLogistic([1.0, 1.0, 1.0, 1.0], 1, learning_rate=0.1, l2=0.0)
    rows = np.array([0], dtype=np.intp)
    trend_right = np.array([[1.0, 0.0, 0.0, 0.0]])
    breakout_wrong = np.array([[0.0, 0.0, 0.0, 1.0]])
    for _ in range(300):
        model.learn(rows, trend_right, np.array([True]))
        model.learn(rows, breakout_wrong, np.array([False]))
    assert model.predict(rows, trend_right)[0] > 0.9
    assert model.predict(rows, breakout_wrong)[0] < 0.1


def test_online_logistic_batch_run_equals_live_steps() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (300, 4))
    close = 100 + np.cumsum(rng.normal(0, 1, 300))
    batch = OnlineLogistic([1, 1, 1, 1], 1, 0.05, 1e-3).run(x, close)
    live_model = OnlineLogistic([1, 1, 1, 1], 1, 0.05, 1e-3)
    rows = np.array([0], dtype=np.intp)
    live = []
    for t in range(300):
        if t > 0 and close[t] != close[t - 1]:
            live_model.learn(rows, x[t - 1 : t], np.array([close[t] > close[t - 1]]))
        live.append(live_model.predict(rows, x[t : t + 1])[0])
    np.testing.assert_allclose(batch, live, atol=1e-12, rtol=0)


def test_score_history_columns_and_signal_record() -> None:
    up = np.r_[wiggle(100), 100 + np.cumsum(np.full(60, 0.8))]
    d = frame(up)
    bars = pl.DataFrame({"time": np.arange(len(up)), **d})
    out = score_history(bars, S, regime=True, learned=True)
    assert out.columns == [
        "time",
        "regime",
        "trend",
        "mean_reversion",
        "momentum",
        "breakout",
        "ensemble",
    ]
    assert out["trend"][-1] > 0 and out["ensemble"][-1] > 0
    # the trend's bars are 4x wider than the wiggle's: ATR at the top of its window
    assert out["regime"][-1] == "volatile"
    assert out["trend"][:20].null_count() == 20  # warm-up
    feats = compute_features(d["high"], d["low"], d["close"], d["volume"], S, regime=False)
    cur, prev = shifted(feats)
    row = {k: float(v[-1]) for k, v in cur.items()}
    prow = {k: float(v[-1]) for k, v in prev.items()}
    gen = TrendGenerator(S)
    sig = gen.signal("AAPL", out["time"][-1], float(out["trend"][-1]), cur=row, prev=prow)
    assert sig.direction is Direction.LONG and 0 < sig.strength <= 1
    assert sig.generator == "trend" and sig.timeframe == "1m"
    assert sig.reason.startswith("EMA12 ") and "> EMA26" in sig.reason
    assert sig.params["fast"] == 12 and sig.params["slow"] == 26
