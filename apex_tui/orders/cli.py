"""`apex-tui journal [--since ..] [--kind ..] [--json]`: print and filter the order journal.

Exit codes: 0 read fine (a torn last line is reported on stderr but tolerated: it is what a
crash leaves), 1 corrupt lines in the middle of the file, 2 bad arguments or no journal.
The app's cli.py owns the parser; it calls `add_arguments` on its `journal` sub-parser and can
point `--file` at the configured path with `parser.set_defaults(file=...)`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.orders.journal import read_journal
from apex_tui.orders.settings import OrdersSettings

_RELATIVE = re.compile(r"(\d+)\s*([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    default = OrdersSettings().journal_path
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        help=f"journal file (default: orders.journal_path from the config, {default})",
    )
    parser.add_argument(
        "--since",
        help="only records at or after this time: ISO 8601 (UTC if no zone) or an age "
        "like 30m, 2h, 1d",
    )
    parser.add_argument(
        "--kind",
        action="append",
        default=None,
        help="only these kinds (repeat or comma-separate), e.g. --kind approval,fill",
    )
    parser.add_argument("--json", action="store_true", help="print records as JSON lines")


def parse_since(text: str, now: datetime) -> datetime:
    """An ISO time (naive means UTC) or an age like '15m' counted back from `now`."""
    m = _RELATIVE.fullmatch(text.strip().lower())
    if m:
        return now - timedelta(seconds=int(m.group(1)) * _UNIT_S[m.group(2)])
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since {text!r}: expected an ISO time or an age like 30m") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def run(args: argparse.Namespace, clock: Clock | None = None) -> int:
    path: Path = args.file if args.file is not None else OrdersSettings().journal_path
    try:
        since = parse_since(args.since, (clock or SystemClock()).now()) if args.since else None
    except ValueError as exc:
        print(f"apex-tui journal: {exc}", file=sys.stderr)
        return 2
    kinds = None
    if args.kind:
        kinds = {k.strip() for arg in args.kind for k in arg.split(",") if k.strip()}
    try:
        result = read_journal(path, since=since, kinds=kinds)
    except OSError as exc:
        print(f"apex-tui journal: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for entry in result.entries:
        if args.json:
            print(json.dumps(entry.record, separators=(",", ":")))
        else:
            rest = {k: v for k, v in entry.record.items() if k not in ("ts", "kind")}
            fields = " ".join(
                f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in rest.items()
            )
            print(f"{entry.time.isoformat()}  {entry.kind:<16} {fields}")
    corrupt = 0
    for bad in result.bad_lines:
        what = "torn last line (crash mid-write?)" if bad.torn else "unreadable line"
        print(f"apex-tui journal: {path}:{bad.line_no}: {what}: {bad.text[:80]!r}", file=sys.stderr)
        corrupt += 0 if bad.torn else 1
    return 1 if corrupt else 0
