"""Shadow P&L: what rejected and expired proposals would have made, per generator.

Each such proposal is assumed filled in full at its limit price (or its reference price for a
market order) when it was decided, and marked at the current price. That is optimistic for a
limit order that might not have filled, and is shown as a hint about a generator, not a number
to trade on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from apex_tui.domain.orders import Side
from apex_tui.orders.proposal import Proposal

Outcome = Literal["rejected", "expired"]


@dataclass(frozen=True, slots=True)
class ShadowEntry:
    proposal_id: str
    generator: str
    symbol: str
    side: Side
    qty: float
    entry_price: float
    outcome: Outcome

    def pnl(self, mark: float) -> float:
        return self.side.sign * self.qty * (mark - self.entry_price)


@dataclass(frozen=True, slots=True)
class ShadowPnl:
    """One generator's shadow result; `unmarked` entries had no current price to mark."""

    generator: str
    count: int
    pnl: float
    rejected: int
    expired: int
    unmarked: int


class ShadowBook:
    def __init__(self) -> None:
        self._entries: list[ShadowEntry] = []
        self.version = 0

    def record(self, proposal: Proposal, outcome: Outcome) -> ShadowEntry | None:
        """Remember a proposal that was not traded; None when it has no usable price."""
        price = (
            proposal.limit_price if proposal.limit_price is not None else proposal.reference_price
        )
        if not math.isfinite(price):
            return None
        entry = ShadowEntry(
            proposal.id,
            proposal.provenance.generator,
            proposal.symbol,
            proposal.side,
            proposal.qty,
            price,
            outcome,
        )
        self._entries.append(entry)
        self.version += 1
        return entry

    def entries(self) -> list[ShadowEntry]:
        return list(self._entries)

    def pnl_by_generator(self, marks: Mapping[str, float]) -> dict[str, ShadowPnl]:
        """Shadow P&L per generator at the given marks (symbol -> current price)."""
        acc: dict[str, list[float]] = {}  # generator -> [count, pnl, rejected, expired, unmarked]
        for e in self._entries:
            row = acc.setdefault(e.generator, [0, 0.0, 0, 0, 0])
            row[0] += 1
            row[2 if e.outcome == "rejected" else 3] += 1
            mark = marks.get(e.symbol, math.nan)
            if math.isfinite(mark):
                row[1] += e.pnl(mark)
            else:
                row[4] += 1
        return {
            g: ShadowPnl(g, int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]))
            for g, r in acc.items()
        }
