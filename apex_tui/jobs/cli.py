"""`apex-tui backfill`: run one backfill job headless, progress on stderr, summary on stdout.

`--symbols` backfills stock bars; `--options AAPL` snapshots the chain and backfills the bars
of the chosen expiries/strikes, `--chains AAPL` only snapshots it (both in
apex_tui.jobs.option_cli). Exit 0 only when the job completed (every request fetched or
settled as a gap); 1 when it failed or was interrupted; 2 when the arguments are invalid.
The historical source comes from `make_source(settings)`: a connection per `[broker]` (sim
mode: an embedded simulator) opened by apex_tui.core.headless and closed when the job ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from apex_tui.domain.errors import ApexError, ConnectionFailed, ValidationError
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.runner import BackfillRunner
from apex_tui.jobs.settings import JobsSettings
from apex_tui.jobs.source import BarRequest, BarRow, HistoricalSource
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.jobs.state import JobState, JobStore
from apex_tui.store.cli import data_settings
from apex_tui.store.lake import Lake


def make_source(
    settings: Any, client_id: int | None = None
) -> AbstractAsyncContextManager[HistoricalSource]:
    """The connector's historical source for `settings` (the app's settings; None = defaults),
    as an async context manager that connects on entry and disconnects on exit.

    Tests may monkeypatch it to return a plain HistoricalSource (no connection to manage).
    """
    from apex_tui.config import Settings, load_settings  # noqa: PLC0415 - only when connecting
    from apex_tui.core.headless import headless_session  # noqa: PLC0415 - loads ib_async

    app: Settings = settings if isinstance(settings, Settings) else load_settings(None)

    @asynccontextmanager
    async def opened() -> AsyncIterator[HistoricalSource]:
        async with headless_session(app, client_id=client_id) as session:
            yield session.source

    return opened()


@asynccontextmanager
async def open_source(made: Any) -> AsyncIterator[HistoricalSource]:
    if isinstance(made, AbstractAsyncContextManager):
        async with made as source:
            yield source
    else:
        yield made


def jobs_settings(args: argparse.Namespace) -> JobsSettings:
    app = getattr(args, "settings", None)
    base: JobsSettings | None = getattr(app, "jobs", None)
    if base is None:
        base = JobsSettings(state_dir=str(Path(data_settings(args).dir) / "_jobs"))
    return base


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--symbols", help="stock bars: comma-separated, e.g. AAPL,MSFT")
    what.add_argument("--options", metavar="UNDERLYING", help="option bars of one underlying")
    what.add_argument("--chains", metavar="UNDERLYING", help="option chain snapshot only (no bars)")
    parser.add_argument("--bar-size", help='IB bar size, e.g. "1 min", "1 day"')
    parser.add_argument("--start", type=_day, help="first session (YYYY-MM-DD)")
    parser.add_argument("--end", type=_day, help="last session (YYYY-MM-DD)")
    parser.add_argument(
        "--expiries",
        help="options: 'next:N', 'all' or YYYYMMDD,... (default next:1; --chains: all)",
    )
    parser.add_argument(
        "--strikes",
        help="options: 'atm:N' (nearest the last close), 'all' or 190,195,... "
        "(default atm:5; --chains: all)",
    )
    parser.add_argument("--rights", default="C,P", help="options: C, P or C,P (default)")
    parser.add_argument("--what", default="TRADES", help="whatToShow (default TRADES)")
    hours = parser.add_mutually_exclusive_group()
    hours.add_argument("--rth", dest="rth", action="store_true", default=True, help="regular hours")
    hours.add_argument("--all-hours", dest="rth", action="store_false", help="04:00-20:00 ET")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument("--data-dir", help="dataset root (default: [data] dir)")
    parser.add_argument(
        "--client-id",
        type=int,
        dest="client_id",
        help="API client id (default: broker.client_id + 200 for paper/live, so it can run "
        "next to the TUI)",
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    if getattr(args, "options", None) or getattr(args, "chains", None):
        from apex_tui.jobs import option_cli  # noqa: PLC0415 - only for option jobs

        return option_cli.run(args, console)
    try:
        require_range(args, "--symbols")
        spec = BackfillSpec.create(
            [s for s in args.symbols.split(",") if s.strip()],
            args.bar_size,
            args.start,
            args.end,
            what_to_show=args.what,
            rth=args.rth,
        )
    except ValidationError as exc:
        console.print(f"[red]backfill:[/] {exc}")
        return 2
    log_to_file(getattr(args, "settings", None))
    try:
        job = asyncio.run(_run(args, spec, console))
    except ApexError as exc:
        console.print(f"[red]backfill failed:[/] {exc}")
        return 1
    return report(job, args.json, console)


def require_range(args: argparse.Namespace, flag: str) -> None:
    """--bar-size, --start and --end, which stock and option bars need (not --chains)."""
    missing = [
        f"--{name.replace('_', '-')}"
        for name in ("bar_size", "start", "end")
        if getattr(args, name, None) is None
    ]
    if missing:
        raise ValidationError(f"{flag} needs {', '.join(missing)}")


def report(job: JobState, as_json: bool, console: Console, **extra: Any) -> int:
    """Print the summary (JSON on stdout, or one line on stderr); the exit code."""
    summary = job.summary() | extra
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
    else:
        console.print(
            f"{job.status}: {summary['requests_done']}/{summary['requests']} requests, "
            f"{job.bars_written:,} bars, {summary['gaps']} gaps, {summary['failed']} failed"
        )
    return 0 if job.status == "complete" else 1


def log_to_file(settings: Any) -> None:
    """Records go to the configured log file: stdout carries only the summary (maybe JSON)."""
    logging_settings = getattr(settings, "logging", None)
    if logging_settings is None:
        return
    from apex_tui.logging import configure_logging  # noqa: PLC0415

    configure_logging(
        logging_settings.file,
        logging_settings.level,
        max_bytes=logging_settings.max_bytes,
        backups=logging_settings.backups,
    )


class _NotConnected:
    """Stands in for the source while the job is planned (planning needs no gateway)."""

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        raise ConnectionFailed("backfill: not connected yet")

    async def wait_connected(self) -> None:
        raise ConnectionFailed("backfill: not connected yet")


class ProgressView:
    """The rich progress bar on stderr: requests settled, bars, gaps, pacing."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task("requests", total=1, info="planning")
        self.runner: BackfillRunner | None = None

    def info(self, text: str) -> None:
        self.progress.update(self.task, info=text)

    def show(self, job: JobState) -> None:
        info = f"{job.bars_written:,} bars · {job.count('gap')} gaps · {job.count('failed')} failed"
        pacer = None if self.runner is None else self.runner.pacer
        if pacer is not None:
            rolling = pacer.budget().windows[2]
            info += f" · pacing {rolling.used}/{rolling.limit}"
        total = len(job.requests)
        done = job.settled if total else 1
        self.progress.update(self.task, total=max(1, total), completed=done, info=info)


