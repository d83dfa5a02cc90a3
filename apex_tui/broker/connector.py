"""The Connector facade the Engine owns: one supervised IB session feeding the stores.

ib_async's event handlers here only copy into the stores (O(1) per updated ticker); anything
that awaits (restores, reconciliation, resubscribes) runs in tasks on the same loop.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from ib_async import IB

from apex_tui.broker import convert
from apex_tui.broker.errors import (
    CONNECTIVITY_LOST,
    FARM_NOTICES,
    RESTORED_DATA_KEPT,
    RESTORED_DATA_LOST,
    is_warning,
)
from apex_tui.broker.gateway import IbOrderGateway
from apex_tui.broker.options import IbOptionSource
from apex_tui.broker.reconcile import Reconciler
from apex_tui.broker.requests import THROTTLE_INTERVAL, RateGuard, bounded
from apex_tui.broker.session_close import disconnect
from apex_tui.broker.settings import BrokerSettings
from apex_tui.broker.states import ConnectionBoard, ConnectionState
from apex_tui.broker.subscriptions import Subscriptions
from apex_tui.broker.supervisor import Supervisor
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import ApexError, RequestTimeout
from apex_tui.domain.orders import OrderEvent
from apex_tui.domain.portfolio import Execution, ReconnectCheckpoint
from apex_tui.domain.quotes import Tick
from apex_tui.domain.symbols import validate_symbol
from apex_tui.jobs.pacer import Pacer
from apex_tui.market.bars import TIMEFRAMES, BarAggregator
from apex_tui.market.portfolio import Portfolio
from apex_tui.market.quotebook import QuoteBook

log = structlog.get_logger(__name__)

FillListener = Callable[[Execution], None]
CheckpointListener = Callable[[ReconnectCheckpoint], None]


def _always_open(_symbol: str) -> bool:
    return True


class Connector:
    """Starts, supervises and stops the IB session; exposes the stores it feeds."""

    def __init__(
        self,
        settings: BrokerSettings,
        *,
        port: int | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        on_ticks: Callable[[Sequence[Tick]], None] | None = None,
        market_open: Callable[[str], bool] = _always_open,
        housekeeping_interval: float = 1.0,
        bar_timeframes: tuple[int, ...] = TIMEFRAMES,
    ) -> None:
        self.settings = settings
        self._clock = clock or SystemClock()
        self._market_open = market_open
        self._housekeeping_interval = housekeeping_interval
        self.ib = IB()
        # Requests fail with IB's code and message instead of returning empty results.
        self.ib.RaiseRequestErrors = True
        # ib_async's send queue is the one place every message passes: throttle there. By
        # default it sends 45 at once then waits a second; the gateway counts arrivals over a
        # sliding second, so one late-read burst next to the following one exceeds 50. Tenths
        # of a second with a tenth of the budget each keep the flow smooth.
        per_interval = max(1, round(settings.max_msg_rate * THROTTLE_INTERVAL))
        self.ib.client.MaxRequests = per_interval
        self.ib.client.RequestsInterval = THROTTLE_INTERVAL  # type: ignore[assignment]  # typed int, used as float
        self.board = ConnectionBoard(self._clock)
        self.quotes = QuoteBook()
        self.portfolio = Portfolio()
        self.bars = BarAggregator(sink=on_ticks, timeframes=bar_timeframes)
        self.guard = RateGuard(per_interval, window=THROTTLE_INTERVAL, clock=self._clock)
        self.subscriptions = Subscriptions(
            self.ib,
            max_lines=settings.max_lines,
            qualify_timeout=settings.timeouts.contract_details,
            guard=self.guard,
            clock=self._clock,
        )
        self.reconciler = Reconciler(
            self.ib, settings.timeouts, read_only=settings.read_only, clock=self._clock
        )
        self.supervisor = Supervisor(
            self.ib,
            settings,
            self.board,
            port=port if port is not None else settings.resolved_port(),
            on_session=self._on_session,
            on_loss=self._on_loss,
            clock=self._clock,
            rng=rng,
        )
        self.checkpoint: ReconnectCheckpoint | None = None
        self._loss_reason = "initial sync"
        self._fill_listeners: list[FillListener] = []
        self._checkpoint_listeners: list[CheckpointListener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._main: asyncio.Task[None] | None = None
        self._hook_events()

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start supervising; returns at once (watch `board` for the state)."""
        if self._main is not None:
            return
        self._main = asyncio.ensure_future(self.supervisor.run())
        self._spawn(self._housekeeping())

    async def stop(self) -> None:
        """Disconnect and stop every task this connector started."""
        tasks = [t for t in (self._main, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._main = None
        self._tasks.clear()
        disconnect(self.ib)
        self.board.set(ConnectionState.DISCONNECTED, "stopped")

    def reconnect_now(self) -> None:
        """Reconnect at once (the `R` key), also after the supervisor gave up."""
        self.supervisor.reconnect_now()

    async def wait_for_state(self, *states: ConnectionState, within: float) -> ConnectionState:
        """Wait until the board shows one of `states`; RequestTimeout names the current one."""
        deadline = asyncio.get_running_loop().time() + within
        while self.board.state not in states:
            if asyncio.get_running_loop().time() > deadline:
                raise RequestTimeout(
                    f"still {self.board.state.value} ({self.board.reason}) after {within:g} s"
                )
            await asyncio.sleep(0.02)
        return self.board.state

    # -- watchlist -------------------------------------------------------------------------

    async def add_symbol(self, symbol: str) -> None:
        """Add to the watchlist; an unknown symbol raises ValidationError with IB's reason."""
        sym = await self.subscriptions.add(symbol, connected=self.board.is_live)
        self.quotes.track(sym)

    def remove_symbol(self, symbol: str) -> None:
        """Remove from the watchlist and free its market data line."""
        sym = validate_symbol(symbol)
        if self.subscriptions.remove(sym):
            self.quotes.remove(sym)
            self.bars.forget(sym)
            if self.board.is_live:
                self._spawn(self.subscriptions.resubscribe([]))  # promote a waiting symbol

    @property
    def watchlist(self) -> list[str]:
        return list(self.subscriptions.watchlist)

    async def server_time(self) -> datetime | None:
        """The gateway's clock (reqCurrentTime), None when not connected or no answer."""
        if not self.board.is_live:
            return None
        try:
            when: datetime = await bounded(
                self.ib.reqCurrentTimeAsync(),
                seconds=self.settings.timeouts.heartbeat,
                what="current time",
            )
        except ApexError:
            return None
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)

    def sector_of(self, symbol: str) -> str:
        """IB's industry for a qualified symbol ("" until its contract details arrived)."""
        return self.subscriptions.industries.get(symbol, "")

    @property
    def not_streaming(self) -> dict[str, str]:
        """Symbol -> why it has no market data line."""
        return dict(self.subscriptions.not_streaming)

    # -- services built on the session ------------------------------------------------------

    def order_gateway(self, on_event: Callable[[OrderEvent], object]) -> IbOrderGateway:
        """The OrderGateway for the OrderManager; broker events go to `on_event`."""
        return IbOrderGateway(
            self.ib,
            self.subscriptions,
            on_event=on_event,
            what_if_timeout=self.settings.timeouts.what_if,
            read_only=self.settings.read_only,
            clock=self._clock,
        )

    def option_source(self, pacer: Pacer) -> IbOptionSource:
        """The source for backfill jobs (stock bars, option chains, option bars), every
        request through `pacer`."""
        return IbOptionSource(
            self.ib,
            self.subscriptions,
            self.board,
            pacer=pacer,
            guard=self.guard,
            timeout=self.settings.timeouts.historical,
            details_timeout=self.settings.timeouts.contract_details,
        )

    # -- listeners for the order path -------------------------------------------------------

    def on_fill(self, listener: FillListener) -> None:
        """Call `listener` with every new execution: live ones and those recovered after a gap."""
        self._fill_listeners.append(listener)

    def on_checkpoint(self, listener: CheckpointListener) -> None:
        """Call `listener` with each ReconnectCheckpoint."""
        self._checkpoint_listeners.append(listener)

    # -- session hooks ---------------------------------------------------------------------

    async def _on_session(self, first: bool) -> None:
        await self.subscriptions.restore()
        checkpoint = await self.reconciler.run(reason=self._loss_reason, initial=first)
        if first:
            self.portfolio.start_session()
        if checkpoint is None:
            return
        self.checkpoint = checkpoint
        broker_qty = {d.symbol: d.broker_qty for d in checkpoint.position_diffs}
        for symbol, qty in broker_qty.items():
            if qty == 0:
                self.portfolio.update_position(symbol, account="", qty=0.0, avg_cost=0.0)
        for execution in checkpoint.recovered_fills:
            self._emit_fill(execution)
        for listener in self._checkpoint_listeners:
            listener(checkpoint)

    def _on_loss(self, reason: str) -> None:
        self._loss_reason = reason
        self.reconciler.capture(self.portfolio.quantities())
        log.warning("session_lost", reason=reason)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("connector_task_failed", error=repr(task.exception()))

    async def _housekeeping(self) -> None:
        """Close finished bars and check staleness once per interval."""
        while True:
            await asyncio.sleep(self._housekeeping_interval)
            self.check_staleness(self._clock.now())

    def check_staleness(self, now: datetime) -> list[str]:
        """Flag stale quotes; DEGRADED while a streaming symbol is silent in market hours.

        Returns the stalled symbols (streaming longer than the threshold, market open, no
        tick within it).
        """
        threshold = self.settings.staleness_threshold
        self.bars.flush(now)
        stale = self.quotes.mark_stale(now, threshold)
        if not self.board.is_live:
            return []
        since = self.subscriptions.subscribed_at
        stalled = [
            s
            for s in stale
            if s in since and (now - since[s]).total_seconds() > threshold and self._market_open(s)
        ]
        if stalled:
            shown = ", ".join(stalled[:5]) + (" ..." if len(stalled) > 5 else "")
            self.supervisor.degrade(
                "stale", f"no ticks for {threshold:g} s on {len(stalled)} symbol(s): {shown}"
            )
        else:
            self.supervisor.recover("stale")
        return stalled

    async def _check_ticks_resumed(self, since: datetime) -> None:
        """After 1102: resubscribe the symbols whose ticks did not resume."""
        await asyncio.sleep(self.settings.resubscribe_after)
        silent = [
            s
            for s in self.subscriptions.streaming
            if (q := self.quotes.get(s)) is None or q.time is None or q.time < since
        ]
        if silent:
            log.info("resubscribing_after_1102", symbols=len(silent))
            await self.subscriptions.resubscribe(silent)

    # -- ib_async event handlers: copy into stores, never await ------------------------------

    def _hook_events(self) -> None:
        ib = self.ib
        ib.pendingTickersEvent += self._on_tickers
        ib.errorEvent += self._on_error
        ib.updatePortfolioEvent += self._on_portfolio
        ib.positionEvent += self._on_position
        ib.accountValueEvent += self._on_account_value
        ib.execDetailsEvent += self._on_exec
        ib.openOrderEvent += self._on_order
        ib.orderStatusEvent += self._on_order

    def _on_tickers(self, tickers: Iterable[Any]) -> None:
        # Hot path (every symbol, four times a second): snapshots first, then each consumer
        # takes the whole read in one call rather than one call per ticker.
        ticks, closes = convert.ticks_from_tickers(tickers, self._clock.now())
        if ticks:
            self.quotes.apply_batch(ticks, closes)
            self.bars.add_batch(ticks)
            self.portfolio.mark_batch(ticks, closes)

    def _on_error(self, req_id: int, code: int, message: str, _contract: Any) -> None:
        sup = self.supervisor
        if code == CONNECTIVITY_LOST:
            sup.degrade("ib-link", f"IB lost connectivity to its servers ({code})")
        elif code == RESTORED_DATA_LOST:
            sup.recover("ib-link")
            self._spawn(self.subscriptions.resubscribe())
        elif code == RESTORED_DATA_KEPT:
            sup.recover("ib-link")
            self._spawn(self._check_ticks_resumed(self._clock.now()))
        elif code in FARM_NOTICES:
            up, kind = FARM_NOTICES[code]
            farm = message.rsplit(":", 1)[-1].strip() or kind
            if up:
                sup.recover(f"farm:{farm}")
            else:
                sup.degrade(f"farm:{farm}", f"{kind} {farm} is down ({code})")
        elif req_id > 0 and not is_warning(code):
            self.subscriptions.on_error(req_id, code, message)

    def _on_portfolio(self, item: Any) -> None:
        mult = convert.multiplier_of(item.contract)
        self.portfolio.update_position(
            convert.symbol_of(item.contract),
            account=str(item.account),
            qty=float(item.position),
            avg_cost=float(item.averageCost) / mult,
            market_price=float(item.marketPrice),
            multiplier=mult,
            realized=float(item.realizedPNL),
            time=self._clock.now(),
        )

    def _on_position(self, position: Any) -> None:
        mult = convert.multiplier_of(position.contract)
        self.portfolio.update_position(
            convert.symbol_of(position.contract),
            account=str(position.account),
            qty=float(position.position),
            avg_cost=float(position.avgCost) / mult,
            multiplier=mult,
        )

    def _on_account_value(self, value: Any) -> None:
        self.portfolio.update_account(
            value.tag, value.value, value.currency, value.account, self._clock.now()
        )

    def _on_exec(self, _trade: Any, fill: Any) -> None:
        execution = convert.execution_from_fill(fill)
        if self.reconciler.note_execution(execution):
            self._emit_fill(execution)

    def _on_order(self, trade: Any) -> None:
        self.reconciler.note_order(convert.order_view_from_trade(trade), trade.isDone())

    def _emit_fill(self, execution: Execution) -> None:
        for listener in self._fill_listeners:
            listener(execution)
