"""A yes/no confirmation for actions that should never happen by accident."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from apex_tui.tui.screens.cockpit_modal import CockpitModal


class ConfirmScreen(CockpitModal[bool]):
    """Shows a question and the reasons; `y` confirms, `n` or `escape` cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", tooltip="Confirm"),
        Binding("n,escape", "answer(False)", "No", tooltip="Cancel"),
    ]

    def __init__(self, question: str, details: list[str] | None = None) -> None:
        super().__init__()
        self._question = question
        self._details = details or []

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self._question, id="confirm-question")
            for line in self._details:
                yield Static(f"• {line}", classes="confirm-detail")
            yield Static("[b]y[/b] yes   [b]n[/b] no", id="confirm-keys")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
