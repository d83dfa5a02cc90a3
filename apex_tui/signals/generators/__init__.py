"""Signal generators: trend, mean reversion, momentum, breakout and their ensemble."""

from __future__ import annotations

from apex_tui.signals.generators.base import Generator
from apex_tui.signals.generators.breakout import BreakoutGenerator
from apex_tui.signals.generators.ensemble import MEMBERS, EnsembleGenerator, OnlineLogistic
from apex_tui.signals.generators.mean_reversion import MeanReversionGenerator
from apex_tui.signals.generators.momentum import MomentumGenerator
from apex_tui.signals.generators.trend import TrendGenerator
from apex_tui.signals.settings import SignalSettings

__all__ = [
    "MEMBERS",
    "BreakoutGenerator",
    "EnsembleGenerator",
    "Generator",
    "MeanReversionGenerator",
    "MomentumGenerator",
    "OnlineLogistic",
    "TrendGenerator",
    "build_members",
]


def build_members(settings: SignalSettings) -> dict[str, Generator]:
    """The four member generators keyed by name (also their flag names)."""
    gens: list[Generator] = [
        TrendGenerator(settings),
        MeanReversionGenerator(settings),
        MomentumGenerator(settings),
        BreakoutGenerator(settings),
    ]
    return {g.name: g for g in gens}
