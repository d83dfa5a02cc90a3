"""HealthBoard: the latest result of every check, its recent history, and status changes."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from apex_tui.health.model import CheckResult, Status, worst

TransitionListener = Callable[[CheckResult, Status | None], None]


class HealthBoard:
    """Store for the Health pane, the header and the `health` command."""

    def __init__(self, history: int = 120) -> None:
        self._latest: dict[str, CheckResult] = {}
        self._history: dict[str, deque[CheckResult]] = {}
        self._keep = history
        self._listeners: list[TransitionListener] = []
        self.version = 0

    def on_transition(self, listener: TransitionListener) -> None:
        """Call `listener(result, previous_status)` whenever a check's status changes
        (previous_status is None on its first result). The journal hooks in here."""
        self._listeners.append(listener)

    def record(self, result: CheckResult) -> None:
        previous = self._latest.get(result.name)
        self._latest[result.name] = result
        self._history.setdefault(result.name, deque(maxlen=self._keep)).append(result)
        self.version += 1
        if previous is None or previous.status != result.status:
            for listener in self._listeners:
                listener(result, None if previous is None else previous.status)

    def results(self) -> list[CheckResult]:
        """Latest result per check, in the order checks first reported."""
        return list(self._latest.values())

    def history(self, name: str) -> list[CheckResult]:
        return list(self._history.get(name, ()))

    @property
    def overall(self) -> Status:
        return worst(self.results())
