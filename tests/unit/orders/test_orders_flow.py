"""The whole pure order path with a real journal file: `:buy 10 AAPL mkt` -> proposal -> approve
-> fill -> position +10 -> every step in the journal (the simulator version is integration)."""

from __future__ import annotations

from pathlib import Path

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.orders import Fill, OrderEvent, OrderEventKind, OrderSpec
from apex_tui.domain.quotes import Quote
from apex_tui.orders.approvals import CONNECTED, ApprovalLocks, ApprovalQueue
from apex_tui.orders.command import OrderCommand, parse_command
from apex_tui.orders.journal import Journal, read_journal
from apex_tui.orders.manager import OrderManager
from apex_tui.orders.proposal import MANUAL, ProposalFactory, Provenance
from apex_tui.orders.settings import OrdersSettings
from apex_tui.orders.state_machine import OrderState
from apex_tui.risk.engine import MarketView, PortfolioView, PositionView, RiskEngine, RiskSnapshot
from apex_tui.risk.settings import RiskSettings
from tests.unit.orders.order_fakes import T0, FakeGateway


async def test_command_to_fill_is_journaled_step_by_step(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    risk = RiskSettings(allow_market_orders=True)
    journal = Journal(tmp_path / "orders.jsonl", clock)
    positions: dict[str, float] = {}

    def book(fill: Fill) -> None:
        positions[fill.symbol] = positions.get(fill.symbol, 0.0) + fill.side.sign * fill.qty

    gateway = FakeGateway()
    manager = OrderManager(gateway, clock, journal=journal, on_fill=book)

    def broker_acks_and_fills(order: OrderSpec, ref: str) -> None:
        # The broker answers on its own schedule; here: ack, then one fill at the ask.
        manager.on_event(OrderEvent(OrderEventKind.ACCEPTED, order.order_ref, T0, broker_ref=ref))
        fill = Fill(order.order_ref, "exec-1", order.symbol, order.side, order.qty, 100.01, T0)
        manager.on_event(OrderEvent(OrderEventKind.FILL, order.order_ref, T0, fill=fill))

    gateway.on_place = broker_acks_and_fills
    quote = Quote("AAPL", bid=99.99, ask=100.01, last=100.0, time=T0)

    def snapshot(symbol: str) -> RiskSnapshot:
        return RiskSnapshot(
            portfolio=PortfolioView(
                positions={s: PositionView(s, q, 100.0) for s, q in positions.items()},
                open_orders=len(manager.open_orders()),
                working_qty=manager.working_qty(),
                orders_last_minute=manager.orders_last_minute(),
            ),
            market=MarketView(quote=quote, now=clock.now()),
        )

    queue = ApprovalQueue(
        RiskEngine(risk),
        manager,
        snapshot,
        ApprovalLocks(max_quote_age_s=5, connection=CONNECTED),
        clock,
        journal=journal,
    )
    cmd = parse_command(":buy 10 AAPL mkt")
    assert isinstance(cmd, OrderCommand)
    proposal = ProposalFactory(risk, OrdersSettings(), clock).propose(
        cmd.symbol, cmd.side, quote, Provenance(MANUAL), qty=cmd.qty, order_type=cmd.order_type
    )
    card = queue.add(proposal)
    assert card.passed
    result = await queue.approve(proposal.id)  # the trader pressed y
    await queue.approve(proposal.id)  # ... twice
    journal.close()

    assert len(gateway.placed) == 1
    view = manager.get(proposal.id)
    assert view is not None and view.state is OrderState.FILLED
    assert result.order.order_ref == proposal.id
    assert positions == {"AAPL": 10.0}
    kinds = [e.kind for e in read_journal(tmp_path / "orders.jsonl").entries]
    expected_in_order = ["proposal", "risk_decision", "approval", "order_submit", "fill"]
    positions_in_journal = [kinds.index(k) for k in expected_in_order]
    assert positions_in_journal == sorted(positions_in_journal)
    events = read_journal(tmp_path / "orders.jsonl", kinds={"order_event"}).entries
    assert [e.record["to"] for e in events] == ["WORKING", "FILLED"]
