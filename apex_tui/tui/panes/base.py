"""The frame every pane shares: a numbered title, focus, and an honest empty state."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
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

    def compose(self) -> ComposeResult:
        yield Static(self.EMPTY, classes="empty-state")

    def focus_target(self) -> Widget:
        """The widget that takes focus when the pane's number key is pressed."""
        return self

    def set_empty(self, message: str) -> None:
        """Show `message` as the pane's empty state."""
        self.query_one(".empty-state", Static).update(message)
