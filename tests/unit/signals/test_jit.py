"""The numba kernels' own promises: one compile per kernel, exact zeros, no cancellation."""

from __future__ import annotations

import numpy as np
import polars as pl
import talib

from apex_tui.signals import jit, kernels
from tests.unit.signals.series import ohlcv

KERNELS = (
    jit._ema,
    jit._rsi,
    jit._atr,
    jit._adx,
    jit._macd,
    jit._sma,
    jit._bollinger,
    jit._rolling_max,
    jit._rolling_min,
    jit._ema_pair,
)


def test_writable_and_read_only_inputs_share_one_compiled_kernel() -> None:
    d = ohlcv(n=300)
    writable = d["close"]
    read_only = pl.Series(writable).to_numpy()  # polars hands out read-only views
    assert not read_only.flags.writeable
    strided = np.repeat(writable, 2)[::2]  # not contiguous: copied, same type again
    for x in (writable, read_only, strided):
        jit.ema(x, 12)
        jit.rsi(x, 14)
        jit.atr(x, x, x, 14)
        jit.adx(x, x, x, 14)
        jit.macd(x, 12, 26, 9)
        jit.sma(x, 20)
        jit.bollinger(x, 20, 2.0)
        jit.rolling_max(x, 20)
        jit.rolling_min(x, 20)
        jit.ema_pair(x, 12, 26)
    for kernel in KERNELS:
        assert len(kernel.signatures) == 1, kernel.signatures
    assert writable.flags.writeable  # the caller's array is left as it was


def test_deviation_is_exactly_zero_once_the_window_is_flat() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([100.0 + rng.normal(0.0, 1.0, 500), np.full(300, 101.25)])
    upper, middle, lower = jit.bollinger(x, 20, 2.0)
    flat = slice(500 + 19, None)  # every window from here on holds only 101.25
    assert np.array_equal(upper[flat], middle[flat])
    assert np.array_equal(lower[flat], middle[flat])
    assert (upper[500:519] > middle[500:519]).all()  # windows that still hold movement


def test_deviation_keeps_precision_on_a_high_price_level() -> None:
    """A sum of squares over raw prices would lose ~10 digits at 1e6 with a 1e-3 spread."""
    rng = np.random.default_rng(2)
    x = 1e6 + np.cumsum(rng.normal(0.0, 1e-3, 5000))
    upper, middle, _ = jit.bollinger(x, 20, 1.0)
    windows = np.lib.stride_tricks.sliding_window_view(x, 20)
    exact = windows.std(axis=1)  # two-pass per window
    np.testing.assert_allclose((upper - middle)[19:], exact, rtol=1e-6, atol=0)
    np.testing.assert_array_equal(middle, talib.SMA(x, 20))  # TA-Lib's running total, bit for bit


def test_short_inputs_give_all_nan() -> None:
    x = np.linspace(1.0, 2.0, 5)
    assert np.isnan(jit.ema(x, 12)).all()
    assert np.isnan(jit.adx(x, x, x, 3)).all()  # needs 2n bars
    assert all(np.isnan(part).all() for part in jit.macd(x, 12, 26, 9))
    assert all(np.isnan(part).all() for part in jit.bollinger(x, 20, 2.0))


def test_rolling_extremes_equal_talib_on_walks_trends_ties_and_flats() -> None:
    rng = np.random.default_rng(4)
    walk = 100.0 + np.cumsum(rng.normal(0.0, 1.0, 3000))
    cases = [
        walk,
        np.linspace(200.0, 1.0, 500),  # falling: the highest leaves the window every bar
        np.linspace(1.0, 200.0, 500),  # rising: the lowest does
        np.round(walk / 5.0) * 5.0,  # many equal values
        np.full(300, 7.5),
    ]
    for x in cases:
        for n in (2, 5, 20, 64):
            np.testing.assert_array_equal(jit.rolling_max(x, n), talib.MAX(x, n))
            np.testing.assert_array_equal(jit.rolling_min(x, n), talib.MIN(x, n))
    assert np.isnan(jit.rolling_max(walk[:10], 20)).all()


def test_rolling_extremes_of_a_series_with_nan_are_nan_where_the_window_holds_one() -> None:
    x = np.arange(30, dtype=np.float64)
    x[10] = np.nan
    upper, lower = kernels.rolling_max(x, 5), kernels.rolling_min(x, 5)
    assert np.isnan(upper[10:15]).all() and np.isnan(lower[10:15]).all()
    assert upper[9] == 9.0 and upper[15] == 15.0 and lower[15] == 11.0


def test_ema_pair_is_both_emas_bit_for_bit() -> None:
    x = ohlcv(n=400)["close"]
    for size in (0, 5, 11, 12, 13, 25, 26, 27, 400):
        fast, slow = jit.ema_pair(x[:size], 12, 26)
        np.testing.assert_array_equal(fast, jit.ema(x[:size], 12))
        np.testing.assert_array_equal(slow, jit.ema(x[:size], 26))
