"""Ensemble: a weighted vote of the member generators, or weights learned online (ml_signals).

The learned mode is a per-symbol logistic model p(next bar closes up) = sigmoid(b + w . s),
where s are the members' filtered scores. After each bar closes, the previous bar's scores
are labelled with whether this close is above the previous one and the model takes one SGD
step (with L2 shrinkage); its score is 2p - 1. It starts from the fixed vote weights, so a new
symbol behaves like the vote until it has learned something.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from apex_tui.signals.features import Features
from apex_tui.signals.generators import compiled
from apex_tui.signals.generators.base import Generator, Row
from apex_tui.signals.generators.compiled import Filters
from apex_tui.signals.kernels import F64
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Direction

MEMBERS = ("trend", "mean_reversion", "momentum", "breakout")


def member_feature(name: str) -> str:
    """Feature column holding a member's filtered score (0 when disabled or warming up)."""
    return f"score_{name}"


class OnlineLogistic:
    """One small logistic model per symbol slot, updated by one SGD step per bar."""

    def __init__(
        self, initial: Iterable[float], size: int, learning_rate: float, l2: float
    ) -> None:
        self.initial = np.array([0.0, *initial])  # column 0 is the bias
        self.weights = np.tile(self.initial, (size, 1))
        self.lr, self.l2 = learning_rate, l2

    def reset(self, rows: NDArray[np.intp]) -> None:
        self.weights[rows] = self.initial

    def predict(self, rows: NDArray[np.intp], x: F64) -> F64:
        z = self.weights[rows, 0] + (self.weights[rows, 1:] * x).sum(axis=1)
        p: F64 = 1.0 / (1.0 + np.exp(-z))
        return p

    def learn(self, rows: NDArray[np.intp], x: F64, went_up: NDArray[np.bool_]) -> None:
        """One step on (x, label) for each row; x rows with NaN are skipped."""
        ok = ~np.isnan(x).any(axis=1)
        rows, x, y = rows[ok], x[ok], went_up[ok].astype(float)
        err = y - self.predict(rows, x)
        w = self.weights[rows]
        grad = np.column_stack([err, err[:, None] * x])
        self.weights[rows] = w + self.lr * (grad - self.l2 * w)

    def run(self, x: F64, close: F64) -> F64:
        """p for every bar of one symbol's history, stepping exactly as the live path does."""
        w = [float(v) for v in self.initial]
        lr, l2, k = self.lr, self.l2, x.shape[1]
        out = np.full(len(close), np.nan)
        rows = x.tolist()
        prev: list[float] | None = None
        for t in range(len(close)):
            cur = rows[t]
            if t > 0 and prev is not None and close[t] != close[t - 1]:
                y = 1.0 if close[t] > close[t - 1] else 0.0
                z = w[0] + sum(w[j + 1] * prev[j] for j in range(k))
                err = y - 1.0 / (1.0 + math.exp(-z))
                w[0] += lr * (err - l2 * w[0])
                for j in range(k):
                    w[j + 1] += lr * (err * prev[j] - l2 * w[j + 1])
            if not any(math.isnan(v) for v in cur):
                z = w[0] + sum(w[j + 1] * cur[j] for j in range(k))
                out[t] = 1.0 / (1.0 + math.exp(-z))
                prev = cur
            else:
                prev = None
        return out


class EnsembleGenerator(Generator):
    """Net vote of the enabled members (or the learned 2p - 1), signalled past a threshold."""

    name = "ensemble"

    def __init__(self, settings: SignalSettings) -> None:
        super().__init__(settings)
        e = settings.ensemble
        self.weights = {
            "trend": e.weight_trend,
            "mean_reversion": e.weight_mean_reversion,
            "momentum": e.weight_momentum,
            "breakout": e.weight_breakout,
        }
        self.active: frozenset[str] = frozenset(MEMBERS)
        self.learned = False

    def raw_score(self, cur: Features, prev: Features) -> F64:
        return self._scores(cur, prev, compiled.RAW)

    def score(self, cur: Features, prev: Features, regime: NDArray[np.int8] | None = None) -> F64:
        """The clipped vote (or 2p - 1), zeroed below the ensemble threshold; never muted."""
        return self._scores(cur, prev, compiled.filters(self.settings.ensemble.threshold))

    def _scores(self, cur: Features, prev: Features, f: Filters) -> F64:
        if self.learned:
            p_up = cur["ml_p"]
            none = (None, None, None, None)
            return compiled.ensemble(none, (0.0,) * 4, p_up=p_up, size=len(p_up), f=f)
        t, r, m, b = (cur[member_feature(g)] if g in self.active else None for g in MEMBERS)
        w = self.weights
        weights = (w["trend"], w["mean_reversion"], w["momentum"], w["breakout"])
        return compiled.ensemble((t, r, m, b), weights, p_up=None, size=len(cur["close"]), f=f)

    def reason(self, cur: Row, prev: Row, direction: Direction) -> str:
        if self.learned:
            return f"learned model: p(up) = {cur['ml_p']:.2f}"
        votes = [
            f"{m} {cur[member_feature(m)]:+.2f}"
            for m in MEMBERS
            if m in self.active and cur[member_feature(m)]
        ]
        return "vote: " + (", ".join(votes) if votes else "none")

    def params(self) -> dict[str, Any]:
        return {
            **self.settings.ensemble.model_dump(),
            "mode": "learned" if self.learned else "vote",
            "members": sorted(self.active),
        }
