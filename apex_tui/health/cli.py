"""`apex-tui health`: connect per config, run every health check once, print, exit by status.

Exit codes follow the overall status: 0 healthy, 1 degraded, 2 unhealthy. In sim mode the
embedded simulator is started for the probe. The probe connects read-only with its own clientId
(the configured one + 100 unless `--client-id`), so it can run next to the TUI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from apex_tui.health.model import CheckResult, Status

if TYPE_CHECKING:
    from apex_tui.config import Settings
    from apex_tui.core.health_probe import HealthReport

# Plain terminal output, not the Textual app: rich's named colours are the right tool here.
_STYLE = {Status.HEALTHY: "green", Status.DEGRADED: "yellow", Status.UNHEALTHY: "bold red"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument(
        "--settle",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="wait up to this long for the first quotes before judging freshness (default 3)",
    )
    parser.add_argument(
        "--client-id",
        type=int,
        dest="client_id",
        help="API client id for the probe (default: broker.client_id + 100)",
    )


def run(args: argparse.Namespace) -> int:
    from apex_tui.core.health_probe import probe_health  # noqa: PLC0415 - loads ib_async
    from apex_tui.logging import configure_logging  # noqa: PLC0415

    settings: Settings = args.settings
    # Records go to the log file: stdout carries only the report (it may be JSON).
    configure_logging(
        settings.logging.file,
        settings.logging.level,
        max_bytes=settings.logging.max_bytes,
        backups=settings.logging.backups,
    )
    report = asyncio.run(
        probe_health(settings, settle=max(0.0, args.settle), client_id=args.client_id)
    )
    if args.json:
        sys.stdout.write(json.dumps(report_json(report), indent=2) + "\n")
    else:
        Console().print(report_table(report))
    return exit_code(report.overall)


def exit_code(status: Status) -> int:
    return {Status.HEALTHY: 0, Status.DEGRADED: 1, Status.UNHEALTHY: 2}[status]


def result_json(result: CheckResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "status": result.status.label,
        "value": result.value,
        "message": result.message,
        "time": result.time.isoformat(),
        # JSON has no NaN or infinity: such a number is shown as null.
        "number": (
            result.number if result.number is not None and math.isfinite(result.number) else None
        ),
    }


def report_json(report: HealthReport) -> dict[str, Any]:
    return {
        "overall": report.overall.label,
        "exit_code": exit_code(report.overall),
        "mode": report.mode,
        "gateway": report.gateway,
        "checks": [result_json(r) for r in report.results],
    }


def report_table(report: HealthReport) -> Table:
    overall = report.overall
    title = Text(f"Health: {overall.label}", style=_STYLE[overall])
    title.append(f"  ({report.mode}, {report.gateway})", style="dim")
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in ("check", "status", "value", "message"):
        table.add_column(column, no_wrap=column != "message")
    for r in report.results:
        style = _STYLE[r.status]
        table.add_row(r.name, Text(r.status.label, style=style), Text(r.value, style), r.message)
    return table
