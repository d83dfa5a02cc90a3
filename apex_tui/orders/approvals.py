"""The approval queue: pending proposals, and `approve` - the one door to the order manager.

`approve(proposal_id)` refuses (ApprovalRefused, with the reason) an unknown, rejected or
expired proposal, a locked one (connection not CONNECTED, reconnect checkpoint unacknowledged,
stale symbol data, read-only session) and one that fails the risk re-check against the
*current* quote, including drift since the proposal. Otherwise it marks the proposal approved
before the first await and sends it once: any later call for the same id - a double keypress,
a concurrent call, a retry after a gateway timeout - gets the same result and sends nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from apex_tui.domain.clock import Clock
from apex_tui.domain.errors import ApprovalRefused
from apex_tui.domain.quotes import Quote
from apex_tui.orders.journal import JournalKind, JournalWriter
from apex_tui.orders.manager import OrderManager, OrderView
from apex_tui.orders.proposal import Proposal
from apex_tui.orders.shadow import ShadowBook
from apex_tui.risk.breaker import CircuitBreaker
from apex_tui.risk.engine import RiskDecision, RiskEngine
from apex_tui.risk.views import PositionView, RiskSnapshot, reference_price

CONNECTED = "CONNECTED"

SnapshotProvider = Callable[[str], RiskSnapshot]
"""Builds the current risk snapshot for a symbol (its current quote, the book, the state)."""


class ProposalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A reconnect checkpoint: what differs from the journal; approvals wait for its ack."""

    diff: str
    created_at: datetime


class ApprovalLocks:
    """Conditions under which no approval may go through, whatever the risk checks say."""

    def __init__(self, *, max_quote_age_s: float, connection: str = "DISCONNECTED") -> None:
        self.connection = connection
        self.read_only = False
        self.checkpoint: Checkpoint | None = None
        self.max_quote_age_s = max_quote_age_s

    def require_ack(self, checkpoint: Checkpoint) -> None:
        self.checkpoint = checkpoint

    def acknowledge(self) -> Checkpoint | None:
        done, self.checkpoint = self.checkpoint, None
        return done

    def reasons(self, symbol: str, quote: Quote | None, now: datetime) -> list[str]:
        """Every reason approvals for `symbol` are locked right now (empty: unlocked)."""
        out: list[str] = []
        if self.connection != CONNECTED:
            out.append(f"connection is {self.connection}, not {CONNECTED}")
        if self.checkpoint is not None:
            out.append("reconnect checkpoint not acknowledged (review the diff, press a)")
        if self.read_only:
            out.append("session is read-only")
        if quote is None or quote.time is None:
            out.append(f"no data for {symbol}")
        elif quote.stale:
            out.append(f"{symbol} data is stale")
        else:
            age = (now - quote.time).total_seconds()
            if age > self.max_quote_age_s:
                out.append(f"{symbol} data is stale ({age:.1f} s old)")
        return out


@dataclass(frozen=True, slots=True)
class ApprovalResult:
    proposal: Proposal
    decision: RiskDecision
    order: OrderView


@dataclass(slots=True)
class _Entry:
    proposal: Proposal
    status: ProposalStatus = ProposalStatus.PENDING
    reason: str = ""


