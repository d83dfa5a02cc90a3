"""The compiled scoring equals the former numpy scoring (`reference`) on long random series."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from apex_tui.signals.batch import score_history
from apex_tui.signals.features import compute_features, shifted
from apex_tui.signals.generators import EnsembleGenerator, OnlineLogistic, build_members, compiled
from apex_tui.signals.generators.ensemble import MEMBERS, member_feature
from apex_tui.signals.kernels import F64
from apex_tui.signals.regime import classify
from apex_tui.signals.settings import SignalSettings
from tests.unit.signals import reference
from tests.unit.signals.series import ohlcv

N = 120_000
DEFAULT = SignalSettings()
# Edges: no strength floor, no ATR filter, any volume confirms, uneven weights.
EDGY = SignalSettings(
    min_strength=0.0,
    trend={"atr_filter": 0.0, "atr_full": 0.5},
    momentum={"hist_full": 0.1},
    breakout={"volume_mult": 0.0, "channel": 5},
    mean_reversion={"oversold": 45.0, "overbought": 55.0, "bb_k": 0.5},
    ensemble={"weight_trend": 3.0, "weight_breakout": 0.0, "threshold": 0.05},
)


def _bars(seed: int = 11) -> dict[str, F64]:
    """A long random walk with flat runs (ATR 0: infinite ratios) and silent stretches (a
    volume average of 0), on top of `series.ohlcv`'s trends and bursts."""
    d = ohlcv(seed, n=N)
    rng = np.random.default_rng(seed)
    for start in rng.integers(5000, N - 2000, 20):
        flat = slice(start, start + int(rng.integers(30, 400)))
        d["high"][flat] = d["low"][flat] = d["close"][flat] = d["close"][start]
    for start in rng.integers(5000, N - 2000, 20):
        d["volume"][start : start + int(rng.integers(25, 200))] = 0.0
    return d


@pytest.fixture(scope="module")
def data() -> dict[str, F64]:
    return _bars()


def _features(d: dict[str, F64], s: SignalSettings) -> tuple[dict[str, F64], dict[str, F64]]:
    feats = compute_features(d["high"], d["low"], d["close"], d["volume"], s, regime=True)
    return shifted(feats)


def assert_same(new: F64, old: F64) -> None:
    """NaN at the same rows, |new - old| <= 1e-12 and the same direction everywhere else."""
    assert new.shape == old.shape
    np.testing.assert_array_equal(np.isnan(new), np.isnan(old))
    ok = ~np.isnan(old)
    with np.errstate(invalid="ignore"):  # inf - inf where both are the same infinity
        diff = np.where(new[ok] == old[ok], 0.0, np.abs(new[ok] - old[ok]))
    assert np.max(diff, initial=0.0) <= 1e-12
    np.testing.assert_array_equal(np.sign(new[ok]), np.sign(old[ok]))


@pytest.mark.parametrize("settings", [DEFAULT, EDGY], ids=["default", "edges"])
def test_member_scores_equal_the_numpy_scoring(
    data: dict[str, F64], settings: SignalSettings
) -> None:
    cur, prev = _features(data, settings)
    codes = classify(cur["adx"], cur["atr_pct"], settings.regime)
    random_codes = np.random.default_rng(5).integers(-1, 3, len(codes)).astype(np.int8)
    for name, gen in build_members(settings).items():
        raw = reference.RAW[name](settings, cur, prev)
        assert_same(gen.raw_score(cur, prev), raw)
        for regime in (None, codes, random_codes):
            new = gen.score(cur, prev, regime)
            old = reference.filtered(raw.copy(), settings.min_strength, regime, gen.muted_in)
            assert_same(new, old)
        # The comparison means something: every generator goes both ways on this series.
        final = gen.score(cur, prev)
        assert (final > 0).sum() > 10 and (final < 0).sum() > 10, name


@pytest.mark.parametrize("settings", [DEFAULT, EDGY], ids=["default", "edges"])
def test_ensemble_equals_the_numpy_vote(data: dict[str, F64], settings: SignalSettings) -> None:
    cur, prev = _features(data, settings)
    ens_cur = dict(cur)
    for name, gen in build_members(settings).items():
        ens_cur[member_feature(name)] = gen.score(cur, prev)  # NaN while warming up
    rng = np.random.default_rng(9)
    p_up = rng.uniform(0.0, 1.0, len(cur["close"]))
    p_up[:50] = np.nan
    ens_cur["ml_p"] = p_up
    ens = EnsembleGenerator(settings)
    threshold = settings.ensemble.threshold
    for active in (MEMBERS, ("trend", "breakout"), ("momentum",), ()):
        ens.active = frozenset(active)
        for learned in (False, True):
            ens.learned = learned
            raw = reference.ensemble_raw(settings, ens_cur, ens.active, learned=learned)
            assert_same(ens.raw_score(ens_cur, prev), raw)
            assert_same(ens.score(ens_cur, prev), reference.filtered(raw.copy(), threshold))


