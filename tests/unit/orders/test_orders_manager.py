"""Order manager: one send per order ref, timeouts leave UNKNOWN, events drive the state."""

from __future__ import annotations

import asyncio

import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.errors import BrokerError, ConnectionFailed, RequestTimeout, ValidationError
from apex_tui.domain.orders import OrderEventKind, Side
from apex_tui.orders.manager import OrderManager, OrderView
from apex_tui.orders.state_machine import OrderState
from tests.unit.orders.order_fakes import T0, FakeGateway, ListJournal, event, fill_event, spec

K = OrderEventKind


def make(timeout: float = 0.05, **kw: object) -> tuple[OrderManager, FakeGateway, ListJournal]:
    gw = FakeGateway()
    journal = ListJournal()
    mgr = OrderManager(
        gw,
        FixedClock(T0),
        journal=journal,
        place_timeout_s=timeout,
        cancel_timeout_s=timeout,
        **kw,  # type: ignore[arg-type]
    )
    return mgr, gw, journal


async def test_submit_places_once_and_links_broker_ref() -> None:
    mgr, gw, journal = make()
    view = await mgr.submit(spec())
    assert len(gw.placed) == 1
    assert view.state is OrderState.PENDING_SUBMIT and view.broker_ref == "101"
    again = await mgr.submit(spec())
    assert len(gw.placed) == 1
    assert again.broker_ref == "101"
    assert journal.kinds()[0] == "order_submit"


async def test_concurrent_submits_send_once() -> None:
    mgr, gw, _ = make()
    gw.place_gate = asyncio.Event()
    tasks = [asyncio.create_task(mgr.submit(spec())) for _ in range(5)]
    await asyncio.sleep(0)
    gw.place_gate.set()
    views = await asyncio.gather(*tasks)
    assert len(gw.placed) == 1
    assert {v.order_ref for v in views} == {"P1"}


async def test_timeout_leaves_unknown_and_a_retry_does_not_resend() -> None:
    mgr, gw, _ = make(timeout=0.02)
    gw.hang_place = True
    view = await mgr.submit(spec())
    assert view.state is OrderState.UNKNOWN
    assert "no answer" in view.note
    retry = await mgr.submit(spec())
    assert len(gw.placed) == 1
    assert retry.state is OrderState.UNKNOWN
    # A late acknowledgement carrying the broker ref resolves it.
    late = mgr.on_event(event(K.ACCEPTED, broker_ref="777"))
    assert late is not None and late.state is OrderState.WORKING and late.broker_ref == "777"


async def test_definite_refusal_rejects_but_connection_loss_is_unknown() -> None:
    mgr, gw, _ = make()
    gw.place_error = BrokerError("contract not found", code=200)
    assert (await mgr.submit(spec("A"))).state is OrderState.REJECTED
    gw.place_error = ConnectionFailed("socket closed")
    assert (await mgr.submit(spec("B"))).state is OrderState.UNKNOWN


async def test_unexpected_gateway_error_is_raised_but_never_resent() -> None:
    mgr, gw, _ = make()
    gw.place_error = RuntimeError("bug in connector")
    with pytest.raises(RuntimeError):
        await mgr.submit(spec())
    view = await mgr.submit(spec())
    assert view.state is OrderState.UNKNOWN
    assert len(gw.placed) == 1


async def test_events_drive_partial_and_full_fills_and_dedupe_exec_ids() -> None:
    fills = []
    mgr, _, journal = make(on_fill=fills.append)
    await mgr.submit(spec(qty=100))
    mgr.on_event(event(K.ACCEPTED))
    v = mgr.on_event(fill_event("P1", "e1", 30, 100.0))
    assert v is not None and v.state is OrderState.PARTIALLY_FILLED and v.filled_qty == 30
    v = mgr.on_event(fill_event("P1", "e1", 30, 100.0))  # the same execution again
    assert v is not None and v.filled_qty == 30
    v = mgr.on_event(fill_event("P1", "e2", 70, 101.0))
    assert v is not None and v.state is OrderState.FILLED and v.remaining_qty == 0
    assert v.avg_fill_price == pytest.approx((30 * 100 + 70 * 101) / 100)
    assert len(fills) == 2
    assert journal.kinds().count("fill") == 2


async def test_events_found_by_broker_ref_and_unknown_orders_are_journaled() -> None:
    mgr, _, journal = make()
    await mgr.submit(spec())
    v = mgr.on_event(event(K.ACCEPTED, ref="", broker_ref="101"))
    assert v is not None and v.state is OrderState.WORKING
    assert mgr.on_event(event(K.ACCEPTED, ref="someone-else", broker_ref="9")) is None
    assert journal.records[-1][1]["note"] == "event for an unknown order"


