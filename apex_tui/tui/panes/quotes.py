"""The Quotes pane: the live table plus filter (`/`), add (`+`) and remove (`-`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Static

from apex_tui.domain.errors import ApexError
from apex_tui.tui.panes.base import Pane
from apex_tui.tui.panes.quote_table import QuoteFeed, QuoteTable


@dataclass(frozen=True)
class QuoteSource:
    """Everything the pane needs from the Engine, as plain callables."""

    feed: QuoteFeed
    spark: Callable[[str], Sequence[float]]
    notes: Callable[[], dict[str, str]]  # symbol -> why it is not streaming
    add: Callable[[str], Awaitable[None]]
    remove: Callable[[str], None]
    now: Callable[[], datetime]
    monotonic: Callable[[], float]
    order: Callable[[], list[str]] | None = None  # the watchlist's order for unsorted rows


class QuotesPane(Pane):
    TITLE = "Quotes"
    NUMBER = 1
    EMPTY = "Not connected: no quotes yet."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "prompt('filter')", "Filter", tooltip="Filter the symbols shown"),
        Binding("plus", "prompt('add')", "Add", tooltip="Add a symbol (checked with the broker)"),
        Binding("minus", "remove", "Remove", tooltip="Remove the selected symbol"),
        Binding("escape", "close_prompt", "Close", show=False),
    ]

    def __init__(self, *, id: str | None = None, refresh_s: float = 0.1) -> None:
        super().__init__(id=id)
        self._refresh_s = refresh_s
        self._source: QuoteSource | None = None
        self._mode = ""

    def compose(self) -> ComposeResult:
        yield Static(self.EMPTY, classes="empty-state")
        prompt = Input(id="quotes-prompt", compact=True)
        prompt.display = False
        yield prompt

    @property
    def table(self) -> QuoteTable | None:
        found = self.query(QuoteTable)
        return found.first() if found else None

    def attach(self, source: QuoteSource) -> None:
        """Show the live table fed by `source`."""
        self._source = source
        self.query_one(".empty-state", Static).display = False
        table = QuoteTable(
            source.feed,
            now=source.now,
            monotonic=source.monotonic,
            spark=source.spark,
            notes=source.notes,
            refresh_s=self._refresh_s,
            order=source.order,
        )
        self.mount(table, before=self.query_one("#quotes-prompt"))

    def focus_target(self) -> Widget:
        return self.table or self

    def action_prompt(self, mode: str) -> None:
        """Open the one-line prompt for a filter or a new symbol."""
        if self._source is None:
            self.notify("Not connected: the watchlist cannot be edited yet", severity="warning")
            return
        prompt = self.query_one("#quotes-prompt", Input)
        self._mode = mode
        table = self.table
        prompt.placeholder = (
            "filter symbols (esc clears)" if mode == "filter" else "symbol to add, e.g. AAPL"
        )
        prompt.value = table.filter_text if (mode == "filter" and table) else ""
        prompt.display = True
        prompt.focus()

    def action_close_prompt(self) -> None:
        prompt = self.query_one("#quotes-prompt", Input)
        if not prompt.display:
            return
        if self._mode == "filter" and self.table:
            self.table.set_filter("")
        self._hide_prompt()

    def _hide_prompt(self) -> None:
        prompt = self.query_one("#quotes-prompt", Input)
        prompt.display = False
        self._mode = ""
        self.focus_target().focus()

    @on(Input.Changed, "#quotes-prompt")
    def _filter_live(self, event: Input.Changed) -> None:
        if self._mode == "filter" and self.table:
            self.table.set_filter(event.value)

    @on(Input.Submitted, "#quotes-prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        mode, value = self._mode, event.value.strip()
        self._hide_prompt()
        if mode == "add" and value:
            self.run_worker(self._add(value), exclusive=False)

    async def _add(self, symbol: str) -> None:
        assert self._source is not None
        try:
            await self._source.add(symbol)
        except ApexError as exc:
            self.notify(f"{symbol}: {exc}", title="Not added", severity="error", timeout=8)
            return
        self.notify(f"{symbol.upper()} added", timeout=3)

    def action_remove(self) -> None:
        """Remove the symbol under the cursor from the watchlist."""
        table = self.table
        if self._source is None or table is None or table.selected is None:
            return
        symbol = table.selected
        self._source.remove(symbol)
        self.notify(f"{symbol} removed", timeout=3)
