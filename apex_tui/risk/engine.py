"""The risk engine: every limit for one proposed order against one snapshot, as one decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from apex_tui.domain.orders import OrderSpec
from apex_tui.risk.limits import ALL_CHECKS, Check, CheckResult, OrderImpact, compute_impact
from apex_tui.risk.settings import RiskSettings
from apex_tui.risk.views import (
    MarketView,
    PortfolioView,
    PositionView,
    RiskSnapshot,
    reference_price,
)

__all__ = [
    "MarketView",
    "PortfolioView",
    "PositionView",
    "RiskDecision",
    "RiskEngine",
    "RiskSnapshot",
    "reference_price",
]


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """All check results for one order; `passed` only when every check passed."""

    order: OrderSpec
    checks: tuple[CheckResult, ...]
    impact: OrderImpact

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.passed)

    @property
    def tightest(self) -> CheckResult:
        """The check to highlight: the first failure, else the numeric limit used the most."""
        failed = self.failures
        if failed:
            return failed[0]
        numeric = [c for c in self.checks if not c.gate]
        return max(numeric or self.checks, key=lambda c: c.utilization)

    @property
    def reason(self) -> str:
        """One line naming every failed check, empty when the order passed."""
        return "; ".join(f"{c.name}: {c.message}" for c in self.failures)

    def get(self, name: str) -> CheckResult:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)


class RiskEngine:
    """Runs the configured checks; holds no state of its own beyond the settings."""

    def __init__(self, settings: RiskSettings, checks: Iterable[Check] = ALL_CHECKS) -> None:
        self.settings = settings
        self._checks = tuple(checks)

    def check(self, order: OrderSpec, snapshot: RiskSnapshot) -> RiskDecision:
        impact = compute_impact(order, snapshot)
        s = self.settings
        results = tuple(check(impact, snapshot, s) for check in self._checks)
        return RiskDecision(order, results, impact)
