"""One backfill job in detail: its counters, every planned request with its status, the
sessions settled as gaps, and the recent errors. Refreshes while the job runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from apex_tui.core.backfill import JobView
from apex_tui.tui.screens.cockpit_modal import CockpitModal

if TYPE_CHECKING:
    from apex_tui.tui.panes.jobs import JobsFeed

_STATUS_VAR = {"done": "state-ok", "gap": "state-warn", "failed": "state-bad", "pending": "stale"}
MAX_ROWS = 500  # a year of 1-minute bars is ~250 requests per symbol; the rest is summarized


class JobDetailScreen(CockpitModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close", tooltip="Close the job's details"),
    ]
    DEFAULT_CSS = """
    JobDetailScreen { align: center middle; }
    #job-detail { width: 100; height: 85%; border: round $primary; background: $surface; }
    """

    def __init__(self, feed: JobsFeed, job_id: str, *, refresh_s: float = 0.5) -> None:
        super().__init__()
        self._feed = feed
        self._job_id = job_id
        self._refresh_s = refresh_s
        self._version = -1

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="job-detail"):
            yield Static("", id="job-detail-head")
            yield Static("", id="job-detail-requests")

    def on_mount(self) -> None:
        self.pull()
        self.set_interval(self._refresh_s, self.pull)

    def _color(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def _job(self) -> JobView | None:
        return next((j for j in self._feed.jobs() if j.id == self._job_id), None)

    def pull(self) -> None:
        if self._feed.version == self._version:
            return
        self._version = self._feed.version
        job = self._job()
        if job is None:
            self.query_one("#job-detail-head", Static).update(f"Job {self._job_id} is gone.")
            return
        self.query_one("#job-detail-head", Static).update(self._head(job))
        self.query_one("#job-detail-requests", Static).update(self._requests())

    def _head(self, job: JobView) -> Text:
        t = Text()
        t.append(f"Job {job.id}: {job.state}\n", style="bold")
        t.append(f"{job.description}\n")
        t.append(
            f"requests {job.settled}/{job.requests} settled ({job.done} done, {job.gaps} gaps, "
            f"{job.failed} failed) · {job.bars_written:,} bars written · {job.retries} retries · "
            f"{job.pacing_violations} pacing violations · {job.disconnects} disconnects\n"
        )
        if job.gap_sessions:
            t.append("gaps (no data from IB): ", style=self._color("state-warn"))
            t.append(", ".join(job.gap_sessions) + "\n")
        for error in job.errors[-5:]:
            t.append(f"• {error}\n", style=self._color("state-bad"))
        return t

    def _requests(self) -> Table:
        table = Table(box=None, expand=True, header_style="bold")
        for title in ("symbol", "sessions", "duration", "end (UTC)", "status", "tries", "bars"):
            table.add_column(title, no_wrap=True)
        table.add_column("error", overflow="fold")
        requests = self._feed.requests(self._job_id)
        for r in requests[:MAX_ROWS]:
            days = f"{r.sessions[0]}" + (f"..{r.sessions[-1]}" if len(r.sessions) > 1 else "")
            status = Text(r.status, style=self._color(_STATUS_VAR.get(r.status, "stale")))
            table.add_row(
                r.symbol,
                days,
                r.duration,
                r.end.strftime("%Y-%m-%d %H:%M"),
                status,
                str(r.attempts),
                f"{r.bars:,}",
                r.error or "",
            )
        if len(requests) > MAX_ROWS:
            table.add_row("…", f"{len(requests) - MAX_ROWS} more", "", "", "", "", "", "")
        return table

    def action_close(self) -> None:
        self.dismiss(None)
