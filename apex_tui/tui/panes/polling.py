"""The refresh timer every live widget pulls its store on, changeable at run time
(config hot reload of `ui.refresh_ms`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.timer import Timer
from textual.widget import Widget


class Polling(Widget):
    """Mixin for widgets that pull from a store on a timer."""

    # The shortest period this widget polls at, whatever `ui.refresh_ms` says: panes whose
    # content moves slowly need not pull ten times a second.
    MIN_POLL_S: ClassVar[float] = 0.0
    _poll_timer: Timer | None = None
    _poll_callback: Callable[[], object] | None = None

    def poll_every(self, seconds: float, callback: Callable[[], object]) -> None:
        """Call `callback` every `seconds` (replacing any previous timer)."""
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_callback = callback
        self._poll_timer = self.set_interval(max(seconds, self.MIN_POLL_S), callback)

    def set_refresh(self, seconds: float) -> None:
        """Keep the callback, change the period (never below MIN_POLL_S)."""
        if self._poll_callback is not None:
            self.poll_every(seconds, self._poll_callback)
