"""The `[signals]` config section: timeframe, warm-up and each generator's parameters."""

from __future__ import annotations

from typing import Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Timeframes a bar aggregator can produce; 5 s exists so a demo shows signals quickly.
Timeframe = Literal["5s", "15s", "30s", "1m", "5m", "15m", "1h"]
TIMEFRAME_SECONDS: dict[str, int] = {
    "5s": 5,
    "15s": 15,
    "30s": 30,
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "1h": 3600,
}
assert set(TIMEFRAME_SECONDS) == set(get_args(Timeframe))


class TrendSettings(BaseModel):
    """Trend generator: fast/slow EMA crossover, confirmed by a gap of some ATRs."""

    model_config = ConfigDict(extra="forbid")

    fast: int = Field(12, ge=2, le=500, description="Fast EMA period in bars.")
    slow: int = Field(26, ge=3, le=1000, description="Slow EMA period in bars.")
    atr_filter: float = Field(
        0.25, ge=0.0, le=10.0, description="Minimum EMA gap, in ATRs, before a cross counts."
    )
    atr_full: float = Field(
        2.0, gt=0.0, le=20.0, description="EMA gap, in ATRs, that gives full strength."
    )

    @model_validator(mode="after")
    def _fast_below_slow(self) -> Self:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be below slow ({self.slow})")
        return self


class MeanReversionSettings(BaseModel):
    """Mean-reversion generator: RSI extremes confirmed by a close outside the Bollinger band."""

    model_config = ConfigDict(extra="forbid")

    rsi_period: int = Field(14, ge=2, le=500, description="RSI period in bars.")
    oversold: float = Field(30.0, gt=0.0, lt=50.0, description="RSI below this is oversold.")
    overbought: float = Field(70.0, gt=50.0, lt=100.0, description="RSI above this is overbought.")
    bb_period: int = Field(20, ge=2, le=500, description="Bollinger band period in bars.")
    bb_k: float = Field(2.0, gt=0.0, le=10.0, description="Bollinger band width in std devs.")


class MomentumSettings(BaseModel):
    """Momentum generator: MACD histogram in the direction of the MACD line."""

    model_config = ConfigDict(extra="forbid")

    fast: int = Field(12, ge=2, le=500, description="MACD fast EMA period.")
    slow: int = Field(26, ge=3, le=1000, description="MACD slow EMA period.")
    signal: int = Field(9, ge=2, le=500, description="MACD signal EMA period.")
    hist_full: float = Field(
        0.5, gt=0.0, le=20.0, description="Histogram size, in ATRs, that gives full strength."
    )

    @model_validator(mode="after")
    def _fast_below_slow(self) -> Self:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be below slow ({self.slow})")
        return self


class BreakoutSettings(BaseModel):
    """Breakout generator: close beyond the Donchian channel on above-average volume."""

    model_config = ConfigDict(extra="forbid")

    channel: int = Field(20, ge=2, le=1000, description="Donchian channel length in bars.")
    volume_period: int = Field(20, ge=2, le=1000, description="Volume average period in bars.")
    volume_mult: float = Field(
        1.5, ge=0.0, le=100.0, description="Volume must exceed this multiple of its average."
    )


class EnsembleSettings(BaseModel):
    """Ensemble: a weighted vote of the enabled generators, or learned weights (`ml_signals`)."""

    model_config = ConfigDict(extra="forbid")

    weight_trend: float = Field(1.0, ge=0.0, le=10.0, description="Vote weight of trend.")
    weight_mean_reversion: float = Field(
        1.0, ge=0.0, le=10.0, description="Vote weight of mean reversion."
    )
    weight_momentum: float = Field(1.0, ge=0.0, le=10.0, description="Vote weight of momentum.")
    weight_breakout: float = Field(1.0, ge=0.0, le=10.0, description="Vote weight of breakout.")
    threshold: float = Field(
        0.3, gt=0.0, le=1.0, description="Net vote (or 2p - 1) needed for an ensemble signal."
    )
    learning_rate: float = Field(
        0.05, gt=0.0, le=1.0, description="Step size of the online logistic model (ml_signals)."
    )
    l2: float = Field(
        1e-4, ge=0.0, le=1.0, description="L2 shrinkage per update of the online logistic model."
    )


class RegimeSettings(BaseModel):
    """Regime classifier (`regime_detection`): trending / ranging / volatile per symbol."""

    model_config = ConfigDict(extra="forbid")

    adx_period: int = Field(14, ge=2, le=500, description="ADX period in bars.")
    adx_trending: float = Field(
        25.0, gt=0.0, lt=100.0, description="ADX at or above this means trending."
    )
    atr_window: int = Field(
        100, ge=10, le=5000, description="Bars over which the ATR percentile is ranked."
    )
    volatile_percentile: float = Field(
        0.9, gt=0.0, le=1.0, description="ATR percentile at or above this means volatile."
    )


class SignalSettings(BaseModel):
    """Signals engine: bar timeframe, warm-up length, thresholds and generator parameters."""

    model_config = ConfigDict(extra="forbid")

    timeframe: Timeframe = Field("1m", description="Bar timeframe the generators run on.")
    warmup_bars: int = Field(
        1000,
        ge=100,
        le=1_000_000,
        description="History bars fed through the live state at start (>= 40x the longest period).",
    )
    max_symbols: int = Field(
        1000, ge=1, le=100_000, description="Symbol slots the live state allocates."
    )
    atr_period: int = Field(14, ge=2, le=500, description="ATR period used to scale strengths.")
    min_strength: float = Field(
        0.05, ge=0.0, lt=1.0, description="Signals weaker than this are treated as flat."
    )
    trend: TrendSettings = Field(default_factory=TrendSettings, description="Trend generator.")
    mean_reversion: MeanReversionSettings = Field(
        default_factory=MeanReversionSettings, description="Mean-reversion generator."
    )
    momentum: MomentumSettings = Field(
        default_factory=MomentumSettings, description="Momentum generator."
    )
    breakout: BreakoutSettings = Field(
        default_factory=BreakoutSettings, description="Breakout generator."
    )
    ensemble: EnsembleSettings = Field(default_factory=EnsembleSettings, description="Ensemble.")
    regime: RegimeSettings = Field(default_factory=RegimeSettings, description="Regime classes.")

    @property
    def timeframe_seconds(self) -> int:
        return TIMEFRAME_SECONDS[self.timeframe]
