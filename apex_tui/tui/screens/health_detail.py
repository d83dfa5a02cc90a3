"""One health check in detail: its message now and its recent history."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from apex_tui.health.model import CheckResult
from apex_tui.tui.screens.cockpit_modal import CockpitModal


class HealthDetailScreen(CockpitModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Close", tooltip="Close the check's details"),
    ]

    def __init__(self, result: CheckResult, history: list[CheckResult]) -> None:
        super().__init__()
        self._result = result
        self._history = history

    def compose(self) -> ComposeResult:
        r = self._result
        table = Table(box=None, expand=True, header_style="bold")
        for title in ("time (UTC)", "status", "value", "message"):
            table.add_column(title)
        for h in reversed(self._history[-30:]):
            table.add_row(h.time.strftime("%H:%M:%S"), h.status.label, h.value, h.message)
        with VerticalScroll(id="health-detail"):
            yield Static(f"[b]{r.name}[/b]: {r.status.label} · {r.value}\n{r.message}\n")
            yield Static(table)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
