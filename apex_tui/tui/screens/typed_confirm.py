"""A confirmation that needs a phrase typed exactly: for resets and unlocks that must never
happen by a stray keypress."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from apex_tui.tui.screens.cockpit_modal import CockpitModal


class TypedConfirmScreen(CockpitModal[str | None]):
    """Returns what was typed (the caller checks it against the phrase), or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Cancel without changing anything"),
    ]

    def __init__(self, question: str, phrase: str, details: list[str] | None = None) -> None:
        super().__init__()
        self._question = question
        self._phrase = phrase
        self._details = details or []

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self._question, id="confirm-question")
            for line in self._details:
                yield Static(line, classes="confirm-detail")
            yield Static(f"Type [b]{self._phrase}[/b] and press enter (esc cancels):")
            yield Input(id="typed-confirm", compact=True)

    def on_mount(self) -> None:
        self.query_one("#typed-confirm", Input).focus()

    @on(Input.Submitted, "#typed-confirm")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