async def test_cancel_paths() -> None:
    mgr, gw, _ = make()
    await mgr.submit(spec())
    mgr.on_event(event(K.ACCEPTED))
    v = await mgr.cancel("P1")
    assert v.state is OrderState.PENDING_CANCEL and gw.cancelled == ["101"]
    # A second cancel while in flight is not sent again.
    await mgr.cancel("P1")
    assert gw.cancelled == ["101"]
    v2 = mgr.on_event(event(K.CANCELLED))
    assert v2 is not None and v2.state is OrderState.CANCELLED
    with pytest.raises(ValidationError):
        await mgr.cancel("nope")


async def test_cancel_refused_by_broker_returns_to_partially_filled() -> None:
    mgr, gw, _ = make()
    await mgr.submit(spec())
    mgr.on_event(event(K.ACCEPTED))
    mgr.on_event(fill_event("P1", "e1", 40))
    gw.cancel_error = BrokerError("order cannot be cancelled", code=10148)
    v = await mgr.cancel("P1")
    assert v.state is OrderState.PARTIALLY_FILLED
    assert "cancel refused" in v.note


async def test_cancel_vs_fill_race_fill_wins() -> None:
    mgr, gw, _ = make()
    await mgr.submit(spec())
    mgr.on_event(event(K.ACCEPTED))
    await mgr.cancel("P1")
    mgr.on_event(fill_event("P1", "e1", 100))
    v = mgr.on_event(event(K.CANCEL_FAILED, reason="already filled", code=10148))
    assert v is not None and v.state is OrderState.FILLED and v.anomalies == 0
    # Cancelling a filled order calls nothing.
    await mgr.cancel("P1")
    assert gw.cancelled == ["101"]


async def test_cancel_of_an_unacknowledged_order_points_to_global_cancel() -> None:
    mgr, gw, _ = make(timeout=0.02)
    gw.hang_place = True
    await mgr.submit(spec())
    with pytest.raises(ValidationError, match="global cancel"):
        await mgr.cancel("P1")


async def test_cancel_all_marks_open_orders_and_calls_global_cancel_once() -> None:
    mgr, gw, _ = make()
    for ref in ("A", "B", "C"):
        await mgr.submit(spec(ref))
        mgr.on_event(event(K.ACCEPTED, ref=ref))
    mgr.on_event(fill_event("C", "e1", 100))  # C is filled: not cancellable
    views = await mgr.cancel_all()
    assert gw.global_cancels == 1
    assert {v.order_ref for v in views} == {"A", "B"}
    assert all(v.state is OrderState.PENDING_CANCEL for v in views)


async def test_cancel_all_refused_restores_working_and_raises() -> None:
    mgr, gw, _ = make()
    await mgr.submit(spec("A"))
    mgr.on_event(event(K.ACCEPTED, ref="A"))
    gw.global_cancel_error = BrokerError("not connected")
    with pytest.raises(BrokerError):
        await mgr.cancel_all()
    view = mgr.get("A")
    assert view is not None and view.state is OrderState.WORKING


async def test_rejection_callback_fires_once_per_order() -> None:
    rejected: list[OrderView] = []
    mgr, _, _ = make(on_rejected=rejected.append)
    await mgr.submit(spec())
    mgr.on_event(event(K.REJECTED, reason="margin", code=201))
    mgr.on_event(event(K.REJECTED, reason="margin", code=201))
    assert len(rejected) == 1 and rejected[0].state is OrderState.REJECTED


async def test_working_qty_open_orders_and_rate() -> None:
    mgr, _, _ = make()
    await mgr.submit(spec("A", qty=100))
    await mgr.submit(spec("B", qty=40, side=Side.SELL))
    mgr.on_event(event(K.ACCEPTED, ref="A"))
    mgr.on_event(fill_event("A", "e1", 30))
    assert mgr.working_qty() == {"AAPL": pytest.approx(70 - 40)}
    assert len(mgr.open_orders()) == 2
    assert mgr.orders_last_minute() == 2


async def test_what_if_times_out_as_request_timeout() -> None:
    mgr, gw, _ = make(timeout=0.02)

    async def slow(order: object) -> object:
        await asyncio.Event().wait()
        return None

    gw.what_if = slow  # type: ignore[method-assign,assignment]
    with pytest.raises(RequestTimeout):
        await mgr.what_if(spec())
