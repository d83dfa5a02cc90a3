"""The app's order-path commands: the `:` command line, approval cards, cancels, the kill
switch, checkpoint acknowledgement, unlocks and alerts. Kept apart from app.py (layout and
navigation) so each file holds one job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import App

from apex_tui.core.trading import TradingDesk
from apex_tui.domain.errors import ApexError, ParseError, ValidationError
from apex_tui.domain.orders import Side
from apex_tui.orders.command import (
    AlertCommand,
    CancelAllCommand,
    CancelCommand,
    FlattenCommand,
    OrderCommand,
    UnalertCommand,
    parse_command,
)
from apex_tui.orders.proposal import Provenance
from apex_tui.signals.signal import Direction, Signal
from apex_tui.tui.screens.approval_card import ApprovalCard
from apex_tui.tui.screens.confirm import ConfirmScreen
from apex_tui.tui.screens.typed_confirm import TypedConfirmScreen
from apex_tui.tui.widgets.command_bar import CommandBar

if TYPE_CHECKING:
    from apex_tui.core.engine import Engine


class CommandMixin:
    """Mixed into ApexApp; `self` is the App and has `engine`."""

    engine: Engine

    @property
    def _app(self) -> App[None]:
        assert isinstance(self, App)
        return self

    def _desk(self) -> TradingDesk | None:
        desk = self.engine.desk
        if desk is None:
            self._app.notify("Not connected: the order path is not up yet", severity="warning")
        return desk

    def _watchlist_symbols(self) -> list[str]:
        connector = self.engine.connector
        return connector.watchlist if connector is not None else []

    # --- command line ----------------------------------------------------------------------
    def action_command_line(self) -> None:
        """Open the `:` command line."""
        self._app.query_one(CommandBar).open()

    def on_command_bar_submitted(self, event: CommandBar.Submitted) -> None:
        """A line from the command bar (Textual finds this handler by its name)."""
        bar = self._app.query_one(CommandBar)
        try:
            command = parse_command(event.text)
        except ParseError as exc:
            bar.show_error(f"{exc}  (expected: {exc.expected})")
            return
        desk = self._desk()
        if desk is None:
            bar.show_error("not connected: the order path is not up yet")
            return
        try:
            self._run_command(desk, command)
        except ApexError as exc:
            bar.show_error(str(exc))
            return
        bar.action_close()

    def _run_command(self, desk: TradingDesk, command: object) -> None:
        app = self._app
        if isinstance(command, OrderCommand):
            proposal = desk.propose(
                command.symbol,
                command.side,
                qty=command.qty,
                order_type=command.order_type,
                limit_price=command.limit_price,
            )
            self.open_approval(proposal.id)
        elif isinstance(command, FlattenCommand):
            self.open_approval(desk.propose_flatten(command.symbol).id)
        elif isinstance(command, CancelCommand):
            self.cancel_order(command.order_id)
        elif isinstance(command, CancelAllCommand):
            working = desk.manager.open_orders()
            if not working:
                app.notify("No working orders", timeout=3)
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self._cancel_all()

            app.push_screen(ConfirmScreen(f"Cancel all {len(working)} working orders?"), answered)
        elif isinstance(command, AlertCommand):
            alert = self.engine.alerts.add(command.symbol, command.op, command.price)
            app.notify(f"Alert #{alert.id} set: {alert.describe()}", timeout=4)
        elif isinstance(command, UnalertCommand):
            book = self.engine.alerts
            ids = list(book.alerts) if command.alert_id is None else [command.alert_id]
            if command.alert_id is not None and command.alert_id not in book.alerts:
                raise ValidationError(f"no alert #{command.alert_id}")
            for alert_id in ids:
                book.remove(alert_id)
            app.notify(f"{len(ids)} alert(s) removed", timeout=4)

    @work(group="orders")
    async def _cancel_all(self) -> None:
        desk = self.engine.desk
        if desk is None:
            return
        try:
            views = await desk.manager.cancel_all()
        except ApexError as exc:
            self._app.notify(str(exc), title="Cancel all failed", severity="error", timeout=10)
            return
        self._app.notify(f"Cancel sent for {len(views)} order(s)", timeout=5)

    # --- approvals -------------------------------------------------------------------------
    def open_approval(self, proposal_id: str) -> None:
        """Show the approval card of a proposal."""
        desk = self._desk()
        if desk is not None:
            self._app.push_screen(ApprovalCard(desk, proposal_id))

    def propose_from_signal(self, signal: Signal) -> None:
        """Turn a signal into a proposal and open its card (the trader still presses y)."""
        desk = self._desk()
        if desk is None:
            return
        if signal.direction is Direction.FLAT:
            self._app.notify("A flat signal proposes nothing", timeout=3)
            return
        side = Side.BUY if signal.direction is Direction.LONG else Side.SELL
        provenance = Provenance(signal.generator, f"{signal.symbol}@{signal.bar_time:%H:%M}",
                                signal.reason)  # fmt: skip
        try:
            proposal = desk.propose(signal.symbol, side, provenance=provenance)
        except ApexError as exc:
            self._app.notify(str(exc), title="No proposal", severity="error", timeout=8)
            return
        self.open_approval(proposal.id)

    # --- orders ----------------------------------------------------------------------------
    def cancel_order(self, ref: str) -> None:
        """Cancel by our order reference (proposal id) or the broker's order id."""
        desk = self._desk()
        if desk is None:
            return
        match = next((o for o in desk.manager.orders() if ref in (o.order_ref, o.broker_ref)), None)
        if match is None:
            self._app.notify(f"No order {ref!r}", severity="error", timeout=5)
            return
        self._cancel(match.order_ref)

    @work(group="orders")
    async def _cancel(self, order_ref: str) -> None:
        desk = self.engine.desk
        if desk is None:
            return
        try:
            view = await desk.cancel(order_ref)
        except ApexError as exc:
            self._app.notify(str(exc), title="Cancel failed", severity="error", timeout=10)
            return
        self._app.notify(f"Cancel: {view.spec.symbol} {view.state.value}", timeout=5)

    def action_kill_switch(self) -> None:
        """Kill switch: after confirmation, cancel every order and HALT."""
        desk = self._desk()
        if desk is None:
            return
        details = [f"{len(desk.manager.open_orders())} working order(s) will be cancelled",
                   "trading goes to HALTED until unlocked (U)"]  # fmt: skip
        if self.engine.settings.orders.flatten_on_kill:
            details.append("every position is closed with market orders")

        def answered(yes: bool | None) -> None:
            if yes:
                self._kill()

        self._app.push_screen(ConfirmScreen("Engage the kill switch?", details), answered)

    @work(group="orders")
    async def _kill(self) -> None:
        desk = self.engine.desk
        if desk is None:
            return
        report = await desk.kill()
        lines = [f"{len(report.cancelled)} cancelled, HALTED", *report.errors]
        self._app.notify(
            "\n".join(lines),
            title="Kill switch",
            severity="warning" if report.ok else "error",
            timeout=15,
        )

    def action_acknowledge(self) -> None:
        """Review the reconnect checkpoint's diff; `y` acknowledges and unlocks approvals."""
        desk = self._desk()
        if desk is None:
            return
        checkpoint = desk.locks.checkpoint
        if checkpoint is None:
            self._app.notify("No reconnect checkpoint to acknowledge", timeout=3)
            return

        def answered(yes: bool | None) -> None:
            if yes and desk.acknowledge_checkpoint() is not None:
                self._app.notify("Checkpoint acknowledged: approvals unlocked", timeout=5)

        lines = checkpoint.diff.splitlines()
        self._app.push_screen(
            ConfirmScreen("Acknowledge the reconnect checkpoint?", lines), answered
        )

    def action_unlock(self) -> None:
        """Return to ACTIVE with the configured phrase typed exactly."""
        desk = self._desk()
        if desk is None:
            return
        status = desk.status
        if status.state.value == "ACTIVE" and not desk.breaker.tripped:
            self._app.notify("Trading is already ACTIVE", timeout=3)
            return
        phrase = self.engine.settings.risk.breaker.reset_phrase

        def answered(typed: str | None) -> None:
            if typed is None:
                return
            try:
                desk.release(typed)
            except ApexError as exc:
                self._app.notify(str(exc), title="Still locked", severity="error", timeout=8)
                return
            self._app.notify("Trading ACTIVE", timeout=5)

        self._app.push_screen(
            TypedConfirmScreen(f"Trading is {status.state.value}: {status.reason}", phrase),
            answered,
        )

    # --- alerts ----------------------------------------------------------------------------
    def drain_alerts(self) -> None:
        """Show the engine's alerts (price, breaker, disconnect, stale data); ring the bell
        for them when `sound_alerts` is on."""
        notices = self.engine.announcer.drain()
        for notice in notices:
            self._app.notify(notice.message, title=notice.title, severity=notice.severity,
                             timeout=15)  # fmt: skip
        if notices and self.engine.flags.is_on("sound_alerts"):
            self._app.bell()
