"""Approval: expiry, drift, locks, risk re-check, and idempotence (one approval, one order)."""

from __future__ import annotations

import asyncio

import pytest

from apex_tui.domain.errors import ApprovalRefused
from apex_tui.domain.orders import OrderEventKind, Side
from apex_tui.orders.approvals import Checkpoint, ProposalStatus
from apex_tui.orders.state_machine import OrderState
from apex_tui.risk.states import TradingState
from tests.unit.orders.approval_world import World
from tests.unit.orders.order_fakes import event, fill_event


async def test_approve_sends_the_proposal_as_one_order() -> None:
    w = World()
    p = w.propose()
    result = await w.queue.approve(p.id)
    assert [o.order_ref for o in w.gateway.placed] == [p.id]
    placed = w.gateway.placed[0]
    assert placed.qty == p.qty and placed.limit_price == p.limit_price
    assert result.order.order_ref == p.id
    assert w.queue.status(p.id) is ProposalStatus.APPROVED
    kinds = w.journal.kinds()
    # Journal before effect: the approval is recorded before the order is submitted.
    assert kinds.index("approval") < kinds.index("order_submit")
    assert kinds[0] == "proposal"
    assert "risk_decision" in kinds[: kinds.index("approval")]


async def test_double_approve_sends_once_and_returns_the_same_result() -> None:
    w = World()
    p = w.propose()
    first = await w.queue.approve(p.id)
    second = await w.queue.approve(p.id)
    assert len(w.gateway.placed) == 1
    assert second is first


async def test_concurrent_approvals_via_gather_send_once() -> None:
    w = World()
    p = w.propose()
    w.gateway.place_gate = asyncio.Event()
    tasks = [asyncio.create_task(w.queue.approve(p.id)) for _ in range(10)]
    await asyncio.sleep(0)
    w.gateway.place_gate.set()
    results = await asyncio.gather(*tasks)
    assert len(w.gateway.placed) == 1
    assert len({id(r) for r in results}) == 1


async def test_retry_after_gateway_timeout_never_sends_twice() -> None:
    w = World(place_timeout=0.02)
    w.gateway.hang_place = True
    p = w.propose()
    result = await w.queue.approve(p.id)
    assert result.order.state is OrderState.UNKNOWN
    retry = await w.queue.approve(p.id)
    assert len(w.gateway.placed) == 1
    assert retry.order.state is OrderState.UNKNOWN
    # Even a direct resubmit through the manager (a repeated event) sends nothing.
    await w.manager.submit(p.order_spec())
    assert len(w.gateway.placed) == 1


async def test_repeated_event_after_fill_changes_nothing() -> None:
    w = World()
    p = w.propose(qty=10)
    await w.queue.approve(p.id)
    w.manager.on_event(event(OrderEventKind.ACCEPTED, ref=p.id))
    w.manager.on_event(fill_event(p.id, "x1", 10))
    w.manager.on_event(fill_event(p.id, "x1", 10))
    await w.queue.approve(p.id)
    view = w.manager.get(p.id)
    assert view is not None and view.filled_qty == 10 and view.state is OrderState.FILLED
    assert len(w.gateway.placed) == 1


async def test_expired_proposal_is_refused_and_recorded_in_shadow() -> None:
    w = World()
    p = w.propose()
    w.clock.advance(60)  # expiry is inclusive: at 60 s it is gone
    w.set_quote("AAPL", 100.0)
    with pytest.raises(ApprovalRefused) as info:
        await w.queue.approve(p.id)
    assert info.value.reason == "expired"
    assert w.queue.status(p.id) is ProposalStatus.EXPIRED
    assert not w.gateway.placed
    assert [e.outcome for e in w.shadow.entries()] == ["expired"]
    with pytest.raises(ApprovalRefused, match="expired"):
        await w.queue.approve(p.id)


async def test_just_before_expiry_is_approved() -> None:
    w = World()
    p = w.propose()
    w.clock.advance(59.9)
    w.set_quote("AAPL", 100.0)
    await w.queue.approve(p.id)
    assert len(w.gateway.placed) == 1


async def test_expire_due_moves_only_expired() -> None:
    w = World()
    old = w.propose()
    w.clock.advance(30)
    w.set_quote("AAPL", 100.0)
    young = w.propose()
    w.clock.advance(30)
    expired = w.queue.expire_due()
    assert [p.id for p in expired] == [old.id]
    assert [p.id for p in w.queue.pending()] == [young.id]


async def test_drift_beyond_the_band_refuses_with_the_reason() -> None:
    w = World()
    p = w.propose()
    w.set_quote("AAPL", 101.5)  # 1.5 % since the proposal's 100.00
    with pytest.raises(ApprovalRefused) as info:
        await w.queue.approve(p.id)
    assert info.value.reason == "drift"
    assert "drift" in str(info.value)
    assert not w.gateway.placed
    # Still pending: the trader can re-propose or wait for the price to come back.
    assert w.queue.status(p.id) is ProposalStatus.PENDING
    w.set_quote("AAPL", 100.2)
    await w.queue.approve(p.id)
    assert len(w.gateway.placed) == 1


