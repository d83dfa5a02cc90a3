"""`apex-tui dataset ls | verify | compact`: inspect and maintain the Parquet dataset."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from apex_tui.store.compact import compact
from apex_tui.store.coverage import coverage
from apex_tui.store.lake import Lake
from apex_tui.store.schemas import KINDS
from apex_tui.store.settings import DataSettings
from apex_tui.store.verify import Problem, verify


def data_settings(args: argparse.Namespace) -> DataSettings:
    """`[data]` from the app's settings (set by apex_tui.cli as `args.settings`), `--data-dir`
    overriding the folder."""
    app = getattr(args, "settings", None)
    base: DataSettings = getattr(app, "data", None) or DataSettings()
    if getattr(args, "data_dir", None):
        base = base.model_copy(update={"dir": args.data_dir})
    return base


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="dataset root (default: [data] dir)")
    sub = parser.add_subparsers(dest="dataset_command", required=True)
    ls = sub.add_parser("ls", help="coverage per kind and series: range, rows, files")
    ls.add_argument("--json", action="store_true", help="print JSON on stdout")
    ver = sub.add_parser("verify", help="read every footer; quarantine unreadable/empty files")
    ver.add_argument("--json", action="store_true", help="print the report as JSON")
    ver.add_argument("--dry-run", action="store_true", help="report problems without moving files")
    comp = sub.add_parser("compact", help="merge small files per partition")
    comp.add_argument("--kind", choices=sorted(KINDS), action="append", help="kind(s) to compact")
    comp.add_argument("--min-rows", type=int, default=None, help="target rows per row group")
    comp.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    lake = Lake.open(data_settings(args))
    console = Console(stderr=True)
    if args.dataset_command == "ls":
        return _ls(lake, args.json)
    if args.dataset_command == "verify":
        report = verify(lake.root, quarantine=not args.dry_run)
        if args.json:
            _print_json(
                {
                    "files_checked": report.files_checked,
                    "rows": report.rows,
                    "report": report.report_path,
                    "problems": [_problem(p) for p in report.problems],
                }
            )
        else:
            console.print(f"checked {report.files_checked} files, {report.rows:,} rows")
            for p in report.problems:
                console.print(
                    f"[red]bad[/] {p.path}: {p.reason} -> {p.moved_to or 'left in place'}"
                )
        return 0 if report.clean else 1
    kinds = args.kind or sorted(KINDS)
    results: dict[str, Any] = {}
    for kind in kinds:
        rep = compact(lake.repositories()[kind], min_rows=args.min_rows)
        results[kind] = {
            "partitions": rep.partitions,
            "files_before": rep.files_before,
            "files_after": rep.files_after,
            "rows": rep.rows,
            "duplicates_removed": rep.duplicates_removed,
        }
        if not args.json:
            console.print(
                f"{kind}: {rep.partitions} partitions, {rep.files_before} -> {rep.files_after} "
                f"files, {rep.rows:,} rows"
            )
    if args.json:
        _print_json(results)
    return 0


def _problem(p: Problem) -> dict[str, Any]:
    return {"path": p.path, "reason": p.reason, "moved_to": p.moved_to}


def _ls(lake: Lake, as_json: bool) -> int:
    rows = coverage(lake.root)
    if as_json:
        _print_json(
            [
                {
                    "kind": r.kind,
                    "series": r.series,
                    "first": r.first.isoformat() if r.first else None,
                    "last": r.last.isoformat() if r.last else None,
                    "rows": r.rows,
                    "files": r.files,
                    "bytes": r.bytes,
                }
                for r in rows
            ]
        )
        return 0
    table = Table("kind", "series", "first", "last", "rows", "files", "MB", title=lake.root.base)
    for r in rows:
        table.add_row(
            r.kind,
            r.series,
            f"{r.first:%Y-%m-%d %H:%M}" if r.first else "-",
            f"{r.last:%Y-%m-%d %H:%M}" if r.last else "-",
            f"{r.rows:,}",
            str(r.files),
            f"{r.bytes / 1e6:.1f}",
        )
    Console().print(table)
    return 0


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
