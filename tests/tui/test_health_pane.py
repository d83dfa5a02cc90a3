"""The Health pane: cursor keys move the selection, enter opens that check's history."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from rich.table import Table
from textual.widgets import Static

from apex_tui.health.model import CheckResult, Status
from apex_tui.tui.panes.health import HealthPane
from apex_tui.tui.screens.health_detail import HealthDetailScreen
from tests.tui.health_fixtures import T0, HealthApp, filled_board


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


async def test_a_new_round_redraws_without_a_layout_unless_checks_come_or_go() -> None:
    board = filled_board()
    app = HealthApp(board)
    async with app.run_test(size=(80, 16)) as pilot:
        pane = app.query_one(HealthPane)
        table = pane.query_one("#health-table", Static)
        await pilot.pause()
        layouts: list[bool] = []
        update = Static.update

        def spy(widget: Static, content: Any = "", *, layout: bool = True) -> None:
            if widget is table:
                layouts.append(layout)
            update(widget, content, layout=layout)

        later = T0 + timedelta(minutes=5)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Static, "update", spy)
            for result in board.results():  # the same seven checks, new values
                board.record(replace(result, value=f"{result.value}!", time=later))
            pane.pull()
            assert layouts == [False], "a round with the same checks needs no screen layout"
            board.record(CheckResult("clock", Status.HEALTHY, "ok", "", later, 0.0))
            pane.pull()
            assert layouts == [False, True], "an eighth check makes the table taller"
        await pilot.pause()
        assert table.size.height == 8
