"""The Jobs pane over a real BackfillService (fake source, gated requests): the form validates
and starts a job, progress moves, `p` pauses and resumes, `c` cancels after a confirmation."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

import apex_tui.tui
from apex_tui.core.backfill import BackfillService
from apex_tui.jobs.settings import JobsSettings
from apex_tui.jobs.source import BarRequest, BarRow
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from apex_tui.tui.panes.jobs import JobsFeed, JobsPane
from apex_tui.tui.screens.backfill_form import BackfillForm
from apex_tui.tui.screens.confirm import ConfirmScreen
from apex_tui.tui.screens.job_detail import JobDetailScreen
from apex_tui.tui.theme_loader import APP_VARIABLES
from tests.unit.jobs.fakes import bars_for

TODAY = date(2026, 11, 20)


class GatedSource:
    """Answers one request per `release()`: the test decides when progress moves."""

    def __init__(self) -> None:
        self.gate = asyncio.Semaphore(0)
        self.calls = 0

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.gate.release()

    async def wait_connected(self) -> None:
        return None

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        self.calls += 1
        await self.gate.acquire()
        return bars_for(req)


class JobsApp(App[None]):
    CSS_PATH = str(Path(apex_tui.tui.__file__).parent / "styles" / "app.tcss")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def __init__(self, feed: JobsFeed | None) -> None:
        super().__init__()
        self.feed = feed

    def compose(self) -> ComposeResult:
        yield JobsPane(id="jobs", refresh_s=0.05, today=lambda: TODAY)

    def on_mount(self) -> None:
        pane = self.query_one(JobsPane)
        if self.feed is not None:
            pane.attach(self.feed)
        pane.focus()


def plain(widget: Static, width: int = 100) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def until(cond: Callable[[], bool], pilot: object, within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not met before the deadline")
        await pilot.pause(0.01)  # type: ignore[attr-defined]


async def test_new_job_progress_pause_resume_cancel(tmp_path: Path) -> None:
    lake = Lake.open(DataSettings(dir=str(tmp_path / "lake")))
    source = GatedSource()
    settings = JobsSettings(state_dir=str(tmp_path / "jobs"), concurrency=1, flush_rows=1)
    service = BackfillService(settings, lake.bars, source)
    await service.start()
    app = JobsApp(service)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(JobsPane)
        table = pane.query_one("#jobs-table", Static)
        assert pane.query_one(".empty-state", Static).display
        assert "press b to backfill" in str(pane.query_one(".empty-state", Static).content)

        # The form refuses a bad symbol and a reversed range, each under its field.
        await pilot.press("b")
        form = app.screen
        assert isinstance(form, BackfillForm)
        form.query_one("#form-symbols", Input).value = "AAPL,../etc"
        form.query_one("#form-start", Input).value = "2026-11-06"
        form.query_one("#form-end", Input).value = "2026-11-02"
        await pilot.press("enter")
        assert isinstance(app.screen, BackfillForm)
        symbols_error = str(form.query_one("#form-symbols-error", Static).content)
        assert "'../etc' contains '..'" in symbols_error
        assert "before the first" in str(form.query_one("#form-end-error", Static).content)
        assert str(form.query_one("#form-bar-size-error", Static).content) == ""
        form.query_one("#form-symbols", Input).value = "aapl, MSFT"
        form.query_one("#form-start", Input).value = "2026-11-02"
        form.query_one("#form-end", Input).value = "2026-11-06"
        await pilot.pause()
        assert str(form.query_one("#form-symbols-error", Static).content) == ""  # live re-check
        await pilot.press("enter")

        # The job appears, running, nothing settled yet.
        await until(lambda: len(service.jobs()) == 1, pilot)
        job = service.jobs()[0]
        assert (job.requests, job.status) == (10, "running")
        await until(lambda: "req 0/10" in plain(table), pilot)
        assert "AAPL,MSFT 1 min TRADES 2026-11-02..2026-11-06 RTH" in plain(table)
        assert not pane.query_one(".empty-state", Static).display

        # Progress moves as requests are answered.
        source.release(3)
        await until(lambda: "req 3/10" in plain(table), pilot)
        assert " 30%" in plain(table)

        # p pauses: the request in flight may finish, no new one is sent.
        await pilot.press("p")
        assert service.jobs()[0].status == "paused"
        await until(lambda: "paused" in plain(table), pilot)
        source.release(5)
        await until(lambda: service.jobs()[0].settled == 4, pilot)
        calls = source.calls
        await pilot.pause(0.1)
        assert source.calls == calls and service.jobs()[0].settled == 4

        # p again resumes.
        await pilot.press("p")
        await until(lambda: service.jobs()[0].settled >= 5, pilot)
        assert service.jobs()[0].status == "running"

        # enter shows the requests.
        await pilot.press("enter")
        assert isinstance(app.screen, JobDetailScreen)
        await pilot.press("escape")

        # c asks first; n keeps the job, y cancels it.
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert service.jobs()[0].status == "running"
        await pilot.press("c", "y")
        await until(lambda: service.jobs()[0].status == "cancelled", pilot)
        await until(lambda: "cancelled" in plain(table), pilot)
        assert "ETA" not in plain(table)
    await service.stop()
    assert lake.bars.read_bars("AAPL", "1 min")["time"].n_unique() >= 390


async def test_without_a_service_the_keys_say_why(tmp_path: Path) -> None:
    app = JobsApp(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert not isinstance(app.screen, BackfillForm)
        assert any("connector" in n.message for n in app._notifications)
