"""Settings of the simulated world: seed, universe, market hours, accounts and commissions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorldSettings:
    """Everything that shapes the simulated market; equal settings give an identical world."""

    seed: int = 7
    symbols: tuple[str, ...] | None = None  # None = the default universe (~50 US stocks/ETFs)
    tick_ms: int = 250
    market_hours: str = "always"  # "always" | "exchange" (ticks only in trading hours)
    accounts: tuple[str, ...] = ("DU1234567",)
    starting_cash: float = 1_000_000.0
    partial_fills: bool = True  # fill at most the displayed size per tick
    commission_per_share: float = 0.005
    commission_min: float = 1.0
    commission_max_pct: float = 0.01  # of trade value
    commission_per_contract: float = 0.65  # options: IB's fixed rate per contract
