"""The Quotes table against a real QuoteBook: rows appear, update, sort, filter, go stale."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.style import Style
from textual.app import App, ComposeResult
from textual.strip import Strip

import apex_tui.tui
from apex_tui.domain.clock import FixedClock
from apex_tui.domain.quotes import Tick
from apex_tui.market.quotebook import QuoteBook
from apex_tui.tui import strip_cycles
from apex_tui.tui.panes.quote_columns import SPARK_CHARS, sparkline
from apex_tui.tui.panes.quote_table import FULL_EVERY, FULL_SLACK, QuoteTable, _cut
from apex_tui.tui.theme_loader import APP_VARIABLES

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def tick(symbol: str, last: float, when: datetime = T0, volume: float = 1000) -> Tick:
    return Tick(when, symbol, last - 0.01, last + 0.01, last, 100, 200, 10, volume)


class TableApp(App[None]):
    CSS_PATH = str(Path(apex_tui.tui.__file__).parent / "styles" / "app.tcss")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def __init__(self, book: QuoteBook, clock: FixedClock, notes: dict[str, str]) -> None:
        super().__init__()
        self.book, self.clock, self.notes = book, clock, notes

    def compose(self) -> ComposeResult:
        yield QuoteTable(
            self.book,
            now=self.clock.now,
            monotonic=self.clock.monotonic,
            spark=lambda s: [1.0, 2.0, 3.0],
            notes=lambda: self.notes,
            refresh_s=60,  # the test pulls by hand
        )


def line_text(table: QuoteTable, y: int) -> str:
    return table.render_line(y).text


async def test_rows_update_sort_and_filter() -> None:
    book, clock = QuoteBook(), FixedClock(T0)
    book.apply(tick("MSFT", 415.00, volume=2_500_000), close=410.0)
    book.apply(tick("AAPL", 229.50), close=230.0)
    app = TableApp(book, clock, {})
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(QuoteTable)
        table.focus()
        await pilot.pause()
        assert table.symbols == ["MSFT", "AAPL"]
        header = line_text(table, 0)
        assert "Symbol" in header and "Last" in header
        msft = line_text(table, 1)
        assert "MSFT" in msft and "415.00" in msft and "+5.00" in msft and "2.5M" in msft
        assert "▁▅█" in msft  # sparkline of 1, 2, 3

        book.apply(tick("MSFT", 416.25, T0 + timedelta(seconds=1)))
        table.pull()
        assert "416.25" in line_text(table, 1)

        # Sort by Last (column 3): largest first, then flip.
        await pilot.press("right", "right", "right", "s")
        assert table.symbols == ["MSFT", "AAPL"]
        await pilot.press("s")
        assert table.symbols == ["AAPL", "MSFT"]
        assert "Last▲" in line_text(table, 0)

        table.set_filter("aa")
        assert table.symbols == ["AAPL"]
        table.set_filter("")
        assert set(table.symbols) == {"AAPL", "MSFT"}


async def test_new_and_removed_symbols_and_notes() -> None:
    book, clock = QuoteBook(), FixedClock(T0)
    book.apply(tick("AAPL", 229.50))
    notes: dict[str, str] = {}
    app = TableApp(book, clock, notes)
    async with app.run_test(size=(100, 10)):
        table = app.query_one(QuoteTable)
        book.track("ZZZZ")
        notes["ZZZZ"] = "not streaming: market data line budget (100) reached"
        table.pull()
        assert table.symbols == ["AAPL", "ZZZZ"]
        assert "line budget" in line_text(table, 2)
        book.remove("AAPL")
        table.pull()
        assert table.symbols == ["ZZZZ"]


async def test_age_and_stale_rows() -> None:
    book, clock = QuoteBook(), FixedClock(T0, mono=100.0)
    book.apply(tick("AAPL", 229.50))
    app = TableApp(book, clock, {})
    async with app.run_test(size=(100, 10)):
        table = app.query_one(QuoteTable)
        clock.advance(75)
        book.mark_stale(clock.now(), threshold=30)
        table.pull()
        row = table.render_line(1)
        assert row.text.rstrip().endswith("1m")
        styles = {seg.style for seg in row if seg.text.strip()}
        assert any(style and style.dim for style in styles)


async def test_ages_move_with_the_next_data_frame_or_a_quarter_second_late() -> None:
    book, clock = QuoteBook(), FixedClock(T0, mono=100.0)
    book.apply(tick("QUIET", 10.0))
    book.apply(tick("BUSY", 20.0))
    app = TableApp(book, clock, {})
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(QuoteTable)
        app.set_focus(None)  # a focused table redraws its cursor row every time
        await pilot.pause()

        def row(symbol: str) -> str:
            return line_text(table, table.symbols.index(symbol) + 1).rstrip()

        table.pull()
        assert row("QUIET").endswith(" 0s")
        clock.advance(FULL_EVERY + 0.1)
        table.pull()  # the redraw is due, but no row changed: it waits for one that does
        assert row("QUIET").endswith(" 0s")
        # Volume only: a new last price would flash, and the flash's end repaint the row.
        book.apply(tick("BUSY", 20.0, clock.now(), volume=2000))
        table.pull()  # BUSY's change is drawn, and QUIET's age with it
        assert row("QUIET").endswith(" 1s")
        assert "2.0K" in row("BUSY")
        # The next redraw is due a second after the last one was due, not after it was drawn.
        clock.advance(FULL_EVERY + FULL_SLACK - 0.2)
        table.pull()
        assert row("QUIET").endswith(" 1s")
        clock.advance(0.15)
        table.pull()  # no change for FULL_EVERY + FULL_SLACK: a quiet table still ages
        assert row("QUIET").endswith(" 2s")


async def test_repainted_rows_leave_no_reference_cycles() -> None:
    # Strips Textual kept in their own caches were all the cyclic garbage the app made.
    strip_cycles.install()  # as ApexApp does
    book, clock = QuoteBook(), FixedClock(T0, mono=100.0)
    symbols = [f"S{i:02d}" for i in range(8)]
    for i, symbol in enumerate(symbols):
        book.apply(tick(symbol, 10.0 + i))
    app = TableApp(book, clock, {})
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(QuoteTable)
        app.set_focus(None)
        await pilot.pause()
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for n in range(1, 11):
                for i, symbol in enumerate(symbols):
                    book.apply(tick(symbol, 10.0 + i + n / 100, clock.now()))
                table.pull()
                await pilot.pause()  # the frame that repaints the rows
            gc.collect()
            strips = [o for o in gc.garbage if isinstance(o, Strip)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert "10.10" in line_text(table, 1)  # the rows did change
        assert strips == []


def last_cell_style(table: QuoteTable, y: int, price: str) -> Style | None:
    """The style of the segment holding the Last price `price` on line `y`."""
    for seg in table.render_line(y):
        if price in seg.text:
            return seg.style
    raise AssertionError(f"{price} not on line {y}: {line_text(table, y)!r}")


async def test_last_flashes_up_and_down_then_settles_and_never_on_a_stale_price() -> None:
    book, clock = QuoteBook(), FixedClock(T0, mono=100.0)
    symbols = [f"S{i:02d}" for i in range(30)]
    for s in symbols:
        book.apply(tick(s, 10.0))
    app = TableApp(book, clock, {})
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(QuoteTable)
        await pilot.pause()
        table.pull()  # the first pull with rows on screen (the timer's job in the app)
        up, down = table._style("flash-up"), table._style("flash-down")
        assert up != down

        book.apply(tick("S01", 10.5, T0 + timedelta(seconds=1)))
        table.pull()
        assert last_cell_style(table, 2, "10.50") == table._base() + up
        clock.advance(0.5)
        book.apply(tick("S01", 10.25, T0 + timedelta(seconds=2)))
        table.pull()
        assert last_cell_style(table, 2, "10.25") == table._base() + down
        clock.advance(1.5)  # past the flash
        table.pull()
        assert last_cell_style(table, 2, "10.25") == table._base()

        # S01 (row 2; row 1 holds the cursor) scrolls off screen, moves 10.25 -> 12 -> 13
        # there, scrolls back and ticks 12.5: a down move. Against the 10.25 it last showed,
        # it would flash up.
        table.scroll_to(y=20, animate=False)
        await pilot.pause()
        table.pull()
        for price in (12.0, 13.0):
            book.apply(tick("S01", price, T0 + timedelta(seconds=3)))
            table.pull()
        table.scroll_to(y=0, animate=False)
        await pilot.pause()
        table.pull()
        book.apply(tick("S01", 12.5, T0 + timedelta(seconds=4)))
        table.pull()
        assert last_cell_style(table, 2, "12.50") == table._base() + down


# --- the row cutter: one Strip of exactly the pane's width ---------------------------------
@pytest.mark.parametrize("width", [0, 7, 40, 90, 200])
def test_rows_are_cut_or_padded_to_exactly_the_width(width: int) -> None:
    red, plain = Style(color="red"), Style()
    texts, styles = ["AAPL   ", "  190.25  ", "▁▂▃█ —…"], [plain, red, plain]
    strip = _cut(texts, styles, width, plain)
    joined = "".join(texts)
    assert strip.cell_length == width
    assert strip.text == joined[:width].ljust(width)
    # The cutter counts characters as cells: true only for one-cell glyphs.
    assert cell_len(strip.text) == width


def test_every_glyph_a_cell_can_show_is_one_cell_wide() -> None:
    glyphs = SPARK_CHARS + sparkline([1.0, 8.0], 8) + "—…▲▼"
    assert all(cell_len(ch) == 1 for ch in glyphs), glyphs
