"""TA-Lib parity of the public indicators: same warm-up nulls, equal within 1e-9 after."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
import talib

from apex_tui.signals import indicators as ind
from tests.unit.signals.series import ohlcv, series, with_gaps

TOL = 1e-9
D = ohlcv()
Cases = dict[str, tuple[Callable[[], pl.Series], Callable[[], np.ndarray]]]


def _cases(d: dict[str, np.ndarray]) -> Cases:
    h, lo, c = series(d["high"]), series(d["low"]), series(d["close"])
    hh, ll, cc = d["high"], d["low"], d["close"]
    return {
        "sma20": (lambda: ind.sma(c, 20), lambda: talib.SMA(cc, 20)),
        "sma2": (lambda: ind.sma(c, 2), lambda: talib.SMA(cc, 2)),
        "ema12": (lambda: ind.ema(c, 12), lambda: talib.EMA(cc, 12)),
        "ema26": (lambda: ind.ema(c, 26), lambda: talib.EMA(cc, 26)),
        "rsi14": (lambda: ind.rsi(c), lambda: talib.RSI(cc, 14)),
        "rsi5": (lambda: ind.rsi(c, 5), lambda: talib.RSI(cc, 5)),
        "macd": (lambda: ind.macd(c)["macd"], lambda: talib.MACD(cc, 12, 26, 9)[0]),
        "macd_signal": (lambda: ind.macd(c)["signal"], lambda: talib.MACD(cc, 12, 26, 9)[1]),
        "macd_hist": (lambda: ind.macd(c)["hist"], lambda: talib.MACD(cc, 12, 26, 9)[2]),
        "macd_5_35_5": (lambda: ind.macd(c, 5, 35, 5)["hist"], lambda: talib.MACD(cc, 5, 35, 5)[2]),
        "bb_upper": (lambda: ind.bollinger(c)["upper"], lambda: talib.BBANDS(cc, 20, 2.0, 2.0)[0]),
        "bb_middle": (
            lambda: ind.bollinger(c)["middle"],
            lambda: talib.BBANDS(cc, 20, 2.0, 2.0)[1],
        ),
        "bb_lower": (lambda: ind.bollinger(c)["lower"], lambda: talib.BBANDS(cc, 20, 2.0, 2.0)[2]),
        "bb_k1": (
            lambda: ind.bollinger(c, 10, 1.0)["upper"],
            lambda: talib.BBANDS(cc, 10, 1, 1)[0],
        ),
        "trange": (lambda: ind.true_range(h, lo, c), lambda: talib.TRANGE(hh, ll, cc)),
        "atr14": (lambda: ind.atr(h, lo, c), lambda: talib.ATR(hh, ll, cc, 14)),
        "atr3": (lambda: ind.atr(h, lo, c, 3), lambda: talib.ATR(hh, ll, cc, 3)),
        "adx14": (lambda: ind.adx(h, lo, c), lambda: talib.ADX(hh, ll, cc, 14)),
        "adx5": (lambda: ind.adx(h, lo, c, 5), lambda: talib.ADX(hh, ll, cc, 5)),
        "dc_upper": (lambda: ind.donchian(h, lo, 20)["upper"], lambda: talib.MAX(hh, 20)),
        "dc_lower": (lambda: ind.donchian(h, lo, 20)["lower"], lambda: talib.MIN(ll, 20)),
        "dc_upper7": (lambda: ind.donchian(h, lo, 7)["upper"], lambda: talib.MAX(hh, 7)),
    }


def assert_matches(ours: pl.Series, ref: np.ndarray) -> None:
    assert len(ours) == len(ref)
    got = ours.to_numpy()
    assert np.array_equal(ours.is_null().to_numpy(), np.isnan(ref)), "warm-up nulls differ"
    assert not np.isnan(got[~np.isnan(ref)]).any()
    worst = float(np.max(np.abs(got[~np.isnan(ref)] - ref[~np.isnan(ref)])))
    assert worst <= TOL, f"max abs difference {worst:g}"


@pytest.mark.parametrize("name", sorted(_cases(D)))
def test_matches_talib_on_long_series(name: str) -> None:
    ours, ref = _cases(D)[name]
    assert_matches(ours(), ref())


@pytest.mark.parametrize("name", sorted(_cases(D)))
def test_a_gap_is_a_missing_bar(name: str) -> None:
    """With nulls, values equal TA-Lib on the series with the gaps removed, null at gaps."""
    mask = ~np.isnan(with_gaps(D["close"]))
    gappy = {k: np.where(mask, v, np.nan) for k, v in D.items()}
    compact = {k: v[mask] for k, v in D.items()}
    ours = _cases(gappy)[name][0]()
    ref_compact = _cases(compact)[name][1]()
    ref = np.full(len(mask), np.nan)
    ref[mask] = ref_compact
    assert ours.is_null().to_numpy()[~mask].all()
    assert_matches(ours, ref)


def test_leading_nulls_match_talib_leading_nans() -> None:
    c = D["close"].copy()
    c[:30] = np.nan
    assert_matches(ind.ema(series(c), 10), talib.EMA(c, 10))
    assert_matches(ind.rsi(series(c), 14), talib.RSI(c, 14))


def test_gap_in_one_input_drops_the_whole_bar() -> None:
    h, lo, c = D["high"].copy(), D["low"].copy(), D["close"].copy()
    h[500] = np.nan  # only the high is missing
    out = ind.atr(series(h), series(lo), series(c)).to_numpy()
    keep = np.arange(len(c)) != 500
    ref = talib.ATR(h[keep], lo[keep], c[keep], 14)
    assert np.isnan(out[500])
    np.testing.assert_allclose(out[keep][14:], ref[14:], atol=TOL, rtol=0)


def test_flat_series_gives_talib_values() -> None:
    flat = np.full(300, 42.5)
    assert_matches(ind.rsi(series(flat)), talib.RSI(flat, 14))  # 0 when nothing ever moved
    assert_matches(ind.bollinger(series(flat))["upper"], talib.BBANDS(flat, 20, 2.0, 2.0)[0])
    assert_matches(ind.adx(series(flat), series(flat), series(flat)), talib.ADX(flat, flat, flat))


def test_series_shorter_than_warm_up_is_all_null() -> None:
    short = series(D["close"][:10])
    assert ind.ema(short, 12).null_count() == 10
    assert ind.macd(short)["hist"].null_count() == 10
    assert ind.adx(short, short, short).null_count() == 10


def test_naive_smoothing_would_fail_the_tolerance() -> None:
    """Guards the test itself: plain ewm differs from TA-Lib by far more than 1e-9."""
    naive = pl.Series(D["close"]).ewm_mean(span=12, adjust=False).to_numpy()
    assert np.nanmax(np.abs(naive - talib.EMA(D["close"], 12))) > 1e-3


def test_bad_arguments_are_refused() -> None:
    c = series(D["close"])
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        ind.sma(c, 1)
    with pytest.raises(ValueError, match="same length"):
        ind.atr(c, c[:10], c)