def make_runner(args: argparse.Namespace, lake: Lake, view: ProgressView) -> BackfillRunner:
    """The runner for one headless job; its source is set once connected."""
    settings = jobs_settings(args)
    runner = BackfillRunner(
        _NotConnected(),
        lake.bars,
        JobStore(settings.state_dir),
        settings,
        listener=view.show,
        option_bars=lake.option_bars,
    )
    view.runner = runner
    return runner


def use_source(runner: BackfillRunner, source: HistoricalSource) -> None:
    """Connected: requests go to `source`, pacing figures come from its pacer."""
    runner.source = source
    pacer = getattr(source, "pacer", None)
    runner.pacer = pacer if isinstance(pacer, Pacer) else None


async def _run(args: argparse.Namespace, spec: BackfillSpec, console: Console) -> JobState:
    lake = Lake.open(data_settings(args))
    # The spec once on its own line: as the bar's label it would squeeze an 80-column terminal.
    console.print(f"[bold]backfill[/] {spec.describe()}")
    view = ProgressView(console)
    runner = make_runner(args, lake, view)
    progress, task, show = view.progress, view.task, view.show
    with progress:
        job = runner.create(spec)
        show(job)
        if not job.requests:  # all covered: no need to connect at all
            return await runner.run(job.id)
        progress.update(task, info="connecting")
        made = make_source(getattr(args, "settings", None), getattr(args, "client_id", None))
        async with open_source(made) as source:
            use_source(runner, source)
            return await runner.run(job.id)
