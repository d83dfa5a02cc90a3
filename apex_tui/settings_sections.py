"""Config sections owned by other packages, gathered in one place for apex_tui.config.

Each package owns the model of its section; `[sim]` lives here because the simulator itself
takes plain dataclasses (it imports nothing from the app) and core/simulator.py maps them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from apex_tui.broker.settings import BrokerSettings
from apex_tui.flags import FlagsSettings
from apex_tui.jobs.settings import JobsSettings
from apex_tui.orders.settings import OrdersSettings
from apex_tui.risk.settings import RiskSettings
from apex_tui.signals.settings import SignalSettings as SignalsSettings
from apex_tui.store.settings import DataSettings


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SimSettings(_Section):
    """The embedded gateway simulator used in `sim` mode (and by `apex-tui sim`)."""

    seed: int = Field(default=7, description="Seed of the simulated market: same seed, same data.")
    symbols: list[str] | None = Field(
        default=None,
        description="Instruments the simulator knows; unset = its default ~50 US stocks and ETFs.",
    )
    tick_ms: int = Field(
        default=250, ge=5, le=10_000, description="Milliseconds between quote snapshots (IB: 250)."
    )
    market_hours: Literal["always", "exchange"] = Field(
        default="always",
        description="always = ticks around the clock (a live demo at night); exchange = only in "
        "NYSE trading hours.",
    )
    max_lines: int = Field(
        default=100, ge=1, le=10_000, description="Market data lines before error 101."
    )
    pacing: Literal["ib", "strict", "off"] = Field(
        default="ib",
        description="Historical pacing rules: ib (bars of 30 s or less), strict (all bar "
        "sizes), off.",
    )
    pacing_scale: float = Field(
        default=1.0, gt=0, le=10, description="Multiplies every pacing window (0.01 for tests)."
    )
    faults: str = Field(
        default="",
        description="Fault script, e.g. 'disconnect@30s,notice:1100@60s' (see apex-tui sim "
        "--help).",
    )
    partial_fills: bool = Field(
        default=True, description="Fill at most the displayed size per tick."
    )
    starting_cash: float = Field(
        default=1_000_000.0, gt=0, description="Cash in the simulated account at start."
    )
    accounts: list[str] = Field(
        default_factory=lambda: ["DU1234567"],
        min_length=1,
        description="Managed accounts the simulator reports.",
    )


__all__ = [
    "BrokerSettings",
    "DataSettings",
    "FlagsSettings",
    "JobsSettings",
    "OrdersSettings",
    "RiskSettings",
    "SignalsSettings",
    "SimSettings",
]
