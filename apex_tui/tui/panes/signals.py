"""The Signals pane: proposals waiting for approval (with countdowns) above the latest signal
per symbol and generator. `enter` on a proposal opens its approval card; on a signal it asks
the order path for a proposal."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from apex_tui.core.trading import TradingDesk
from apex_tui.signals.book import SignalBook
from apex_tui.signals.signal import Direction, Signal
from apex_tui.tui.panes.base import Pane

_ARROW = {Direction.LONG: ("▲", "pnl-up"), Direction.SHORT: ("▼", "pnl-down")}


def strength_bar(strength: float, width: int = 5) -> str:
    filled = max(0, min(width, round(strength * width)))
    return "█" * filled + "░" * (width - filled)


class SignalsPane(Pane):
    TITLE = "Signals & approvals"
    NUMBER = 3
    EMPTY = "No signals yet."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding(
            "enter",
            "open",
            "Open",
            tooltip="Open the approval card (proposal) or propose an order (signal)",
        ),
    ]

    def __init__(self, *, id: str | None = None, refresh_s: float = 0.25) -> None:
        super().__init__(id=id)
        self._refresh_s = refresh_s
        self._desk: TradingDesk | None = None
        self._signals: SignalBook | None = None
        self._now: Callable[[], datetime] | None = None
        self.cursor = 0
        self._rows: list[tuple[str, str]] = []  # ("proposal", id) or ("signal", key)
        self._signal_rows: dict[str, Signal] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="approvals")
        yield Static(self.EMPTY, classes="empty-state")
        yield Static("", id="signals-table")

    def attach(
        self, desk: TradingDesk | None, signals: SignalBook | None, now: Callable[[], datetime]
    ) -> None:
        self._desk, self._signals, self._now = desk, signals, now
        self.pull()

    def on_mount(self) -> None:
        self.set_interval(self._refresh_s, self.pull)

    def _color(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def action_move(self, step: int) -> None:
        if self._rows:
            self.cursor = max(0, min(self.cursor + step, len(self._rows) - 1))
            self.pull()

    def selected(self) -> tuple[str, str] | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    def action_open(self) -> None:
        row = self.selected()
        if row is None:
            return
        kind, key = row
        app = self.app
        if kind == "proposal":
            app.open_approval(key)  # type: ignore[attr-defined]
        else:
            app.propose_from_signal(self._signal_rows[key])  # type: ignore[attr-defined]

    def pull(self) -> None:
        rows: list[tuple[str, str]] = []
        approvals = self.query_one("#approvals", Static)
        desk = self._desk
        focus = self.has_focus
        if desk is not None and (pending := desk.queue.pending()):
            when = desk.proposals_clock_now()
            table = Table(box=None, expand=True, show_header=False, pad_edge=False)
            table.add_column("order", no_wrap=True, overflow="ellipsis")
            table.add_column("left", justify="right", no_wrap=True)
            for p in pending:
                selected = focus and len(rows) == self.cursor
                price = "MKT" if p.limit_price is None else f"{p.limit_price:,.2f}"
                text = Text(f"{p.side.value} {p.qty:g} {p.symbol} {price}")
                if selected:
                    text.stylize("reverse")
                left = p.seconds_left(when)
                table.add_row(text, Text(f"{left:.0f}s", style="red" if left < 10 else "dim"))
                rows.append(("proposal", p.id))
            title = Text(f"Pending approval ({len(pending)}) — enter opens the card", "bold")
            approvals.update(_stack(title, table))
            approvals.display = True
        else:
            approvals.display = False
        signals = self._signals.snapshot() if self._signals is not None else []
        now = self._now() if self._now is not None else None
        self._signal_rows = {}
        empty = self.query_one(".empty-state", Static)
        empty.display = not signals and not rows
        sig_table = Table(box=None, expand=True, show_header=False, pad_edge=False)
        for col in ("dir", "sym", "gen", "strength", "age"):
            sig_table.add_column(col, no_wrap=True, justify="right" if col == "age" else "left")
        for sig in signals:
            key = f"{sig.symbol}/{sig.generator}"
            self._signal_rows[key] = sig
            arrow, color = _ARROW.get(sig.direction, ("·", "stale"))
            selected = focus and len(rows) == self.cursor
            name = Text(f"{sig.symbol:<5} {sig.generator}", style="reverse" if selected else "")
            age = math.nan if now is None else (now - sig.bar_time).total_seconds()
            sig_table.add_row(
                Text(arrow, style=self._color(color)),
                name,
                Text(sig.regime.value if sig.regime else "", style="dim"),
                strength_bar(sig.strength),
                "" if math.isnan(age) else f"{age:.0f}s",
            )
            rows.append(("signal", key))
        self.query_one("#signals-table", Static).update(sig_table if signals else "")
        self._rows = rows
        self.cursor = max(0, min(self.cursor, len(rows) - 1))


def _stack(title: Text, table: Table) -> Table:
    grid = Table.grid(expand=True)
    grid.add_row(title)
    grid.add_row(table)
    return grid
