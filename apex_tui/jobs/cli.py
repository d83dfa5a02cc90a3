"""`apex-tui backfill`: run one backfill job headless, progress on stderr, summary on stdout.

Exit 0 only when the job completed (every request fetched or settled as a gap); 1 when it
failed or was interrupted; 2 when the arguments are invalid. The historical source comes from
`make_source(settings)`: a connection per `[broker]` (sim mode: an embedded simulator) opened
by apex_tui.core.headless and closed when the job ends.
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
async def _source(made: Any) -> AsyncIterator[HistoricalSource]:
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
    parser.add_argument("--symbols", required=True, help="comma-separated, e.g. AAPL,MSFT")
    parser.add_argument("--bar-size", required=True, help='IB bar size, e.g. "1 min", "1 day"')
    parser.add_argument("--start", required=True, type=date.fromisoformat, help="first session")
    parser.add_argument("--end", required=True, type=date.fromisoformat, help="last session")
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


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    try:
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
    _log_to_file(getattr(args, "settings", None))
    try:
        job = asyncio.run(_run(args, spec, console))
    except ApexError as exc:
        console.print(f"[red]backfill failed:[/] {exc}")
        return 1
    summary = job.summary()
    if args.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        console.print(
            f"{job.status}: {summary['requests_done']}/{summary['requests']} requests, "
            f"{job.bars_written:,} bars, {summary['gaps']} gaps, {summary['failed']} failed"
        )
    return 0 if job.status == "complete" else 1


def _log_to_file(settings: Any) -> None:
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


async def _run(args: argparse.Namespace, spec: BackfillSpec, console: Console) -> JobState:
    lake = Lake.open(data_settings(args))
    settings = jobs_settings(args)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    # The spec once on its own line: as the bar's label it would squeeze an 80-column terminal.
    console.print(f"[bold]backfill[/] {spec.describe()}")
    task = progress.add_task("requests", total=1, info="planning")

    def show(job: JobState) -> None:
        info = f"{job.bars_written:,} bars · {job.count('gap')} gaps · {job.count('failed')} failed"
        if runner.pacer is not None:
            rolling = runner.pacer.budget().windows[2]
            info += f" · pacing {rolling.used}/{rolling.limit}"
        total = len(job.requests)
        done = job.settled if total else 1
        progress.update(task, total=max(1, total), completed=done, info=info)

    runner = BackfillRunner(
        _NotConnected(), lake.bars, JobStore(settings.state_dir), settings, listener=show
    )
    with progress:
        job = runner.create(spec)
        show(job)
        if not job.requests:  # all covered: no need to connect at all
            return await runner.run(job.id)
        progress.update(task, info="connecting")
        made = make_source(getattr(args, "settings", None), getattr(args, "client_id", None))
        async with _source(made) as source:
            runner.source = source
            pacer = getattr(source, "pacer", None)
            runner.pacer = pacer if isinstance(pacer, Pacer) else None
            return await runner.run(job.id)
