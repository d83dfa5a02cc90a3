"""The trading desk: the order path assembled from its parts and fed from the live stores.

signal or command -> proposal -> approval queue -> trader approves -> risk re-check against
the current quote -> order manager (idempotency key = proposal id) -> IB gateway -> order
events -> journal. Nothing here sends an order except `ApprovalQueue.approve` and the kill
switch's optional flatten.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime

from apex_tui.broker.connector import Connector
from apex_tui.broker.gateway import IbOrderGateway
from apex_tui.config import Settings
from apex_tui.domain.clock import Clock
from apex_tui.domain.errors import ApexError, ValidationError
from apex_tui.domain.orders import OrderEvent, OrderType, Side, WhatIf
from apex_tui.domain.portfolio import PositionView as PortfolioPosition
from apex_tui.domain.portfolio import ReconnectCheckpoint
from apex_tui.domain.quotes import Quote
from apex_tui.flags import FlagBoard
from apex_tui.logging import get_logger
from apex_tui.orders.approvals import ApprovalLocks, ApprovalQueue, Checkpoint
from apex_tui.orders.journal import Journal, JournalKind
from apex_tui.orders.killswitch import KillReport, KillSwitch
from apex_tui.orders.manager import OrderManager, OrderView
from apex_tui.orders.proposal import MANUAL, Proposal, ProposalFactory, Provenance
from apex_tui.orders.shadow import ShadowBook
from apex_tui.risk.breaker import BreakerTrip, CircuitBreaker
from apex_tui.risk.engine import RiskEngine
from apex_tui.risk.states import StateChange, TradingState, TradingStatus
from apex_tui.risk.views import MarketView, PortfolioView, PositionView, RiskSnapshot

log = get_logger(__name__)


def checkpoint_diff(cp: ReconnectCheckpoint) -> str:
    """The reconnect checkpoint as lines the trader reads before acknowledging."""
    lines = [f"reconnected after: {cp.reason}"]
    for fill in cp.recovered_fills:
        lines.append(f"fill while away: {fill.side} {fill.qty:g} {fill.symbol} @ {fill.price}")
    for diff in cp.position_diffs:
        lines.append(
            f"position {diff.symbol}: local {diff.local_qty:g} -> broker {diff.broker_qty:g}"
        )
    for order in cp.orders_gone:
        lines.append(f"order no longer open: {order.symbol} ({order.order_ref or order.order_id})")
    for order in cp.orders_new:
        lines.append(f"order open at the broker, unknown here: {order.symbol}")
    if cp.replayed_exec_ids:
        lines.append(f"{cp.replayed_exec_ids} replayed executions ignored")
    return "\n".join(lines)


class TradingDesk:
    """Owns the risk engine, trading state, breaker, approvals, orders, journal, kill switch."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        connector: Connector,
        flags: FlagBoard,
        *,
        live: bool,
        market_open: Callable[[str], bool],
        sector_of: Callable[[str], str],
        on_alert: Callable[[str, str], None] | None = None,
    ) -> None:
        self._on_alert = on_alert
        self._settings = settings
        self._clock = clock
        self._connector = connector
        self._flags = flags
        self._market_open = market_open
        self._sector_of = sector_of
        self.journal = Journal(settings.orders.journal_path, clock)
        # Live sessions start HALTED until the trader types the unlock phrase.
        initial = TradingState.HALTED if live else TradingState.ACTIVE
        self.status = TradingStatus(clock, initial, on_change=self._on_state_change)
        self.breaker = CircuitBreaker(settings.risk, self.status, clock, on_trip=self._on_trip)
        self.risk = RiskEngine(settings.risk)
        self.shadow = ShadowBook()
        self.gateway = IbOrderGateway(
            connector.ib,
            connector.subscriptions,
            on_event=self._on_order_event,
            what_if_timeout=settings.broker.timeouts.what_if,
            read_only=settings.broker.read_only,
            clock=clock,
        )
        self.manager = OrderManager(
            self.gateway,
            clock,
            journal=self.journal,
            place_timeout_s=settings.orders.place_timeout_s,
            cancel_timeout_s=settings.orders.cancel_timeout_s,
            on_rejected=self._on_rejected,
        )
        self.locks = ApprovalLocks(max_quote_age_s=settings.risk.max_quote_age_s)
        self.locks.read_only = settings.broker.read_only
        self.queue = ApprovalQueue(
            self.risk,
            self.manager,
            self.snapshot,
            self.locks,
            clock,
            journal=self.journal,
            breaker=self.breaker,
            shadow=self.shadow,
        )
        self.proposals = ProposalFactory(settings.risk, settings.orders, clock)
        self.kill_switch = KillSwitch(
            self.manager,
            self.status,
            clock,
            journal=self.journal,
            flatten=settings.orders.flatten_on_kill,
            positions=connector.portfolio.quantities,
        )
        self.last_checkpoint: ReconnectCheckpoint | None = None
        connector.on_checkpoint(self._on_checkpoint)
        flags.subscribe(self._on_flag)
        if live:
            self.journal.append(JournalKind.STATE_CHANGE, {"state": "HALTED", "reason": "live"})

    # --- snapshots -----------------------------------------------------------------------
    def snapshot(self, symbol: str) -> RiskSnapshot:
        """Everything a risk check reads, built fresh from the live stores."""
        c = self._connector
        positions: dict[str, PositionView] = {}
        held = c.portfolio.positions()
        for p in held:
            mark = p.last if math.isfinite(p.last) else p.avg_cost
            positions[p.symbol] = PositionView(p.symbol, p.qty * p.multiplier, mark)
        realized, unrealized = session_pnl(held)
        working = self.manager.working_qty()
        for sym in (*working, symbol):
            if sym not in positions:
                q = c.quotes.get(sym)
                mark = q.mid if q is not None and math.isfinite(q.mid) else math.nan
                positions[sym] = PositionView(sym, 0.0, mark)
        portfolio = PortfolioView(
            positions=positions,
            realized_pnl=realized,
            unrealized_pnl=unrealized,
            open_orders=len(self.manager.open_orders()),
            working_qty=working,
            orders_last_minute=self.manager.orders_last_minute(),
        )
        symbols = set(positions) | {symbol}
        market = MarketView(
            quote=c.quotes.get(symbol),
            now=self._clock.now(),
            tick_size=self._settings.risk.default_tick_size,
            market_open=self._market_open(symbol),
            sectors={s: sector for s in symbols if (sector := self._sector_of(s))},
        )
        return RiskSnapshot(
            portfolio=portfolio,
            market=market,
            state=self.status.state,
            options_enabled=self._flags.is_on("options_trading"),
        )

    def usage(self) -> list[tuple[str, float, float]]:
        """Book-level limits as (name, current use, limit) for the Risk pane's bars."""
        r = self._settings.risk
        snap = self.snapshot("")
        pf = snap.portfolio
        gross = 0.0
        largest = 0.0
        by_sector: dict[str, float] = {}
        for sym, pos in pf.positions.items():
            if not sym or not math.isfinite(pos.mark_price):
                continue
            value = abs(pf.exposure_qty(sym) * pos.mark_price)
            gross += value
            largest = max(largest, value)
            sector = self._sector_of(sym) or "(unknown sector)"
            by_sector[sector] = by_sector.get(sector, 0.0) + value
        loss = max(0.0, -(pf.realized_pnl + pf.unrealized_pnl))
        return [
            ("gross exposure", gross, r.max_gross_exposure),
            ("largest position", largest, r.max_position_notional),
            ("largest sector", max(by_sector.values(), default=0.0),
             r.max_gross_exposure * r.sector_cap_pct / 100.0),
            ("open orders", float(pf.open_orders), float(r.max_open_orders)),
            ("orders / minute", float(pf.orders_last_minute), float(r.max_orders_per_minute)),
            ("daily loss", loss, r.daily_loss_limit),
        ]  # fmt: skip

    def update_risk(self, settings: Settings) -> None:
        """Apply new risk limits at once (hot reload: tightening directly, loosening after the
        trader confirmed). Pending proposals are re-checked against them at approval."""
        self._settings = settings
        self.risk.settings = settings.risk
        self.breaker.reconfigure(settings.risk)
        self.proposals.reconfigure(settings.risk)
        self.locks.max_quote_age_s = settings.risk.max_quote_age_s
        self.journal.append(JournalKind.STATE_CHANGE, {"risk_limits": settings.risk})

    def current_quote(self, symbol: str) -> Quote | None:
        return self._connector.quotes.get(symbol)

    def quote_age(self, symbol: str) -> float:
        return quote_age(self._connector.quotes.get(symbol), self._clock)

    def proposals_clock_now(self) -> datetime:
        return self._clock.now()

    # --- commands ------------------------------------------------------------------------
    def propose(
        self,
        symbol: str,
        side: Side,
        *,
        qty: float | None = None,
        order_type: OrderType | None = None,
        limit_price: float | None = None,
        provenance: Provenance | None = None,
    ) -> Proposal:
        """Create a proposal against the current quote and queue it for approval."""
        quote = self._live_quote(symbol.upper())
        proposal = self.proposals.propose(
            symbol,
            side,
            quote,
            provenance or Provenance(MANUAL),
            qty=qty,
            order_type=order_type,
            limit_price=limit_price,
        )
        self.queue.add(proposal)
        return proposal

    def _live_quote(self, symbol: str) -> Quote:
        """The symbol's quote to propose against; refused when it has never ticked."""
        quote = self._connector.quotes.get(symbol)
        if quote is None or quote.time is None:
            raise ValidationError(f"no quote for {symbol}: add it to the watchlist first")
        return quote

    def propose_flatten(self, symbol: str) -> Proposal:
        sym = symbol.upper()
        qty = self._connector.portfolio.quantities().get(sym, 0.0)
        quote = self._live_quote(sym)
        proposal = self.proposals.propose_flatten(sym, qty, quote, Provenance(MANUAL, "flatten"))
        self.queue.add(proposal)
        return proposal

    async def what_if(self, proposal: Proposal) -> WhatIf:
        return await self.manager.what_if(proposal.order_spec())

    async def cancel(self, order_ref: str) -> OrderView:
        return await self.manager.cancel(order_ref)

    async def kill(self) -> KillReport:
        report = await self.kill_switch.engage("kill switch pressed")
        log.warning(
            "kill_switch",
            cancelled=len(report.cancelled),
            flattened=len(report.flattened),
            errors=list(report.errors),
        )
        return report

    def release(self, typed: str) -> StateChange:
        """Back to ACTIVE (breaker reset, live unlock) with the typed phrase; journaled."""
        phrase = self._settings.risk.breaker.reset_phrase
        if self.breaker.tripped:
            self.breaker.reset(typed)
        return self.status.release(typed, phrase)

    def acknowledge_checkpoint(self) -> Checkpoint | None:
        done = self.locks.acknowledge()
        if done is not None:
            self.journal.append(JournalKind.CHECKPOINT_ACK, {"diff": done.diff})
        return done

    def tick(self) -> None:
        """Periodic upkeep: connection lock, expiries, the daily loss limit."""
        self.locks.connection = self._connector.board.state.value.upper()
        self.queue.expire_due()
        self.breaker.observe_pnl(*session_pnl(self._connector.portfolio.positions()))

    def pending_work(self) -> list[str]:
        out = []
        if pending := self.queue.pending():
            out.append(f"{len(pending)} proposal(s) pending approval")
        if working := self.manager.open_orders():
            out.append(f"{len(working)} order(s) working at the broker")
        return out

    # --- events --------------------------------------------------------------------------
    def _on_order_event(self, event: OrderEvent) -> None:
        try:
            self.manager.on_event(event)
        except ApexError as exc:  # an event for an order we never sent: log, never crash
            log.error("order_event_unmatched", error=str(exc), order_ref=event.order_ref)

    def _on_rejected(self, view: OrderView) -> None:
        self.breaker.record_rejection(f"order {view.order_ref} rejected")

    def _on_trip(self, trip: BreakerTrip) -> None:
        self.journal.append(JournalKind.BREAKER_TRIP, {"trip": trip})
        log.warning("breaker_tripped", reason=trip.reason)
        if self._on_alert is not None:
            self._on_alert("Circuit breaker", f"tripped: {trip.reason} (U to reset)")

    def _on_state_change(self, change: StateChange) -> None:
        self.journal.append(JournalKind.STATE_CHANGE, {"change": change})
        log.warning("trading_state", state=change.new.value, reason=change.reason)

    def _on_checkpoint(self, checkpoint: ReconnectCheckpoint) -> None:
        self.last_checkpoint = checkpoint
        if checkpoint.clean:
            return
        diff = checkpoint_diff(checkpoint)
        self.locks.require_ack(Checkpoint(diff, checkpoint.time))
        self.journal.append(JournalKind.CHECKPOINT, {"diff": diff})

    def _on_flag(self, change: object) -> None:
        self.journal.append(JournalKind.FLAG_TOGGLE, {"change": change})


def session_pnl(positions: Iterable[PortfolioPosition]) -> tuple[float, float]:
    """(realized today, unrealized) summed over the book: what the daily loss limit watches."""
    realized = unrealized = 0.0
    for p in positions:
        realized += p.realized_today
        if math.isfinite(p.unrealized):
            unrealized += p.unrealized
    return realized, unrealized


def quote_age(quote: Quote | None, clock: Clock) -> float:
    if quote is None or quote.time is None:
        return math.inf
    return (clock.now() - quote.time).total_seconds()
