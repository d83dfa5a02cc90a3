"""The band compositor sends the terminal what the stock compositor does, from fewer renders."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.segment import ControlType, Segment
from rich.style import Style
from textual._compositor import Compositor
from textual.geometry import Region
from textual.widget import Widget

from apex_tui.tui.panes.quote_table import QuoteTable
from apex_tui.tui.screens.main_screen import BandCompositor
from tests.snapshots.test_panes_with_data import attached
from tests.tui.conftest import SIZE, make_app


def _update(compositor: Compositor, dirty: list[Region]) -> list[Segment]:
    # A reflow marks the whole screen dirty (a full update): start from exactly `dirty`.
    compositor._dirty_regions.clear()
    compositor._dirty_regions.update(dirty)
    update = compositor.render_update()
    assert update is not None
    console = Console(width=SIZE[0], height=SIZE[1], color_system="truecolor")
    return list(update.__rich_console__(console, console.options))


def _painted(segments: list[Segment]) -> dict[tuple[int, int], tuple[str, Style | None]]:
    """The cells an update writes, as a terminal would apply it: (x, y) -> (text, style).

    Compared instead of the segments: the stock update can carry a cursor move that writes
    nothing (a chop starting where a span ends), which a leaner render leaves out.
    """
    cells: dict[tuple[int, int], tuple[str, Style | None]] = {}
    x = y = 0
    for segment in segments:
        if segment.control:
            for control in segment.control:
                if control[0] == ControlType.CURSOR_MOVE_TO:
                    x, y = int(control[1]), int(control[2])
            continue
        for char in segment.text:
            if char == "\n":
                x, y = 0, y + 1
            else:
                cells[(x, y)] = (char, segment.style)
                x += 1
    return cells


async def test_partial_updates_match_the_stock_compositor_span_by_span() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await attached(pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen._compositor, BandCompositor)
        quotes = app.query_one("#quotes").region
        table = app.query_one(QuoteTable).region
        right = app.query_one("#health").region
        width, height = SIZE
        cases = [
            [Region(quotes.x + 1, quotes.y + 3, quotes.width - 2, 1)],  # one Quotes row
            [Region(quotes.x, quotes.y + 3, quotes.width, 1)],  # the row and the pane's border
            [Region(quotes.x + 5, quotes.y + 3, 7, 2)],  # part of two rows, mid-widget
            # A row (covered by the table) and a cell of the pane's border (not covered).
            [Region(table.x, table.y + 2, table.width, 1), Region(quotes.x, quotes.y + 6, 1, 1)],
            [Region(quotes.x + 1, quotes.y + 3, quotes.width - 2, 1), Region(0, 0, 3, 1)],
            [Region(quotes.x + 1, quotes.y + y, quotes.width - 2, 1) for y in (2, 5, 9)],
            [Region(quotes.x + 1, quotes.y + 2, 20, 1), Region(width - 25, 0, 25, 1)],  # + clock
            [Region(right.x, right.y, right.width, 2)],  # a pane in the right column
            [Region(quotes.right - 3, quotes.y + 4, 10, 3)],  # across the two columns
            [Region(0, 0, width, height)],  # the whole screen
        ]
        for dirty in cases:
            stock, band = Compositor(), BandCompositor()
            for c in (stock, band):
                c.reflow(screen, screen.size)
            painted = _painted(_update(band, dirty))
            assert painted, dirty
            assert painted == _painted(_update(stock, dirty)), dirty


async def test_a_quotes_row_update_does_not_render_the_panes_beside_it(monkeypatch: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        quotes = app.query_one("#quotes").region
        rendered: list[str] = []
        original = Widget.render_lines

        def spy(self: Widget, crop: Region) -> Any:
            if self.id in {"health", "signals", "risk", "jobs"}:
                rendered.append(self.id or "")
            return original(self, crop)

        monkeypatch.setattr(Widget, "render_lines", spy)
        row = [Region(quotes.x + 1, quotes.y + 3, quotes.width - 2, 1)]
        stock = Compositor()
        stock.reflow(screen, screen.size)
        _update(stock, row)
        assert rendered  # the stock compositor renders the right-hand panes too
        rendered.clear()
        band = BandCompositor()
        band.reflow(screen, screen.size)
        _update(band, row)
        assert rendered == []


async def test_a_quotes_row_update_renders_only_the_table_in_front(monkeypatch: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await attached(pilot)
        await pilot.pause()
        screen = app.screen
        table = app.query_one(QuoteTable)
        rendered: list[str] = []
        original = Widget.render_lines

        def spy(self: Widget, crop: Region) -> Any:
            rendered.append(type(self).__name__)
            return original(self, crop)

        monkeypatch.setattr(Widget, "render_lines", spy)
        area = table.content_region
        row = [Region(area.x, area.y + 2, area.width, 1)]
        stock = Compositor()
        stock.reflow(screen, screen.size)
        _update(stock, row)
        # Behind the row: its pane, the grid of panes and the screen, each rendered in vain.
        assert {"QuotesPane", "MainScreen"} <= set(rendered)
        rendered.clear()
        band = BandCompositor()
        band.reflow(screen, screen.size)
        _update(band, row)
        assert rendered == ["QuoteTable"]