def _random_features(seed: int, n: int = 50_000) -> dict[str, F64]:
    """Features drawn at random, not from bars: zeros, negatives, NaN and extremes in every
    column, so every branch of every formula (a zero ATR, a zero band width) is taken."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in (*reference_features(), *(member_feature(m) for m in MEMBERS), "ml_p"):
        x = rng.choice([-2.0, -1.0, -0.1, 0.0, 0.1, 1.0, 2.0], n) * rng.uniform(0.5, 1.5, n)
        x[rng.random(n) < 0.05] = 0.0
        x[rng.random(n) < 0.02] = np.nan
        x[rng.random(n) < 0.01] = np.inf * np.sign(rng.normal(size=1))
        out[name] = x
    out["rsi"] = rng.uniform(0.0, 100.0, n)
    out["rsi"][rng.random(n) < 0.02] = np.nan
    out["volume"] = np.abs(out["volume"])
    return out


def reference_features() -> tuple[str, ...]:
    return (
        "close", "volume", "ema_fast", "ema_slow", "atr", "bb_upper", "bb_middle",
        "bb_lower", "macd", "macd_hist", "dc_upper", "dc_lower", "vol_avg",
    )  # fmt: skip


@pytest.mark.parametrize("settings", [DEFAULT, EDGY], ids=["default", "edges"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy on inf and NaN features
def test_random_features_score_as_before(settings: SignalSettings) -> None:
    cur, prev = _random_features(1), _random_features(2)
    codes = np.random.default_rng(3).integers(-1, 3, len(cur["close"])).astype(np.int8)
    for name, gen in build_members(settings).items():
        raw = reference.RAW[name](settings, cur, prev)
        assert_same(gen.raw_score(cur, prev), raw)
        for regime in (None, codes):
            new = gen.score(cur, prev, regime)
            assert_same(
                new, reference.filtered(raw.copy(), settings.min_strength, regime, gen.muted_in)
            )
    ens = EnsembleGenerator(settings)
    for learned in (False, True):
        ens.learned = learned
        raw = reference.ensemble_raw(settings, cur, ens.active, learned=learned)
        assert_same(ens.raw_score(cur, prev), raw)
        assert_same(
            ens.score(cur, prev), reference.filtered(raw.copy(), settings.ensemble.threshold)
        )


HISTORY_CASES = [
    (DEFAULT, MEMBERS, True),
    (DEFAULT, ("mean_reversion",), True),
    (EDGY, MEMBERS, True),
    (EDGY, ("trend", "breakout"), False),
]


@pytest.mark.parametrize(("s", "enabled", "regime"), HISTORY_CASES)
def test_score_history_equals_the_numpy_pipeline(
    data: dict[str, F64], s: SignalSettings, enabled: tuple[str, ...], regime: bool
) -> None:
    bars = pl.DataFrame({"time": np.arange(N), **data})
    out = score_history(bars, s, enabled=enabled, regime=regime)
    cur, prev = _features(data, s)
    codes = classify(cur["adx"], cur["atr_pct"], s.regime) if regime else None
    ens_cur = dict(cur)
    for name, gen in build_members(s).items():
        raw = reference.RAW[name](s, cur, prev)
        old = reference.filtered(raw, s.min_strength, codes, gen.muted_in)
        ens_cur[member_feature(name)] = np.nan_to_num(old)
        if name not in enabled:
            assert name not in out.columns
            continue
        assert out[name][0] is None
        assert_same(out[name].to_numpy()[1:], old)
    vote = reference.ensemble_raw(s, ens_cur, enabled, learned=False)
    old_ens = reference.filtered(vote, s.ensemble.threshold)
    assert_same(out["ensemble"].to_numpy()[1:], old_ens)
    assert out["ensemble"][0] is None


def test_learned_history_equals_the_numpy_pipeline(data: dict[str, F64]) -> None:
    n, s = 5000, DEFAULT
    part = {k: v[:n] for k, v in data.items()}
    out = score_history(pl.DataFrame({"time": np.arange(n), **part}), s, learned=True)
    cur, prev = _features(part, s)
    ens_cur = dict(cur)
    for name in MEMBERS:
        old = reference.filtered(reference.RAW[name](s, cur, prev), s.min_strength)
        ens_cur[member_feature(name)] = np.nan_to_num(old)
    e = s.ensemble
    weights = [e.weight_trend, e.weight_mean_reversion, e.weight_momentum, e.weight_breakout]
    x = np.column_stack([ens_cur[member_feature(m)] for m in MEMBERS])
    ens_cur["ml_p"] = OnlineLogistic(weights, 1, e.learning_rate, e.l2).run(x, part["close"][1:])
    old = reference.filtered(reference.ensemble_raw(s, ens_cur, MEMBERS, learned=True), 0.3)
    assert_same(out["ensemble"].to_numpy()[1:], old)


def test_empty_and_one_bar_histories() -> None:
    for n in (0, 1):
        bars = pl.DataFrame({"time": np.arange(n), **{k: v[:n] for k, v in ohlcv(1).items()}})
        out = score_history(bars, DEFAULT, regime=True)
        assert len(out) == n and out["ensemble"].null_count() == n


def test_live_shaped_inputs_give_the_same_bits(data: dict[str, F64]) -> None:
    """Rows over symbols arrive as strided columns; they are copied, not scored differently."""
    cur, prev = _features({k: v[:3000] for k, v in data.items()}, DEFAULT)
    strided_cur = {k: np.column_stack([v, v])[:, 0] for k, v in cur.items()}
    strided_prev = {k: np.column_stack([v, v])[:, 1] for k, v in prev.items()}
    assert not strided_cur["close"].flags.c_contiguous
    codes = classify(cur["adx"], cur["atr_pct"], DEFAULT.regime)
    for gen in build_members(DEFAULT).values():
        np.testing.assert_array_equal(
            gen.score(strided_cur, strided_prev, codes), gen.score(cur, prev, codes)
        )


def test_inputs_of_any_layout_reuse_the_compiled_kernels(data: dict[str, F64]) -> None:
    """Writable, read-only (polars) and strided (live columns) inputs are all presented as
    read-only C arrays: after the warm-up no call compiles again. (`_history` calls the loops
    with its own argument types, compiled once with it.)"""
    compiled.warm_up()
    kernels = (
        compiled._trend,
        compiled._mean_reversion,
        compiled._momentum,
        compiled._breakout,
        compiled._ensemble,
        compiled._filter,
        compiled._history,
    )
    before = [len(k.signatures) for k in kernels]
    x = data["close"][:500].copy()
    read_only = pl.Series(x).to_numpy()
    strided = np.repeat(x, 2)[::2]
    codes = np.zeros(500, dtype=np.int16)  # not even int8: converted
    for v in (x, read_only, strided):
        for f in (compiled.RAW, compiled.filters(0.05, codes, (1,))):
            compiled.trend(v, v, v, atr_filter=0.25, atr_full=2.0, f=f)
            compiled.mean_reversion(v, v, (v, v, v), oversold=30.0, overbought=70.0, f=f)
            compiled.momentum(v, v, v, hist_full=0.5, f=f)
            compiled.breakout(v, v, v, (v, v, v), volume_mult=1.5, f=f)
            compiled.ensemble((v, None, v, v), (1.0, 2.0, 1.0, 1.0), p_up=None, size=500, f=f)
            compiled.apply(v, f)
        feats = dict.fromkeys(compiled.HISTORY_FEATURES, v)
        compiled.history(feats, DEFAULT, active=(True,) * 4, regime=codes, muted_in=((),) * 4)
    assert [len(k.signatures) for k in kernels] == before


def test_a_numpy_raw_score_still_gets_the_filters() -> None:
    """A generator that only defines `raw_score` is scored by the generic pipeline."""
    raw = np.array([np.nan, -3.0, -0.04, 0.0, 0.04, 0.5, 2.0])
    codes = np.array([0, 0, 0, 0, 0, 1, 0], dtype=np.int8)
    out = compiled.apply(raw.copy(), compiled.filters(0.05, codes, (1,)))
    expected = reference.filtered(raw.copy(), 0.05, codes, (1,))
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(out, [np.nan, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    assert not np.signbit(out[2:5]).any()  # zeroed rows are +0.0, as numpy's were
