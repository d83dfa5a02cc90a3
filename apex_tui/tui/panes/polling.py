"""The refresh timer every live widget pulls its store on, changeable at run time
(config hot reload of `ui.refresh_ms`)."""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget


class Polling(Widget):
    """Mixin for widgets that pull from a store on a timer."""

    _poll_timer: Timer | None = None
    _poll_callback: Callable[[], object] | None = None

    def poll_every(self, seconds: float, callback: Callable[[], object]) -> None:
        """Call `callback` every `seconds` (replacing any previous timer)."""
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_callback = callback
        self._poll_timer = self.set_interval(seconds, callback)

    def set_refresh(self, seconds: float) -> None:
        """Keep the callback, change the period."""
        if self._poll_callback is not None:
            self.poll_every(seconds, self._poll_callback)
