"""After a reconnect: positions, open orders and executions diffed against what we knew.

Executions are identified by execId: one already seen is a replay and ignored; one never
seen happened while the app was away and is recovered. The result is a ReconnectCheckpoint.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from ib_async import IB

from apex_tui.broker.convert import execution_from_fill, order_view_from_trade, symbol_of
from apex_tui.broker.requests import bounded
from apex_tui.broker.settings import RequestTimeouts
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.portfolio import Execution, OpenOrderView, PositionDiff, ReconnectCheckpoint

log = structlog.get_logger(__name__)


class Reconciler:
    """Remembers what the app last knew and compares it with the broker after a gap."""

    def __init__(
        self,
        ib: IB,
        timeouts: RequestTimeouts,
        *,
        read_only: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self._ib = ib
        self._timeouts = timeouts
        self._read_only = read_only
        self._clock = clock or SystemClock()
        self.seen_exec_ids: set[str] = set()
        self.last_exec_id: str | None = None
        self.open_orders: dict[int, OpenOrderView] = {}
        self._positions_before: dict[str, float] = {}
        self.checkpoints: list[ReconnectCheckpoint] = []

    def note_execution(self, execution: Execution) -> bool:
        """Record a live fill; False when its execId was seen before (a replay)."""
        if execution.exec_id in self.seen_exec_ids:
            return False
        self.seen_exec_ids.add(execution.exec_id)
        self.last_exec_id = execution.exec_id
        return True

    def note_order(self, view: OpenOrderView, done: bool) -> None:
        """Track our open orders from the live order events (ib_async forgets them on a gap)."""
        if done:
            self.open_orders.pop(view.order_id, None)
        else:
            self.open_orders[view.order_id] = view

    def capture(self, positions: dict[str, float]) -> None:
        """Remember the local positions at the moment the session was lost."""
        self._positions_before = dict(positions)

    async def run(self, *, reason: str, initial: bool) -> ReconnectCheckpoint | None:
        """Fetch the broker's state and diff it; on the first session only set the baseline."""
        t = self._timeouts
        positions = await bounded(
            self._ib.reqPositionsAsync(), seconds=t.positions, what="positions"
        )
        if self._read_only:
            trades = list(self._ib.openTrades())
        else:
            trades = await bounded(
                self._ib.reqOpenOrdersAsync(), seconds=t.open_orders, what="open orders"
            )
        fills = await bounded(
            self._ib.reqExecutionsAsync(), seconds=t.executions, what="executions"
        )
        executions = sorted((execution_from_fill(f) for f in fills), key=lambda e: e.time)
        broker_orders = {
            v.order_id: v for v in (order_view_from_trade(tr) for tr in trades if not tr.isDone())
        }
        broker_positions: dict[str, tuple[str, float]] = {}
        for p in positions:
            broker_positions[symbol_of(p.contract)] = (str(p.account), float(p.position))

        recovered, replayed = self._split(executions)
        if initial:
            self.open_orders = broker_orders
            return None
        diffs = self._position_diffs(broker_positions)
        gone = tuple(v for k, v in self.open_orders.items() if k not in broker_orders)
        new = tuple(v for k, v in broker_orders.items() if k not in self.open_orders)
        self.open_orders = broker_orders
        checkpoint = ReconnectCheckpoint(
            time=self._clock.now(),
            reason=reason,
            recovered_fills=tuple(recovered),
            replayed_exec_ids=replayed,
            position_diffs=diffs,
            orders_gone=gone,
            orders_new=new,
            open_orders=tuple(broker_orders.values()),
        )
        self.checkpoints.append(checkpoint)
        log.info(
            "reconnect_checkpoint",
            recovered=len(recovered),
            replayed=replayed,
            position_diffs=len(diffs),
            orders_gone=len(gone),
            orders_new=len(new),
        )
        return checkpoint

    def _split(self, executions: Iterable[Execution]) -> tuple[list[Execution], int]:
        recovered: list[Execution] = []
        replayed = 0
        for execution in executions:
            if self.note_execution(execution):
                recovered.append(execution)
            else:
                replayed += 1
        return recovered, replayed

    def _position_diffs(self, broker: dict[str, tuple[str, float]]) -> tuple[PositionDiff, ...]:
        diffs: list[PositionDiff] = []
        for symbol in sorted(set(broker) | set(self._positions_before)):
            account, broker_qty = broker.get(symbol, ("", 0.0))
            local_qty = self._positions_before.get(symbol, 0.0)
            if broker_qty != local_qty:
                diffs.append(PositionDiff(symbol, account, local_qty, broker_qty))
        return tuple(diffs)