async def test_drift_within_the_band_is_approved() -> None:
    w = World()
    p = w.propose()
    w.set_quote("AAPL", 100.04)  # limit 100.05 still within the band of the new quote
    await w.queue.approve(p.id)
    assert len(w.gateway.placed) == 1


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda w: setattr(w.locks, "connection", "RECONNECTING"), "RECONNECTING"),
        (lambda w: w.locks.require_ack(Checkpoint("+1 fill", w.clock.now())), "checkpoint"),
        (lambda w: w.set_quote("AAPL", 100.0, stale=True), "stale"),
        (lambda w: w.set_quote("AAPL", 100.0, age_s=6.0), "stale"),
        (lambda w: setattr(w.locks, "read_only", True), "read-only"),
    ],
)
async def test_locks_refuse_with_the_reason(setup: object, needle: str) -> None:
    w = World()
    p = w.propose()
    setup(w)  # type: ignore[operator]
    with pytest.raises(ApprovalRefused) as info:
        await w.queue.approve(p.id)
    assert info.value.reason == "locked"
    assert needle in str(info.value)
    assert needle in " ".join(w.queue.lock_reasons(p.id))
    assert not w.gateway.placed
    assert w.breaker.recent_rejections() == 0  # a lock is not a rejection


async def test_acknowledging_the_checkpoint_unlocks() -> None:
    w = World()
    p = w.propose()
    w.locks.require_ack(Checkpoint("positions: AAPL +10", w.clock.now()))
    with pytest.raises(ApprovalRefused):
        await w.queue.approve(p.id)
    ack = w.locks.acknowledge()
    assert ack is not None and "AAPL" in ack.diff
    await w.queue.approve(p.id)
    assert len(w.gateway.placed) == 1


async def test_risk_refusal_counts_toward_the_breaker_and_halts() -> None:
    w = World()
    w.status.restrict(TradingState.REDUCING, "test")
    ids = [w.propose().id for _ in range(3)]  # buys with no position: not reducing
    for pid in ids:
        with pytest.raises(ApprovalRefused) as info:
            await w.queue.approve(pid)
        assert info.value.reason == "risk"
        assert "trading_state" in str(info.value)
    assert w.breaker.tripped
    assert w.status.state is TradingState.HALTED
    assert not w.gateway.placed


async def test_reducing_allows_a_sell_that_shrinks_but_not_one_that_flips() -> None:
    w = World()
    w.positions["AAPL"] = 100
    w.status.restrict(TradingState.REDUCING, "breaker")
    flip = w.propose(Side.SELL, qty=150)
    with pytest.raises(ApprovalRefused, match="REDUCING"):
        await w.queue.approve(flip.id)
    shrink = w.propose(Side.SELL, qty=60)
    await w.queue.approve(shrink.id)
    assert [o.order_ref for o in w.gateway.placed] == [shrink.id]


async def test_reject_records_shadow_and_blocks_approval() -> None:
    w = World()
    p = w.propose()
    w.queue.reject(p.id, "not convinced")
    with pytest.raises(ApprovalRefused) as info:
        await w.queue.approve(p.id)
    assert info.value.reason == "rejected"
    assert ("rejection", {"proposal_id": p.id, "reason": "not convinced"}) in w.journal.records
    assert w.shadow.entries()[0].outcome == "rejected"


async def test_unknown_proposal_is_refused() -> None:
    w = World()
    with pytest.raises(ApprovalRefused) as info:
        await w.queue.approve("nope")
    assert info.value.reason == "unknown"


async def test_edit_is_rechecked_and_sent_as_edited() -> None:
    w = World()
    p = w.propose()
    decision = w.queue.edit(p.id, qty=600)  # 600 x 100.05 > 50_000 notional
    assert not decision.passed and decision.get("order_notional").passed is False
    with pytest.raises(ApprovalRefused):
        await w.queue.approve(p.id)
    w.queue.edit(p.id, qty=20, limit_price=100.02)
    await w.queue.approve(p.id)
    assert w.gateway.placed[0].qty == 20
    assert w.gateway.placed[0].limit_price == pytest.approx(100.02)


async def test_if_all_approved_accumulates_pending_proposals() -> None:
    w = World()
    w.propose(qty=400)
    w.propose(qty=400)
    w.propose(qty=400)
    decisions = w.queue.if_all_approved()
    assert len(decisions) == 3
    # position_notional: 400 x 100 each, cumulative 40k / 80k / 120k against 100k.
    pos = [d.get("position_notional") for d in decisions]
    assert [round(c.current, -2) for c in pos] == [40_000, 80_000, 120_000]
    assert [c.passed for c in pos] == [True, True, False]
    assert [d.get("open_orders").current for d in decisions] == [1, 2, 3]
