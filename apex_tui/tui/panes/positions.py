"""The Positions pane: an account strip and one row per position, marked to the QuoteBook."""

from __future__ import annotations

import math
from typing import ClassVar, Protocol

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from apex_tui.domain.portfolio import AccountStrip, PositionView
from apex_tui.orders.manager import OrderView
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


class OrdersFeed(Protocol):
    version: int

    def orders(self) -> list[OrderView]: ...


class PositionsPane(Pane):
    TITLE = "Positions & orders"
    NUMBER = 2
    EMPTY = "Not connected: positions appear once the gateway is synced."
    MIN_POLL_S: ClassVar[float] = 0.25
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("x", "cancel_order", "Cancel order", tooltip="Cancel the selected working order"),
    ]

    def __init__(self, *, id: str | None = None, refresh_s: float = 0.1) -> None:
        super().__init__(id=id)
        self._feed: PortfolioFeed | None = None
        self._orders: OrdersFeed | None = None
        self._version: tuple[int, int, int, bool] = (-1, -1, -1, False)
        self._refresh_s = refresh_s
        self.cursor = 0
        self._order_refs: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="account-strip")
        yield Static(self.EMPTY, classes="empty-state")
        yield Static("", id="positions-table")
        yield Static("", id="orders-table")

    def attach(self, feed: PortfolioFeed | None, orders: OrdersFeed | None = None) -> None:
        """Start (or stop, with None) showing a portfolio store and the order manager."""
        self._feed = feed
        self._orders = orders
        self._version = (-1, -1, -1, False)
        self.pull()

    def action_move(self, step: int) -> None:
        if self._order_refs:
            self.cursor = max(0, min(self.cursor + step, len(self._order_refs) - 1))
            self._version = (-1, -1, -1, False)
            self.pull()

    def selected_order(self) -> str | None:
        refs = self._order_refs
        return refs[self.cursor] if 0 <= self.cursor < len(refs) else None

    def action_cancel_order(self) -> None:
        """Cancel the selected order (the app asks the desk; the result is notified)."""
        ref = self.selected_order()
        if ref is None:
            self.notify("No working order selected", severity="warning", timeout=3)
            return
        self.app.cancel_order(ref)  # type: ignore[attr-defined]

    def on_focus(self) -> None:
        self._version = (-1, -1, -1, False)

    def on_blur(self) -> None:
        self._version = (-1, -1, -1, False)

    def _render_orders(self) -> None:
        widget = self.query_one("#orders-table", Static)
        orders = self._orders.orders() if self._orders is not None else []
        working = [o for o in orders if not o.state.terminal]
        done = [o for o in orders if o.state.terminal][-5:]
        self._order_refs = [o.order_ref for o in working]
        self.cursor = max(0, min(self.cursor, len(working) - 1))
        widget.display = bool(orders)
        if not orders:
            return
        table = Table(box=None, expand=True, pad_edge=False, header_style="bold")
        for title in ("Order", "Side", "Qty", "Filled", "Price", "State"):
            left = title in ("Order", "State")
            table.add_column(title, justify="left" if left else "right", no_wrap=True)
        shown = [*working, *reversed(done)]
        for i, o in enumerate(shown):
            price = "MKT" if o.spec.limit_price is None else f"{o.spec.limit_price:,.2f}"
            ref = Text(f"{o.spec.symbol} {o.order_ref[:8]}")
            if i == self.cursor and i < len(working) and self.has_focus:
                ref.stylize("reverse")
            style = "" if i < len(working) else "dim"
            table.add_row(
                ref,
                o.spec.side.value,
                qty(o.spec.qty),
                qty(o.filled_qty),
                price,
                Text(o.state.value, style=style),
                style=style,
            )
        self.show(widget, table, len(shown) + 1)

    def on_mount(self) -> None:
        self.pull()  # settle the empty state before the first frame, not a timer tick later
        self.poll_every(self._refresh_s, self.pull)

    def _color(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def _signed_text(self, value: float) -> Text:
        if math.isnan(value) or value == 0:
            return Text(money(value, signed=True), justify="right")
        color = self._color("pnl-up" if value > 0 else "pnl-down")
        return Text(money(value, signed=True), style=color, justify="right")

    def pull(self) -> None:
        """Redraw when a store's version moved (marks move it with every tick)."""
        feed = self._feed
        if feed is None:
            self.query_one(".empty-state", Static).display = True
            self.query_one("#account-strip", Static).display = False
            self.query_one("#positions-table", Static).display = False
            return
        orders_version = self._orders.version if self._orders is not None else -1
        version = (feed.version, orders_version, self.cursor, self.has_focus)
        if version == self._version:
            return  # the usual pull: nothing moved, and no DOM query (~40 us each) before it
        self._version = version
        empty = self.query_one(".empty-state", Static)
        strip = self.query_one("#account-strip", Static)
        table_widget = self.query_one("#positions-table", Static)
        self._render_orders()
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
        self.show(strip, line, 1)
        positions = [p for p in feed.positions() if p.qty != 0]
        empty.display = not positions
        table_widget.display = bool(positions)
        if not positions:
            self.show(empty, "No positions.", 1)
            return
        table = Table(box=None, expand=True, pad_edge=False, header_style="bold")
        for title in ("Symbol", "Qty", "Avg", "Last", "Mkt val", "Unrl", "Real", "%NL"):
            left = title == "Symbol"
            table.add_column(title, justify="left" if left else "right", no_wrap=True)
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
        self.show(table_widget, table, len(positions) + 1)
