"""A fake OptionSource for the jobs tests: a fixed chain on top of FakeSource's bars."""

from __future__ import annotations

from dataclasses import dataclass, field

from apex_tui.jobs.source import ChainParams, OptionContract
from tests.unit.jobs.fakes import FakeSource

EXPIRIES = ("20261118", "20261127", "20261204")
STRIKES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)  # FakeSource's daily close is 1.5: the money


@dataclass
class FakeOptionSource(FakeSource):
    """Lists EXPIRIES x STRIKES x C/P; counts chain calls apart from bar requests."""

    chain_calls: list[str] = field(default_factory=list)

    async def option_params(self, underlying: str) -> list[ChainParams]:
        self.chain_calls.append(f"params {underlying}")
        return [
            ChainParams("CBOE", underlying, "100", EXPIRIES, STRIKES),
            ChainParams("SMART", underlying, "100", EXPIRIES, STRIKES),
        ]

    async def option_contracts(
        self, underlying: str, expiry: str, *, exchange: str = "SMART", trading_class: str = ""
    ) -> list[OptionContract]:
        self.chain_calls.append(f"details {underlying} {expiry} {exchange}")
        return [
            OptionContract(
                underlying,
                expiry,
                k,
                right,
                con_id=1000 + 100 * EXPIRIES.index(expiry) + i,
                exchange=exchange,
                trading_class=trading_class,
                local_symbol=f"{underlying} {expiry}{right}{k}",
            )
            for i, (k, right) in enumerate((k, r) for k in STRIKES for r in ("C", "P"))
        ]
