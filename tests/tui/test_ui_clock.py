"""The one UI clock: every periodic UI job on a single timer, slow jobs on the fast ticks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from apex_tui.tui.panes.polling import Polling
from apex_tui.tui.ui_clock import Callback, Job, UiClock, ui_clock
from tests.integration.sim.conftest import until
from tests.tui.conftest import SIZE, make_app


@dataclass
class FakeTimers:
    """Records the timers a clock starts and stops, and keeps the time by hand."""

    now: float = 0.0
    started: list[float] = field(default_factory=list)
    running: list[float] = field(default_factory=list)

    def start(self, period: float, _tick: Callback) -> FakeTimers.Handle:
        self.started.append(period)
        self.running.append(period)
        return FakeTimers.Handle(self, period)

    @dataclass
    class Handle:
        timers: FakeTimers
        period: float

        def stop(self) -> None:
            self.timers.running.remove(self.period)


def test_one_timer_at_the_shortest_period() -> None:
    timers = FakeTimers()
    clock = UiClock(timers.start, lambda: timers.now)
    slow = clock.every(0.5, lambda: None)
    assert timers.running == [0.5]
    fast = clock.every(0.1, lambda: None)
    clock.every(0.25, lambda: None)
    assert timers.running == [0.1] and clock.period == 0.1
    fast.cancel()
    assert timers.running == [0.25]
    clock.cancel(slow)
    assert timers.running == [0.25] and len(clock.jobs) == 1
    assert timers.started == [0.5, 0.1, 0.25]


def test_slow_jobs_run_on_the_fast_ticks_at_their_own_rate() -> None:
    timers = FakeTimers()
    clock = UiClock(timers.start, lambda: timers.now)
    runs: Counter[str] = Counter()
    ticks_with_runs: list[set[str]] = []
    for name, period in (("fast", 0.1), ("quarter", 0.25), ("half", 0.5), ("second", 1.0)):
        clock.every(period, lambda name=name: runs.update([name]))  # type: ignore[misc]
    # 10 s of ticks that fire up to 10 ms early or late, as a loaded loop's timers do.
    for i in range(100):
        timers.now = i * 0.1 + (0.01 if i % 3 == 0 else -0.01 if i % 3 == 1 else 0.0)
        before = runs.copy()
        clock.tick()
        ticks_with_runs.append({k for k in runs if runs[k] != before[k]})
    assert runs["fast"] == 100
    assert runs["half"] == 20 and runs["second"] == 10  # no tick slipped to the next one
    assert 38 <= runs["quarter"] <= 42
    # Every slow run shares its tick (hence its frame) with a fast one.
    assert all("fast" in ran for ran in ticks_with_runs)


def test_a_late_clock_does_not_replay_missed_runs() -> None:
    timers = FakeTimers()
    clock = UiClock(timers.start, lambda: timers.now)
    runs: list[float] = []
    clock.every(0.5, lambda: runs.append(timers.now))
    clock.tick()
    timers.now = 5.0  # the loop was blocked for 5 s
    clock.tick()
    clock.tick()
    assert runs == [0.0, 5.0]


def test_a_job_cancelled_by_another_in_the_same_tick_does_not_run() -> None:
    timers = FakeTimers()
    clock = UiClock(timers.start, lambda: timers.now)
    ran: list[str] = []
    second = None

    def first() -> None:
        ran.append("first")
        assert second is not None
        second.cancel()

    clock.every(0.1, first)
    second = clock.every(0.1, lambda: ran.append("second"))
    clock.tick()
    assert ran == ["first"]


def test_period_must_be_positive() -> None:
    clock = UiClock(FakeTimers().start)
    with pytest.raises(ValueError, match="must be positive"):
        clock.every(0.0, lambda: None)


async def test_the_cockpit_runs_every_pull_on_one_timer() -> None:
    """Panes, header, alert drains and the config watch: one clock, no timers of their own."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # isinstance, not query(Polling): a query matches CSS type names, which follow first bases
        every_polling = [w for w in app.query("*") if isinstance(w, Polling)]
        assert [w for w in every_polling if w._timers] == []
        pollers = [w for w in every_polling if w.poll_period is not None]
        assert {type(w).__name__ for w in pollers} >= {
            "SignalsPane", "RiskPane", "PositionsPane", "HealthPane", "JobsPane", "LogPane",
            "StatusBar",
        }  # fmt: skip
        clock = ui_clock(app)
        jobs = set(clock.jobs)
        assert {w._poll_job for w in pollers} <= jobs
        assert len(jobs) >= len(pollers) + 2  # plus the alert drain and the error notices
        assert clock.period == app.engine.settings.ui.refresh_ms / 1000


class Poller(Polling, Static):
    def __init__(self) -> None:
        super().__init__("")
        self.pulls = 0

    def on_mount(self) -> None:
        self.poll_every(0.05, self.pull)

    def pull(self) -> None:
        self.pulls += 1


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Poller()

    def parts(self) -> tuple[Poller, UiClock, Job]:
        """The poller, the clock and the poller's job on it."""
        poller = self.query_one(Poller)
        job = poller._poll_job
        assert job is not None
        return poller, ui_clock(self), job


async def test_a_removed_widget_stops_pulling() -> None:
    app = Host()
    async with app.run_test():
        poller, clock, job = app.parts()
        assert job in clock.jobs
        await until(lambda: poller.pulls >= 2, what="pulls on the clock's own timer")
        await poller.remove()
        assert job not in clock.jobs and clock.period == 0
        pulls = poller.pulls
        clock.tick()
        assert poller.pulls == pulls


async def test_a_widget_being_removed_is_not_pulled() -> None:
    """Removal takes a widget's children first; a pull in between would find them gone."""
    app = Host()
    async with app.run_test():
        poller, clock, job = app.parts()
        removal = poller.remove()  # marks it (and its children) as being removed at once
        pulls = poller.pulls
        job.due = 0.0  # due now
        clock.tick()
        assert poller.pulls == pulls and job not in clock.jobs
        await removal
