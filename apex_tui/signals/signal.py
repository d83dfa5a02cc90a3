"""The Signal record a generator emits, and the enums it carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any


class Direction(IntEnum):
    """Which way a signal points; the int value is the sign used in scores."""

    SHORT = -1
    FLAT = 0
    LONG = 1

    @property
    def arrow(self) -> str:
        return {Direction.SHORT: "▼", Direction.FLAT: "-", Direction.LONG: "▲"}[self]


class Regime(StrEnum):
    """Market regime of one symbol (see `regime.classify`)."""

    TRENDING = "trending"
    RANGING = "ranging"
    VOLATILE = "volatile"


def _frozen(params: Mapping[str, Any]) -> MappingProxyType[str, Any]:
    return params if isinstance(params, MappingProxyType) else MappingProxyType(dict(params))


@dataclass(frozen=True, slots=True)
class Signal:
    """One generator's view of one symbol at the close of one bar.

    `strength` is 0..1 (0 exactly when FLAT); `reason` is one line for the pane and the audit
    log; `params` are the generator parameters that produced it (read-only).
    """

    symbol: str
    direction: Direction
    strength: float
    generator: str
    timeframe: str
    bar_time: datetime
    reason: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    regime: Regime | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"strength must be within 0..1, got {self.strength}")
        if self.direction is Direction.FLAT and self.strength != 0.0:
            raise ValueError("a FLAT signal has strength 0")
        object.__setattr__(self, "params", _frozen(self.params))

    @property
    def key(self) -> tuple[str, str]:
        """(symbol, generator): the SignalBook keeps the latest signal per key."""
        return (self.symbol, self.generator)
