"""The frame every pane shares: a numbered title, focus, and an honest empty state."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static

from apex_tui.tui.panes.polling import Polling


class Pane(Polling, Vertical, can_focus=True):
    """A titled, focusable pane. Subclasses set TITLE and NUMBER and override `body`."""

    TITLE: ClassVar[str] = ""
    NUMBER: ClassVar[int] = 0
    EMPTY: ClassVar[str] = "Nothing to show"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = f"{self.NUMBER} {self.TITLE}"
        self._heights: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        yield Static(self.EMPTY, classes="empty-state")

    def focus_target(self) -> Widget:
        """The widget that takes focus when the pane's number key is pressed."""
        return self

    def set_empty(self, message: str) -> None:
        """Show `message` as the pane's empty state."""
        empty = self.query_one(".empty-state", Static)
        self._heights.pop(id(empty), None)  # its height is not known: `show` lays out next time
        empty.update(message)

    def show(self, widget: Static, content: VisualType, lines: int) -> None:
        """Put `content` in `widget`; lay the screen out again only if its height changed.

        `lines` is how many lines `content` renders to (tables built with no_wrap columns: one
        line per row plus the header). A layout pass arranges the whole screen (~4 ms at
        120x40), and the Positions pane redraws with every mark, several times a second.
        """
        layout = self._heights.get(id(widget)) != lines
        self._heights[id(widget)] = lines
        widget.update(content, layout=layout)
