"""One timer for every periodic UI job: pane pulls, the status bar, alerts.

Each widget with its own Textual timer woke the event loop on its own schedule: ~50 timer
events a second at 500 streaming symbols (Quotes and the log at 10 Hz, four panes at 2-4 Hz,
the header, the alert drains), and updates landing at different moments each cost a frame of
their own. On one clock every job runs on a tick of the fastest period, the slower ones on
the ticks they fall due, so what changes together is drawn in one frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from weakref import WeakKeyDictionary, ref

from textual.app import App

Callback = Callable[[], object]


class _Stoppable(Protocol):
    def stop(self) -> None: ...


# Starts a repeating timer: (period, callback) -> something to stop it with.
StartTimer = Callable[[float, Callback], _Stoppable | None]


@dataclass(eq=False)
class Job:
    """A callback run every `period` seconds (on the clock's ticks) until cancelled."""

    period: float
    callback: Callback
    due: float = 0.0
    clock: UiClock | None = field(default=None, repr=False)

    def cancel(self) -> None:
        if self.clock is not None:
            self.clock.cancel(self)


class UiClock:
    """The app's one UI timer. `every` adds a job; the timer ticks at the shortest period."""

    def __init__(self, start: StartTimer, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._start = start
        self._now = monotonic
        self._jobs: list[Job] = []
        self._timer: _Stoppable | None = None
        self._period = 0.0

    @property
    def period(self) -> float:
        """Seconds between ticks (0 while there are no jobs)."""
        return self._period

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(self._jobs)

    def every(self, seconds: float, callback: Callback) -> Job:
        """Run `callback` every `seconds` from the next tick on; cancel with `Job.cancel`."""
        if not seconds > 0:
            raise ValueError(f"a UI job's period must be positive, not {seconds!r}")
        job = Job(seconds, callback, due=self._now(), clock=self)
        self._jobs.append(job)
        self._retime()
        return job

    def cancel(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
            job.clock = None
            self._retime()

    def tick(self) -> None:
        """Run every job that is due (the timer's callback; tests call it directly)."""
        now = self._now()
        # Half a tick of slack: a 0.5 s job on a 0.1 s clock runs every fifth tick even when
        # the timer fires a little early, instead of slipping to every sixth.
        horizon = now + self._period / 2
        for job in list(self._jobs):
            if job.due <= horizon and job.clock is self:
                job.due += job.period
                if job.due <= horizon:  # late (a blocked loop): go on from now, no catching up
                    job.due = now + job.period
                job.callback()

    def _retime(self) -> None:
        period = min((job.period for job in self._jobs), default=0.0)
        if period == self._period:
            return
        self._period = period
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if period > 0:
            self._timer = self._start(period, self.tick)


_CLOCKS: WeakKeyDictionary[App[Any], UiClock] = WeakKeyDictionary()


def ui_clock(app: App[Any]) -> UiClock:
    """The clock of `app` (made on first use)."""
    clock = _CLOCKS.get(app)
    if clock is None:
        owner = ref(app)  # weak: the registry is keyed by the app, and the clock is its value

        def start(period: float, tick: Callback) -> _Stoppable | None:
            app = owner()
            return None if app is None else app.set_interval(period, tick, name="ui-clock")

        clock = _CLOCKS[app] = UiClock(start)
    return clock
