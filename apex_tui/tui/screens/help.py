"""The help screen: every binding, grouped by where it works, generated from the bindings."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from apex_tui.flags import FlagBoard
from apex_tui.tui.key_groups import all_key_rows


class HelpScreen(ModalScreen[None]):
    """Lists every key; `escape`, `?` or `q` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", tooltip="Close the help screen"),
    ]

    def compose(self) -> ComposeResult:
        lines: list[str] = []
        group = ""
        engine = getattr(self.app, "engine", None)
        board = engine.flags if engine is not None else FlagBoard()
        for row in all_key_rows(board):
            if row.group != group:
                group = row.group
                lines.append(f"\n[b]{group}[/b]")
            lines.append(f"  [b]{row.keys:<14}[/b] {row.description}")
        with VerticalScroll(id="help-body"):
            yield Static("\n".join(lines).lstrip("\n"), id="help-text")
        yield Static("escape closes help", id="help-footer")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
