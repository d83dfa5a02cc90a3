"""The Jobs pane: each backfill job with its progress, state, requests, bars, ETA and errors,
and a gauge of IB's three historical pacing windows. `b` new job, `o` new option job, `p`
pause/resume, `c` cancel (asks first), `enter` details. Pulls from the BackfillService on a
timer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import ClassVar, Protocol

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from apex_tui.core.backfill import JobView, RequestView
from apex_tui.domain.errors import ApexError
from apex_tui.jobs.option_spec import OptionBackfillSpec
from apex_tui.jobs.pacer import PacingBudget, WindowBudget
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.tui.panes.base import Pane
from apex_tui.tui.panes.quote_table import QuoteTable

_STATE_VAR = {
    "running": "state-ok",
    "complete": "state-ok",
    "pending": "stale",
    "paused": "state-warn",
    "waiting": "state-warn",
    "failed": "state-bad",
    "cancelled": "stale",
}
# Short labels: the pane is narrow; help and docs explain IB's three windows in full.
_WINDOW_LABEL = {"identical": "same req", "burst": "contract", "rolling": "all"}


class JobsFeed(Protocol):
    """What the pane reads and commands (BackfillService implements it)."""

    version: int

    def jobs(self) -> list[JobView]: ...
    def requests(self, job_id: str) -> list[RequestView]: ...
    def budget(self) -> PacingBudget | None: ...
    async def create(self, spec: BackfillSpec | OptionBackfillSpec) -> object: ...
    def toggle_pause(self, job_id: str) -> str: ...
    def cancel(self, job_id: str) -> None: ...


def bar(fraction: float, width: int = 12) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def duration(seconds: float | None) -> str:
    """A short human duration: '45s', '3m20s', '2h05m'; '—' when unknown."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def window_span(seconds: float) -> str:
    return duration(seconds) if seconds >= 1 else f"{seconds * 1000:.0f}ms"


