"""The Quotes and Positions panes fed by the simulator: rows update, the watchlist is edited
with the broker's answer, and a fill shows up as a position row."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Static

from apex_tui.domain.quotes import Quote
from apex_tui.tui.panes.positions import PositionsPane
from apex_tui.tui.panes.quote_columns import price
from apex_tui.tui.panes.quote_table import QuoteTable
from apex_tui.tui.screens.approval_card import ApprovalCard
from tests.integration.app.conftest import live_app, wait_for


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (it may hold a Rich table)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def test_quotes_update_and_the_watchlist_is_edited(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, pilot):
        table = app.query_one(QuoteTable)
        await wait_for(pilot, lambda: table.symbols == ["AAPL", "MSFT"], "two rows")
        first = table.render_line(1).text
        assert "AAPL" in first
        # The market first, then the screen: the simulated price follows the wall clock, and
        # before the US open it is quiet enough to sit still for many seconds (CI at 07:30 New
        # York time waited 15 s for a row that never changed, with no way to tell which side
        # was still). The row must then show the new quote within a few refreshes.
        book = app.engine.connector.quotes
        before = book.get("AAPL")
        assert before is not None

        def top(q: Quote | None) -> tuple[float, ...]:
            return (math.nan,) * 3 if q is None else (q.bid, q.ask, q.last)

        await wait_for(pilot, lambda: top(book.get("AAPL")) != top(before), "AAPL's quote to move",
                       within=120)  # fmt: skip

        def shows_the_book() -> bool:
            row, quote = table.render_line(1).text, book.get("AAPL")
            return quote is not None and row != first and price(quote.last) in row

        await wait_for(pilot, shows_the_book, "AAPL's row to show its new quote", within=5)

        # An unknown symbol is refused with the broker's reason; nothing is added.
        await pilot.press("plus", *"ZZZZZ", "enter")
        await wait_for(
            pilot, lambda: any("ZZZZZ" in n.message for n in app._notifications), "refusal"
        )
        refusal = next(n.message for n in app._notifications if "ZZZZZ" in n.message)
        assert "no stock" in refusal.lower() or "200" in refusal
        assert "ZZZZZ" not in table.symbols

        await pilot.press("plus", *"nvda", "enter")
        await wait_for(pilot, lambda: "NVDA" in table.symbols, "NVDA added")
        saved = json.loads((tmp_path / "watchlist.json").read_text())
        assert saved == ["AAPL", "MSFT", "NVDA"]

        table.focus()
        await pilot.press("minus")  # cursor is on the first row
        await wait_for(pilot, lambda: table.symbols == ["MSFT", "NVDA"], "AAPL removed")
        assert json.loads((tmp_path / "watchlist.json").read_text()) == ["MSFT", "NVDA"]


async def test_a_fill_appears_in_the_positions_pane(tmp_path: Path) -> None:
    async with live_app(tmp_path, risk={"allow_market_orders": True}) as (app, pilot):
        desk = app.engine.desk
        assert desk is not None
        await pilot.press("colon", *"buy 7 MSFT mkt", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalCard), "the card")
        await pilot.press("y")
        pane = app.query_one(PositionsPane)

        def table_text() -> str:
            return text_of(pane.query_one("#positions-table", Static))

        await wait_for(pilot, lambda: "MSFT" in table_text(), "the MSFT position row")
        assert " 7 " in f" {table_text()} "
        orders = text_of(pane.query_one("#orders-table", Static))
        assert "FILLED" in orders

        # Marks move the rows several times a second; the pane redraws them without laying
        # the whole screen out again (its tables keep their height).
        layouts: list[str] = []
        redraws: list[str] = []
        update = Static.update

        def spy(widget: Static, content: Any = "", *, layout: bool = True) -> None:
            if pane in widget.ancestors:
                redraws.append(widget.id or "")
                if layout:
                    layouts.append(widget.id or "")
            update(widget, content, layout=layout)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Static, "update", spy)
            await wait_for(
                pilot,
                lambda: redraws.count("positions-table") >= 3,
                "three redraws of the row",
                within=30,
            )
        assert layouts == []
        rows = [line for line in table_text().splitlines() if line.strip()]
        assert pane.query_one("#positions-table", Static).size.height == len(rows)
