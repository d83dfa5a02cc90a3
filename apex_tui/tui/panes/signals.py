"""The Signals pane: proposals waiting for approval (with countdowns) above the latest signal
per symbol and generator (direction, strength, regime, age, reason), and a shadow P&L line per
generator (what rejected and expired proposals would have made). `enter` on a proposal opens
its approval card; on a signal it asks the order path for a proposal."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from apex_tui.core.trading import TradingDesk
from apex_tui.orders.shadow import ShadowPnl
from apex_tui.signals.book import SignalBook
from apex_tui.signals.signal import Direction, Regime, Signal
from apex_tui.tui.panes.base import Pane

_ARROW = {Direction.LONG: ("▲", "pnl-up"), Direction.SHORT: ("▼", "pnl-down")}
ShadowFeed = Callable[[], Mapping[str, ShadowPnl]]


def strength_bar(strength: float, width: int = 5) -> str:
    filled = max(0, min(width, round(strength * width)))
    return "█" * filled + "░" * (width - filled)


class SignalsPane(Pane):
    TITLE = "Signals & approvals"
    NUMBER = 3
    EMPTY = "No signals yet."
    MIN_POLL_S: ClassVar[float] = 0.25
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
        self._shadow: ShadowFeed | None = None
        self._last_key: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        approvals = Static("", id="approvals")
        approvals.display = False
        yield approvals
        yield Static(self.EMPTY, classes="empty-state")
        yield Static("", id="signals-table")
        yield Static("", id="shadow-pnl")

    def attach(
        self,
        desk: TradingDesk | None,
        signals: SignalBook | None,
        now: Callable[[], datetime],
        shadow: ShadowFeed | None = None,
    ) -> None:
        """`shadow` returns the shadow P&L per generator (see core.signal_service.shadow_feed)."""
        self._desk, self._signals, self._now, self._shadow = desk, signals, now, shadow
        self._last_key = None
        self.pull()

    def on_mount(self) -> None:
        self.pull()  # the first frame already shows the right parts, not all of them
        self.poll_every(self._refresh_s, self.pull)

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

    def _content_key(self) -> tuple[object, ...]:
        """What the pane shows depends on only this: skip redraws (each one re-lays out the
        screen) when it has not moved."""
        desk, book, now = self._desk, self._signals, self._now
        pending: tuple[tuple[str, int], ...] = ()
        if desk is not None:
            when = desk.proposals_clock_now()
            pending = tuple((p.id, int(p.seconds_left(when))) for p in desk.queue.pending())
        second = int(now().timestamp()) if now is not None else 0  # ages move each second
        return (
            pending,
            book.version if book is not None else -1,
            self.cursor,
            self.has_focus,
            second // 5 if not pending else second,
        )

    def pull(self) -> None:
        content = self._content_key()
        if content == self._last_key:
            return
        self._last_key = content
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
                urgent = Text(f"{left:.0f}s", style=self._color("state-bad"))
                table.add_row(text, urgent if left < 10 else Text(f"{left:.0f}s", style="dim"))
                rows.append(("proposal", p.id))
            title = Text(f"Pending approval ({len(pending)}) — enter opens the card", "bold")
            approvals.update(_stack(title, table))
            approvals.display = True
        else:
            approvals.display = False
        # FLAT means "no view": listing every flat (symbol, generator) buries the signals.
        every = self._signals.snapshot() if self._signals is not None else []
        signals = [sig for sig in every if sig.direction is not Direction.FLAT]
        now = self._now() if self._now is not None else None
        self._signal_rows = {}
        empty = self.query_one(".empty-state", Static)
        empty.display = not signals and not rows
        sig_table = Table(
            box=None, expand=True, show_header=False, pad_edge=False, collapse_padding=True
        )
        sig_table.add_column("dir", no_wrap=True)
        sig_table.add_column("name", no_wrap=True)
        sig_table.add_column("strength", no_wrap=True)
        sig_table.add_column("regime", no_wrap=True)
        sig_table.add_column("age", no_wrap=True, justify="right")
        sig_table.add_column("reason", no_wrap=True, overflow="ellipsis", ratio=1, min_width=0)
        for sig in signals:
            key = f"{sig.symbol}/{sig.generator}"
            self._signal_rows[key] = sig
            arrow, color = _ARROW.get(sig.direction, ("·", "stale"))
            selected = focus and len(rows) == self.cursor
            name = Text(f"{sig.symbol:<5} {sig.generator:<14}", style="reverse" if selected else "")
            age = math.nan if now is None else (now - sig.bar_time).total_seconds()
            flat = sig.direction is Direction.FLAT
            sig_table.add_row(
                Text(arrow, style=self._color(color)),
                name,
                Text(strength_bar(sig.strength), style=self._color("stale") if flat else ""),
                Text(_REGIME_ABBR[sig.regime] if sig.regime else "", style="dim"),
                "" if math.isnan(age) else format_age(age),
                Text(sig.reason, style="dim"),
            )
            rows.append(("signal", key))
        # One line per signal (no_wrap columns): ages and strengths redraw without a layout.
        self.show(
            self.query_one("#signals-table", Static), sig_table if signals else "", len(signals)
        )
        self._pull_shadow()
        self._rows = rows
        self.cursor = max(0, min(self.cursor, len(rows) - 1))

    def _pull_shadow(self) -> None:
        line = self.query_one("#shadow-pnl", Static)
        results = self._shadow() if self._shadow is not None else {}
        line.display = bool(results)
        if results:
            line.update(self.shadow_line(results))

    def shadow_line(self, results: Mapping[str, ShadowPnl]) -> Text:
        """`Shadow P&L  trend +120.00 (3)  momentum -40.50 (2)`: one entry per generator."""
        text = Text("Shadow P&L", style="bold")
        for name in sorted(results):
            r = results[name]
            color = self._color("pnl-up" if r.pnl >= 0 else "pnl-down")
            text.append(f"  {name} ")
            text.append(f"{r.pnl:+,.2f}", style=color)
            unmarked = f", {r.unmarked} unmarked" if r.unmarked else ""
            text.append(f" ({r.count}{unmarked})", style="dim")
        return text


# Three letters, so a narrow pane keeps room for the reason.
_REGIME_ABBR = {Regime.TRENDING: "trd", Regime.RANGING: "rng", Regime.VOLATILE: "vol"}


def format_age(seconds: float) -> str:
    """Compact age: 42s, 7m, 3h."""
    if seconds < 120:
        return f"{max(seconds, 0):.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


def _stack(title: Text, table: Table) -> Table:
    grid = Table.grid(expand=True)
    grid.add_row(title)
    grid.add_row(table)
    return grid
