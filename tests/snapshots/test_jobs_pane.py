"""Pin the Jobs pane's look with a fake service: three jobs in different states and the gauge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.widgets import Input

from apex_tui.core.backfill import JobView, RequestView
from apex_tui.jobs.pacer import PacingBudget, WindowBudget
from apex_tui.jobs.spec import BackfillSpec
from tests.tui.test_jobs_pane import JobsApp

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def view(job_id: str, status: str, settled: int, **kw: Any) -> JobView:
    values: dict[str, Any] = {
        "id": job_id,
        "description": "AAPL,MSFT 1 min TRADES 2026-11-02..2026-11-06 RTH",
        "status": status,
        "waiting": False,
        "requests": 10,
        "settled": settled,
        "done": settled,
        "gaps": 0,
        "failed": 0,
        "bars_written": settled * 390,
        "retries": 0,
        "pacing_violations": 0,
        "disconnects": 0,
        "errors": (),
        "gap_sessions": (),
        "eta_s": 95.0,
        "created_at": T0,
    }
    values.update(kw)
    return JobView(**values)


class FakeFeed:
    version = 1

    def jobs(self) -> list[JobView]:
        return [
            view("a1", "running", 4),
            view(
                "b2",
                "running",
                7,
                waiting=True,
                disconnects=1,
                description="SPY 5 mins TRADES 2026-10-01..2026-10-31 all hours",
                errors=("SPY: disconnected (not connected to the gateway); waiting",),
                eta_s=3_725.0,
            ),
            view(
                "c3", "complete", 10, gaps=1, done=9, eta_s=None, gap_sessions=("MSFT 2026-11-04",)
            ),
        ]

    def requests(self, job_id: str) -> list[RequestView]:
        return []

    def budget(self) -> PacingBudget:
        return PacingBudget(
            windows=(
                WindowBudget("identical", 3, 3, 15.0),
                WindowBudget("burst", 2, 5, 2.0),
                WindowBudget("rolling", 52, 60, 600.0),
            ),
            open=1,
            max_open=50,
            next_free_in=0.0,
            waiting=0,
            granted=52,
        )

    async def create(self, spec: BackfillSpec) -> object:
        raise AssertionError("not in a snapshot")

    def toggle_pause(self, job_id: str) -> str:
        return "paused"

    def cancel(self, job_id: str) -> None:
        return None


def test_jobs_pane(snap_compare: Any) -> None:
    app = JobsApp(FakeFeed())
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=(90, 22))


def test_jobs_pane_empty(snap_compare: Any) -> None:
    app = JobsApp(None)
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=(60, 8))


def test_backfill_form_errors(snap_compare: Any) -> None:
    app = JobsApp(FakeFeed())
    app.animation_level = "none"

    async def fill(pilot: Any) -> None:
        await pilot.press("b")
        form = app.screen
        for field in form.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the snapshot flaky
        form.query_one("#form-symbols", Input).value = "AAPL,,BAD/X"
        form.query_one("#form-bar-size", Input).value = "7 mins"
        form.query_one("#form-start", Input).value = "2026-13-01"
        form.query_one("#form-end", Input).value = "2027-01-05"
        await pilot.press("enter")

    assert snap_compare(app, terminal_size=(90, 32), run_before=fill)
