"""The help screen: every binding, grouped by where it works, generated from the bindings."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from apex_tui.flags import FlagBoard
from apex_tui.tui.key_groups import all_key_rows
from apex_tui.tui.screens.cockpit_modal import CockpitModal


class HelpScreen(CockpitModal[None]):
    """Lists every key; `escape`, `?` or `q` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", tooltip="Close the help screen"),
    ]

    def compose(self) -> ComposeResult:
        engine = getattr(self.app, "engine", None)
        board = engine.flags if engine is not None else FlagBoard()
        parts: list[RenderableType] = []
        grid: Table | None = None
        group = ""
        for row in all_key_rows(board):
            if row.group != group or grid is None:
                group = row.group
                grid = Table.grid(padding=(0, 2))
                grid.add_column(no_wrap=True, style="bold", width=14)
                grid.add_column()
                parts += [Text(""), Text(group, style="bold underline"), grid]
            grid.add_row(row.keys, row.description)
        with VerticalScroll(id="help-body"):
            yield Static(Group(*parts[1:]), id="help-text")
        yield Static("escape closes help", id="help-footer")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
