"""The Positions pane: an account strip and one row per position, marked to the QuoteBook."""

from __future__ import annotations

import math
from typing import Protocol

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from apex_tui.domain.portfolio import AccountStrip, PositionView
from apex_tui.tui.panes.base import Pane


class PortfolioFeed(Protocol):
    version: int

    def positions(self) -> list[PositionView]: ...
    def account(self) -> AccountStrip: ...


def money(value: float, *, signed: bool = False) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def qty(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.4g}"


class PositionsPane(Pane):
    TITLE = "Positions"
    NUMBER = 2
    EMPTY = "Not connected: positions appear once the gateway is synced."

    def __init__(self, *, id: str | None = None, refresh_s: float = 0.1) -> None:
        super().__init__(id=id)
        self._feed: PortfolioFeed | None = None
        self._version = -1
        self._refresh_s = refresh_s

    def compose(self) -> ComposeResult:
        yield Static("", id="account-strip")
        yield Static(self.EMPTY, classes="empty-state")
        yield Static("", id="positions-table")

    def attach(self, feed: PortfolioFeed | None) -> None:
        """Start (or stop, with None) showing a portfolio store."""
        self._feed = feed
        self._version = -1
        self.pull()

    def on_mount(self) -> None:
        self.set_interval(self._refresh_s, self.pull)

    def _color(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def _signed_text(self, value: float) -> Text:
        if math.isnan(value) or value == 0:
            return Text(money(value, signed=True), justify="right")
        color = self._color("pnl-up" if value > 0 else "pnl-down")
        return Text(money(value, signed=True), style=color, justify="right")

    def pull(self) -> None:
        """Redraw when the store's version moved (marks move it with every tick)."""
        feed = self._feed
        empty = self.query_one(".empty-state", Static)
        strip = self.query_one("#account-strip", Static)
        table_widget = self.query_one("#positions-table", Static)
        if feed is None:
            empty.display = True
            strip.display = table_widget.display = False
            return
        if feed.version == self._version:
            return
        self._version = feed.version
        account = feed.account()
        strip.display = True
        line = Text()
        line.append("NetLiq ", style="dim")
        line.append(money(account.net_liquidation))
        line.append("  Cash ", style="dim")
        line.append(money(account.cash))
        line.append("  BuyPwr ", style="dim")
        line.append(money(account.buying_power))
        line.append("  Day P&L ", style="dim")
        line.append_text(self._signed_text(account.day_pnl))
        strip.update(line)
        positions = [p for p in feed.positions() if p.qty != 0]
        empty.display = not positions
        table_widget.display = bool(positions)
        if not positions:
            empty.update("No positions.")
            return
        table = Table(box=None, expand=True, pad_edge=False, header_style="bold")
        for title in ("Symbol", "Qty", "Avg", "Last", "Mkt val", "Unrl", "Real", "%NL"):
            table.add_column(title, justify="left" if title == "Symbol" else "right")
        for p in sorted(positions, key=lambda p: p.symbol):
            table.add_row(
                p.symbol,
                qty(p.qty),
                money(p.avg_cost),
                money(p.last),
                money(p.market_value),
                self._signed_text(p.unrealized),
                self._signed_text(p.realized_today),
                "—" if math.isnan(p.pct_net_liq) else f"{p.pct_net_liq:.1f}%",
            )
        table_widget.update(table)
