"""The Health pane: cursor keys move the selection, enter opens that check's history."""

from __future__ import annotations

from rich.table import Table
from textual.widgets import Static

from apex_tui.tui.panes.health import HealthPane
from apex_tui.tui.screens.health_detail import HealthDetailScreen
from tests.tui.health_fixtures import HealthApp, filled_board


async def test_enter_opens_the_selected_checks_history() -> None:
    app = HealthApp(filled_board())
    async with app.run_test(size=(80, 16)) as pilot:
        pane = app.query_one(HealthPane)
        await pilot.pause()
        assert pane.has_focus
        await pilot.press("down", "j", "k")
        selected = pane.selected()
        assert selected is not None and selected.name == "data farms"
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HealthDetailScreen)
        header, history = screen.query(Static)
        shown = [str(header.content)]
        assert shown[0].startswith("[b]data farms[/b]: DEGRADED · 1 down")
        assert "down: ushmds" in shown[0]
        # Newest first: three DEGRADED rounds then HEALTHY ones, ten in all.
        table = history.content
        assert isinstance(table, Table)
        rows = list(table.columns[1].cells)
        assert rows == ["DEGRADED"] * 3 + ["HEALTHY"] * 7
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HealthDetailScreen)
        assert pane.has_focus


async def test_cursor_stays_inside_the_list() -> None:
    app = HealthApp(filled_board())
    async with app.run_test(size=(80, 16)) as pilot:
        pane = app.query_one(HealthPane)
        await pilot.press("up")
        assert pane.cursor == 0
        await pilot.press(*["down"] * 12)
        selected = pane.selected()
        assert pane.cursor == 6 and selected is not None and selected.name == "event loop"