class JobsPane(Pane):
    TITLE = "Jobs"
    NUMBER = 6
    EMPTY = "No jobs.\npress b to backfill"
    MIN_POLL_S: ClassVar[float] = 0.5
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("b", "new_job", "Backfill", tooltip="Start a new backfill job"),
        Binding(
            "o",
            "new_option_job",
            "Options",
            tooltip="Start an option backfill job (expiries, strikes, rights of a chain)",
        ),
        Binding("p", "pause_resume", "Pause/resume", tooltip="Pause or resume the selected job"),
        Binding("c", "cancel_job", "Cancel job", tooltip="Cancel the selected job (asks first)"),
        Binding("enter", "details", "Details", tooltip="Requests and gaps of the selected job"),
    ]

    def _default_symbols(self) -> list[str]:
        """The first watchlist symbols, when the host app has a connector (a hint, not a rule)."""
        engine = getattr(self.app, "engine", None)
        connector = getattr(engine, "connector", None)
        return list(getattr(connector, "watchlist", []) or [])

    def _selected_symbol(self) -> str | None:
        """The symbol under the Quotes cursor, when the Quotes table shares this screen."""
        for table in self.screen.query(QuoteTable):
            return table.selected
        return None

    def __init__(
        self,
        *,
        id: str | None = None,
        refresh_s: float = 0.5,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(id=id)
        self._feed: JobsFeed | None = None
        self._refresh_s = refresh_s
        self._today = today
        self._drawn: tuple[object, ...] | None = None
        self.cursor = 0

    def compose(self) -> ComposeResult:
        yield Static(self.EMPTY, classes="empty-state")
        yield Static("", id="jobs-gauge")
        yield Static("", id="jobs-table")

    def attach(self, feed: JobsFeed) -> None:
        self._feed = feed
        self._drawn = None
        self.pull()

    def on_mount(self) -> None:
        self.poll_every(self._refresh_s, self.pull)

    # -- selection and commands -----------------------------------------------------------
    def selected(self) -> JobView | None:
        if self._feed is None:
            return None
        jobs = self._feed.jobs()
        return jobs[self.cursor] if 0 <= self.cursor < len(jobs) else None

    def action_move(self, step: int) -> None:
        if self._feed is not None:
            count = len(self._feed.jobs())
            self.cursor = max(0, min(self.cursor + step, count - 1))
            self._redraw()

    def _not_attached(self) -> bool:
        if self._feed is None:
            self.app.notify("Backfill starts once the connector is up", severity="warning")
            return True
        return False

    def action_new_job(self) -> None:
        """Open the backfill form; a valid spec becomes a running job."""
        from apex_tui.tui.screens.backfill_form import BackfillForm  # noqa: PLC0415

        if self._not_attached():
            return

        def submitted(spec: BackfillSpec | None) -> None:
            if spec is not None:
                self._create(spec)

        symbols = ",".join(self._default_symbols()[:3])
        self.app.push_screen(BackfillForm(today=self._today(), symbols=symbols), submitted)

    def action_new_option_job(self) -> None:
        """Open the option backfill form; each underlying of a valid form becomes a job."""
        from apex_tui.tui.screens.option_form import OptionForm, OptionSpecs  # noqa: PLC0415

        if self._not_attached():
            return

        def submitted(specs: OptionSpecs | None) -> None:
            for spec in specs or ():
                self._create(spec)

        symbol = self._selected_symbol() or next(iter(self._default_symbols()), "")
        self.app.push_screen(OptionForm(today=self._today(), symbols=symbol), submitted)

    @work(group="jobs")
    async def _create(self, spec: BackfillSpec | OptionBackfillSpec) -> None:
        feed = self._feed
        if feed is None:
            return
        if isinstance(spec, OptionBackfillSpec):
            # The chain is read before the job exists: say so, or the key seems to do nothing.
            self.app.notify(f"{spec.chain.underlying}: reading the option chain", timeout=3)
        try:
            await feed.create(spec)
        except ApexError as exc:
            self.app.notify(str(exc), title="Backfill not started", severity="error", timeout=10)
            return
        self.cursor = 0  # newest first: the new job is on top
        self.app.notify(f"Backfill started: {spec.describe()}", timeout=4)
        self._redraw()

    def action_pause_resume(self) -> None:
        """Pause the selected job, or resume it when paused."""
        job = self.selected()
        if self._not_attached() or job is None or self._feed is None:
            return
        try:
            status = self._feed.toggle_pause(job.id)
        except ApexError as exc:
            self.app.notify(str(exc), severity="warning", timeout=4)
            return
        self.app.notify(f"Job {job.id}: {status}", timeout=3)
        self._redraw()

    def action_cancel_job(self) -> None:
        """Cancel the selected job after a confirmation; bars already written are kept."""
        from apex_tui.tui.screens.confirm import ConfirmScreen  # noqa: PLC0415

        job = self.selected()
        if self._not_attached() or job is None:
            return
        if job.finished:
            self.app.notify(f"Job {job.id} is already {job.status}", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes and self._feed is not None:
                try:
                    self._feed.cancel(job.id)
                except ApexError as exc:
                    self.app.notify(str(exc), severity="warning", timeout=4)
                    return
                self._redraw()

        details = [job.description, "Bars already written are kept."]
        self.app.push_screen(ConfirmScreen(f"Cancel backfill job {job.id}?", details), answered)

    def action_details(self) -> None:
        """Open the selected job's requests and gaps."""
        from apex_tui.tui.screens.job_detail import JobDetailScreen  # noqa: PLC0415

        job = self.selected()
        if job is None or self._feed is None:
            return
        self.app.push_screen(JobDetailScreen(self._feed, job.id))

    # -- drawing --------------------------------------------------------------------------
    def _color(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def _redraw(self) -> None:
        self._drawn = None
        self.pull()

    def pull(self) -> None:
        feed = self._feed
        if feed is None:
            return
        budget = feed.budget()
        jobs = feed.jobs()
        # The gauge and ETAs move with time even when no job changed: key on what is shown.
        key = (feed.version, self.cursor, self.has_focus, self._budget_key(budget),
               tuple(j.eta_s and round(j.eta_s) for j in jobs))  # fmt: skip
        if key == self._drawn:
            return
        self._drawn = key
        self.cursor = max(0, min(self.cursor, len(jobs) - 1))
        self.query_one(".empty-state", Static).display = not jobs
        self.query_one("#jobs-gauge", Static).update(self._gauge(budget))
        self.query_one("#jobs-table", Static).update(self._table(jobs))

    @staticmethod
    def _budget_key(budget: PacingBudget | None) -> object:
        if budget is None:
            return None
        return (tuple(w.used for w in budget.windows), budget.open, budget.waiting)

    def _gauge(self, budget: PacingBudget | None) -> Table | str:
        if budget is None:
            return ""
        table = Table(box=None, expand=True, show_header=False, pad_edge=False)
        table.add_column("window", no_wrap=True)
        table.add_column("bar", no_wrap=True)
        table.add_column("use", justify="right", no_wrap=True)
        for w in budget.windows:
            table.add_row(*self._window_row(w))
        return table

    def _window_row(self, w: WindowBudget) -> tuple[Text, Text, Text]:
        label = Text(f"{_WINDOW_LABEL.get(w.name, w.name)} {window_span(w.seconds)}", style="dim")
        if w.name == "identical":
            # No shared limit: each request only may not repeat within the window.
            return label, Text(""), Text(f"{w.used} recent")
        frac = w.used / w.limit if w.limit else 0.0
        var = "state-bad" if frac >= 1 else "state-warn" if frac >= 0.8 else "state-ok"
        use = Text(f"{w.used}/{w.limit}")
        return label, Text(bar(frac, 8), style=self._color(var)), use

    def _table(self, jobs: Sequence[JobView]) -> Table:
        table = Table(box=None, expand=True, show_header=False, pad_edge=False)
        table.add_column("job", ratio=1, no_wrap=True, overflow="ellipsis")
        for i, job in enumerate(jobs):
            table.add_row(self._job_cell(job, selected=i == self.cursor and self.has_focus))
        return table

    def _job_cell(self, job: JobView, *, selected: bool) -> Text:
        color = self._color(_STATE_VAR.get(job.state, "stale"))
        line = Text()
        line.append(f"{job.state:<9} ", style=f"bold {color}")
        line.append(job.description, style="reverse" if selected else "")
        line.append("\n")
        line.append(bar(job.progress), style=color)
        line.append(f" {job.progress:4.0%}  req {job.settled}/{job.requests}")
        line.append(f"  {job.bars_written:,} bars")
        if not job.finished:
            line.append(f"  ETA {duration(job.eta_s)}")
        if job.gaps:
            line.append(f"  {job.gaps} gaps", style=self._color("state-warn"))
        if job.failed or job.pacing_violations:
            line.append(
                f"  {job.failed} failed · {job.pacing_violations} pacing",
                style=self._color("state-bad"),
            )
        if job.errors:
            line.append(f"\n  {job.errors[-1]}", style="dim")
        return line

    def on_focus(self) -> None:
        self._redraw()

    def on_blur(self) -> None:
        self._redraw()
