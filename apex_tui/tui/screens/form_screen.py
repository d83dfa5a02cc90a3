"""What the backfill forms share: submit checks every field, shows each problem under its
field and moves focus to the first bad one; once problems were shown they stay current as the
trader types; escape cancels. Subclasses say how to validate (returning the result, or None
with the problems shown)."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from apex_tui.tui.screens.cockpit_modal import CockpitModal

R = TypeVar("R")


class FormScreen(CockpitModal[R | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without starting a job"),
        Binding("ctrl+s", "submit", "Start", tooltip="Start the job"),
    ]
    _checked = False  # problems were shown once: re-check on every edit

    def validate_all(self) -> R | None:
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._checked:
            self.validate_all()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        self._checked = True
        result = self.validate_all()
        if result is not None:
            self.dismiss(result)
            return
        invalid = self.query("Input.-invalid")
        if invalid:
            invalid.first().focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