class ApprovalQueue:
    """Pending proposals and their fate; `version` bumps on every change."""

    def __init__(
        self,
        engine: RiskEngine,
        manager: OrderManager,
        snapshot: SnapshotProvider,
        locks: ApprovalLocks,
        clock: Clock,
        *,
        journal: JournalWriter | None = None,
        breaker: CircuitBreaker | None = None,
        shadow: ShadowBook | None = None,
    ) -> None:
        self._engine = engine
        self._manager = manager
        self._snapshot = snapshot
        self.locks = locks
        self._clock = clock
        self._journal = journal
        self._breaker = breaker
        self._shadow = shadow
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Task[ApprovalResult]] = {}
        self.version = 0

    # -- queue -------------------------------------------------------------------------------

    def add(self, proposal: Proposal) -> RiskDecision:
        """Queue a proposal and return its first risk check (shown on the card)."""
        if proposal.id in self._entries:
            raise ApprovalRefused(f"proposal {proposal.id} is already queued", reason="duplicate")
        self._entries[proposal.id] = _Entry(proposal)
        self._log(JournalKind.PROPOSAL, {"proposal": proposal})
        self.version += 1
        return self.preview(proposal.id)

    def get(self, proposal_id: str) -> Proposal:
        return self._entry(proposal_id).proposal

    def status(self, proposal_id: str) -> ProposalStatus:
        return self._entry(proposal_id).status

    def pending(self) -> list[Proposal]:
        return [e.proposal for e in self._entries.values() if e.status is ProposalStatus.PENDING]

    def preview(self, proposal_id: str) -> RiskDecision:
        """The risk check the card shows: against the current snapshot, drift included."""
        proposal = self._entry(proposal_id).proposal
        return self._engine.check(proposal.order_spec(), self._current(proposal))

    def lock_reasons(self, proposal_id: str) -> list[str]:
        proposal = self._entry(proposal_id).proposal
        snap = self._snapshot(proposal.symbol)
        return self.locks.reasons(proposal.symbol, snap.market.quote, self._clock.now())

    def if_all_approved(self) -> list[RiskDecision]:
        """Each pending proposal checked as if every one before it had been approved too; the
        last decision's portfolio-wide limits show the headroom left with all of them."""
        out: list[RiskDecision] = []
        extra_working: dict[str, float] = {}
        extra_marks: dict[str, float] = {}
        for n, proposal in enumerate(self.pending()):
            snap = self._current(proposal)
            pf = snap.portfolio
            positions = dict(pf.positions)
            for sym, mark in extra_marks.items():
                positions.setdefault(sym, PositionView(sym, 0.0, mark))
            working = dict(pf.working_qty)
            for sym, qty in extra_working.items():
                working[sym] = working.get(sym, 0.0) + qty
            pf = dataclasses.replace(
                pf,
                positions=positions,
                working_qty=working,
                open_orders=pf.open_orders + n,
                orders_last_minute=pf.orders_last_minute + n,
            )
            out.append(
                self._engine.check(proposal.order_spec(), dataclasses.replace(snap, portfolio=pf))
            )
            spec = proposal.order_spec()
            extra_working[spec.symbol] = extra_working.get(spec.symbol, 0.0) + spec.signed_qty
            mark = reference_price(snap.market.quote)
            extra_marks[spec.symbol] = mark if math.isfinite(mark) else proposal.reference_price
        return out

    def reject(self, proposal_id: str, reason: str = "") -> None:
        entry = self._pending_entry(proposal_id)
        entry.status, entry.reason = ProposalStatus.REJECTED, reason or "rejected by trader"
        self._log(JournalKind.REJECTION, {"proposal_id": proposal_id, "reason": entry.reason})
        if self._shadow is not None:
            self._shadow.record(entry.proposal, "rejected")
        self.version += 1

    def edit(
        self, proposal_id: str, *, qty: float | None = None, limit_price: float | None = None
    ) -> RiskDecision:
        """Change quantity or limit price of a pending proposal; returns the fresh check."""
        entry = self._pending_entry(proposal_id)
        entry.proposal = entry.proposal.edited(qty=qty, limit_price=limit_price)
        self._log(JournalKind.EDIT, {"proposal": entry.proposal})
        self.version += 1
        return self.preview(proposal_id)

    def expire_due(self) -> list[Proposal]:
        """Move every pending proposal past its expiry to EXPIRED (call on a timer)."""
        now = self._clock.now()
        out = [e for e in self._entries.values() if e.status is ProposalStatus.PENDING]
        out = [e for e in out if e.proposal.expired(now)]
        for e in out:
            self._expire(e)
        return [e.proposal for e in out]

    # -- approval ----------------------------------------------------------------------------

    async def approve(self, proposal_id: str) -> ApprovalResult:
        """Approve and send at most once; see the module docstring for every refusal."""
        task = self._inflight.get(proposal_id)
        if task is not None:
            # Already approved: share the one send. shield: a cancelled caller must not
            # cancel the send that another caller (or the first keypress) is waiting on.
            return await asyncio.shield(task)
        entry = self._entry(proposal_id)
        if entry.status is not ProposalStatus.PENDING:
            raise ApprovalRefused(
                f"proposal {proposal_id} is {entry.status.value.lower()}: {entry.reason}",
                reason=entry.status.value.lower(),
            )
        proposal = entry.proposal
        now = self._clock.now()
        if proposal.expired(now):
            self._expire(entry)
            raise ApprovalRefused(
                f"proposal {proposal_id} expired at {proposal.expires_at:%H:%M:%S}",
                reason="expired",
            )
        snap = self._current(proposal)
        locked = self.locks.reasons(proposal.symbol, snap.market.quote, now)
        if locked:
            raise ApprovalRefused("approvals locked: " + "; ".join(locked), reason="locked")
        decision = self._engine.check(proposal.order_spec(), snap)
        self._log(
            JournalKind.RISK_DECISION,
            {"proposal_id": proposal_id, "passed": decision.passed, "checks": decision.checks},
        )
        if not decision.passed:
            drift = any(c.name.startswith("drift") for c in decision.failures)
            if self._breaker is not None:
                self._breaker.record_rejection(decision.reason)
            raise ApprovalRefused(
                ("quote drifted beyond the band since the proposal: " if drift else "risk: ")
                + decision.reason,
                reason="drift" if drift else "risk",
            )
        # From here on the proposal is APPROVED, synchronously, before any await.
        entry.status = ProposalStatus.APPROVED
        self._log(
            JournalKind.APPROVAL, {"proposal_id": proposal_id, "order": proposal.order_spec()}
        )
        self.version += 1
        task = asyncio.ensure_future(self._send(proposal, decision))
        self._inflight[proposal_id] = task
        return await asyncio.shield(task)

    async def _send(self, proposal: Proposal, decision: RiskDecision) -> ApprovalResult:
        view = await self._manager.submit(proposal.order_spec())
        self.version += 1
        return ApprovalResult(proposal, decision, view)

    # -- internals ---------------------------------------------------------------------------

    def _current(self, proposal: Proposal) -> RiskSnapshot:
        return dataclasses.replace(self._snapshot(proposal.symbol), reference=proposal.reference)

    def _entry(self, proposal_id: str) -> _Entry:
        entry = self._entries.get(proposal_id)
        if entry is None:
            raise ApprovalRefused(f"no proposal {proposal_id!r}", reason="unknown")
        return entry

    def _pending_entry(self, proposal_id: str) -> _Entry:
        entry = self._entry(proposal_id)
        if entry.status is not ProposalStatus.PENDING:
            raise ApprovalRefused(
                f"proposal {proposal_id} is {entry.status.value.lower()}",
                reason=entry.status.value.lower(),
            )
        return entry

    def _expire(self, entry: _Entry) -> None:
        entry.status, entry.reason = ProposalStatus.EXPIRED, "expired before approval"
        self._log(JournalKind.EXPIRY, {"proposal_id": entry.proposal.id})
        if self._shadow is not None:
            self._shadow.record(entry.proposal, "expired")
        self.version += 1

    def _log(self, kind: JournalKind, data: dict[str, object]) -> None:
        if self._journal is not None:
            self._journal.append(kind, data)
