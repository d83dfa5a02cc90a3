"""Kill switch: HALTED first, then cancel every open order (global cancel), then optionally
flatten every position with market orders.

The UI asks for confirmation before calling `engage`. HALTED comes first so nothing can be
approved while the cancels are in flight; the journal record comes before everything.
Flattening bypasses the approval queue on purpose: it is the trader's explicit, confirmed
instruction to get out, and it only ever reduces positions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from apex_tui.domain.clock import Clock
from apex_tui.domain.errors import ApexError
from apex_tui.domain.orders import OrderSpec, OrderType, Side
from apex_tui.orders.journal import JournalKind, JournalWriter
from apex_tui.orders.manager import OrderManager, OrderView
from apex_tui.risk.states import TradingState, TradingStatus


@dataclass(frozen=True, slots=True)
class KillReport:
    """What the kill switch did; `errors` lists steps that failed (the rest still ran)."""

    cancelled: tuple[OrderView, ...]
    flattened: tuple[OrderView, ...]
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.errors


class KillSwitch:
    def __init__(
        self,
        manager: OrderManager,
        status: TradingStatus,
        clock: Clock,
        *,
        journal: JournalWriter | None = None,
        flatten: bool = False,
        positions: Callable[[], Mapping[str, float]] | None = None,
    ) -> None:
        self._manager = manager
        self._status = status
        self._clock = clock
        self._journal = journal
        self._flatten = flatten
        self._positions = positions
        self._engaged = 0

    async def engage(self, reason: str = "kill switch") -> KillReport:
        """Halt, cancel all, and flatten when configured. Failures are reported, not raised."""
        if self._journal is not None:
            self._journal.append(
                JournalKind.KILL_SWITCH, {"reason": reason, "flatten": self._flatten}
            )
        self._status.restrict(TradingState.HALTED, reason)
        self._engaged += 1
        errors: list[str] = []
        cancelled: list[OrderView] = []
        try:
            cancelled = await self._manager.cancel_all()
        except ApexError as exc:
            errors.append(f"global cancel failed: {exc}")
        flattened: list[OrderView] = []
        if self._flatten and self._positions is not None:
            for sym, qty in sorted(self._positions().items()):
                if qty == 0:
                    continue
                spec = OrderSpec(
                    symbol=sym,
                    side=Side.SELL if qty > 0 else Side.BUY,
                    qty=abs(qty),
                    order_type=OrderType.MKT,
                    order_ref=self._flatten_ref(sym),
                )
                try:
                    flattened.append(await self._manager.submit(spec))
                except ApexError as exc:
                    errors.append(f"flatten {sym} failed: {exc}")
        return KillReport(tuple(cancelled), tuple(flattened), tuple(errors))

    def _flatten_ref(self, symbol: str) -> str:
        # Unique per engagement, so a second kill after a partial flatten sends fresh orders.
        stamp = self._clock.now().strftime("%Y%m%dT%H%M%S")
        return f"K{self._engaged}-{stamp}-{symbol}"
