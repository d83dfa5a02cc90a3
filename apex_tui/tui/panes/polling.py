"""The refresh every live widget pulls its store on, changeable at run time (config hot
reload of `ui.refresh_ms`). The pulls run on the app's one UI clock (`tui/ui_clock.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.widget import Widget

from apex_tui.tui.ui_clock import Job, ui_clock


class Polling(Widget):
    """Mixin for widgets that pull from a store on a timer."""

    # The shortest period this widget polls at, whatever `ui.refresh_ms` says: panes whose
    # content moves slowly need not pull ten times a second.
    MIN_POLL_S: ClassVar[float] = 0.0
    _poll_job: Job | None = None
    _poll_callback: Callable[[], object] | None = None

    @property
    def poll_period(self) -> float | None:
        """Seconds between pulls (None when not polling)."""
        return self._poll_job.period if self._poll_job is not None else None

    def poll_every(self, seconds: float, callback: Callable[[], object]) -> None:
        """Call `callback` every `seconds` (replacing any previous schedule)."""
        self._stop_polling()
        self._poll_callback = callback
        self._poll_job = ui_clock(self.app).every(max(seconds, self.MIN_POLL_S), self._poll)

    def set_refresh(self, seconds: float) -> None:
        """Keep the callback, change the period (never below MIN_POLL_S)."""
        if self._poll_callback is not None:
            self.poll_every(seconds, self._poll_callback)

    def _poll(self) -> None:
        # The clock is the app's: it ticks on while this widget is being removed (its children
        # may be gone already), where a timer of the widget's own would have been stopped.
        if self._pruning or self._closing or self._closed:
            self._stop_polling()
        elif self._poll_callback is not None:
            self._poll_callback()

    def _stop_polling(self) -> None:
        if self._poll_job is not None:
            self._poll_job.cancel()
            self._poll_job = None

    def _on_unmount(self) -> None:
        # Textual stops a widget's own timers when it goes; a job on the app's clock is not
        # the widget's, so it is cancelled here.
        self._stop_polling()
