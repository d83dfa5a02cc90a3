"""The order path end to end, as a trader drives it: command line, approval card, `y`, fill,
position, journal; idempotent approval; the kill switch with a working order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Static

from apex_tui.orders.approvals import ProposalStatus
from apex_tui.orders.state_machine import OrderState
from apex_tui.risk.states import TradingState
from apex_tui.tui.app import ApexApp
from apex_tui.tui.screens.approval_card import ApprovalCard
from apex_tui.tui.screens.confirm import ConfirmScreen
from apex_tui.tui.widgets.command_bar import CommandBar
from tests.integration.app.conftest import live_app, wait_for

MKT_ALLOWED = {"allow_market_orders": True}


def journal_kinds(path: Path) -> list[str]:
    return [json.loads(line)["kind"] for line in path.read_text().splitlines()]


async def open_card(app: ApexApp, pilot: Pilot[Any], command: str) -> ApprovalCard:
    """Type `command` on the command line; the approval card it opens."""
    await pilot.press("colon", *command, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ApprovalCard), f"a card for {command}")
    card = app.screen
    assert isinstance(card, ApprovalCard)
    return card


async def test_buy_market_from_the_command_line_to_a_position(tmp_path: Path) -> None:
    async with live_app(tmp_path, risk=MKT_ALLOWED) as (app, pilot):
        desk, connector = app.engine.desk, app.engine.connector
        assert desk is not None and connector is not None
        await pilot.press("colon", *"buy 10 AAPL mkt", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalCard), "the approval card")
        assert not desk.manager.orders(), "nothing may be sent before the trader approves"

        await pilot.press("y")
        await wait_for(
            pilot, lambda: connector.portfolio.quantities().get("AAPL") == 10, "position +10"
        )
        [order] = desk.manager.orders()
        assert order.state is OrderState.FILLED
        assert order.filled_qty == 10
        kinds = journal_kinds(tmp_path / "journal.jsonl")
        for kind in ("proposal", "risk_decision", "approval", "order_submit", "fill"):
            assert kind in kinds, f"journal lacks {kind}: {kinds}"
        assert kinds.index("proposal") < kinds.index("approval") < kinds.index("fill")


async def test_a_double_keypress_sends_one_order(tmp_path: Path) -> None:
    async with live_app(tmp_path, risk=MKT_ALLOWED) as (app, pilot):
        desk = app.engine.desk
        assert desk is not None
        card = await open_card(app, pilot, "buy 5 MSFT mkt")
        pid = card.proposal.id
        await pilot.press("y", "y")
        card.action_approve()  # a third, programmatic approve: still one order
        await wait_for(pilot, lambda: desk.queue.status(pid) is ProposalStatus.APPROVED, "approved")
        await wait_for(
            pilot,
            lambda: bool(desk.manager.orders()) and desk.manager.orders()[0].state.terminal,
            "the order to finish",
        )
        assert len(desk.manager.orders()) == 1
        submits = journal_kinds(tmp_path / "journal.jsonl").count("order_submit")
        assert submits == 1


def rejection_reasons(path: Path) -> list[str]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [r["reason"] for r in records if r["kind"] == "rejection"]


async def test_n_rejects_at_once_and_what_is_typed_next_is_a_command(tmp_path: Path) -> None:
    async with live_app(tmp_path, risk=MKT_ALLOWED) as (app, pilot):
        desk = app.engine.desk
        assert desk is not None
        first = (await open_card(app, pilot, "buy 10 AAPL mkt")).proposal.id
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ApprovalCard), "card closed")
        assert desk.queue.status(first) is ProposalStatus.REJECTED
        # Typed straight after `n`: a new command, not the rejection's reason.
        second = await open_card(app, pilot, "buy 5 MSFT mkt")
        assert second.proposal.symbol == "MSFT" and second.proposal.qty == 5
        assert not desk.manager.orders(), "a rejection sends nothing"
        assert rejection_reasons(tmp_path / "journal.jsonl") == ["rejected by trader"]


async def test_r_rejects_with_the_reason_typed(tmp_path: Path) -> None:
    async with live_app(tmp_path, risk=MKT_ALLOWED) as (app, pilot):
        desk = app.engine.desk
        assert desk is not None
        pid = (await open_card(app, pilot, "buy 10 AAPL mkt")).proposal.id
        await pilot.press("r", *"too big", "enter")
        await wait_for(pilot, lambda: desk.queue.status(pid) is ProposalStatus.REJECTED, "reject")
        assert not isinstance(app.screen, ApprovalCard)
        assert rejection_reasons(tmp_path / "journal.jsonl") == ["too big"]


async def test_on_a_small_terminal_the_card_scrolls_and_keeps_keys_and_failures_in_sight(
    tmp_path: Path,
) -> None:
    rows = 24
    async with live_app(tmp_path, size=(100, rows)) as (app, pilot):
        connector = app.engine.connector
        assert connector is not None
        quote = connector.quotes.get("AAPL")
        assert quote is not None
        far = round(quote.bid * 0.9, 2)  # 10 % under the market: outside the price band
        card = await open_card(app, pilot, f"buy 10 AAPL lmt {far}")
        await pilot.pause()
        body = card.query_one("#approval-card", VerticalScroll)
        keys = card.query_one("#card-keys", Static)
        risk = card.query_one("#card-risk", Static)
        whatif = card.query_one("#card-whatif", Static)

        def in_sight(widget: Static) -> bool:
            return widget.region.height > 0 and body.region.contains_region(widget.region)

        assert body.max_scroll_y > 0, "the card is taller than this terminal"
        assert in_sight(keys) and "y approve" in str(keys.render())
        assert in_sight(risk) and "FAIL: price_band_pct" in str(risk.render())
        assert not in_sight(whatif)
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        assert in_sight(whatif) and in_sight(keys)


async def test_bad_command_is_answered_inline(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, pilot):
        await pilot.press("colon", *"buy ten AAPL", "enter")
        bar = app.query_one(CommandBar)
        error = str(bar.query_one("#command-error").render())
        assert bar.display and "expected" in error
        assert not isinstance(app.screen, ApprovalCard)


async def test_kill_switch_cancels_working_orders_and_halts(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, pilot):
        desk, connector = app.engine.desk, app.engine.connector
        assert desk is not None and connector is not None
        quote = connector.quotes.get("AAPL")
        assert quote is not None
        resting = round(quote.bid - 0.30, 2)  # 30 ticks under: inside the band, not marketable
        await pilot.press("colon", *f"buy 10 AAPL lmt {resting}", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalCard), "the approval card")
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: [o.state for o in desk.manager.orders()] == [OrderState.WORKING],
            "a working order",
        )
        await pilot.press("K")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: [o.state for o in desk.manager.orders()] == [OrderState.CANCELLED],
            "the order cancelled",
        )
        assert desk.status.state is TradingState.HALTED
        assert "kill_switch" in journal_kinds(tmp_path / "journal.jsonl")
        # HALTED refuses the next approval with the reason on the card.
        await pilot.press("colon", *f"buy 1 AAPL lmt {resting}", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalCard), "the approval card")
        await pilot.press("y")
        await wait_for(
            pilot, lambda: any("HALTED" in n.message for n in app._notifications), "refusal"
        )
        assert len(desk.manager.orders()) == 1


async def test_price_alert_fires_once_and_is_removed(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, pilot):
        await pilot.press("colon", *"alert AAPL > 1", "enter")
        await wait_for(
            pilot,
            lambda: any(n.title == "Price alert" for n in app._notifications),
            "the alert to fire",
        )
        [alert] = app.engine.alerts.alerts.values()
        assert alert.fired == 1 and not alert.armed
        assert "alert" in journal_kinds(tmp_path / "journal.jsonl")
        await pilot.press("colon", *f"unalert {alert.id}", "enter")
        await wait_for(pilot, lambda: not app.engine.alerts.alerts, "the alert removed")
