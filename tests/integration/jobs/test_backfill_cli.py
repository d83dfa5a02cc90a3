"""`apex-tui backfill` headless in a subprocess, on its own embedded simulator (sim mode)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from apex_tui.cli import SUBCOMMANDS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
ARGS = ["--symbols", "AAPL,MSFT", "--bar-size", "1 min", "--start", "2026-11-10",
        "--end", "2026-11-12", "--json"]  # fmt: skip
# Until `backfill` is registered in apex_tui.cli: the same steps the registered command takes
# (settings from --config into args.settings, then apex_tui.jobs.cli.run).
STANDIN = """
import argparse, sys
from apex_tui.config import load_settings
from apex_tui.jobs import cli
parser = argparse.ArgumentParser()
parser.add_argument("--config")
cli.add_arguments(parser)
args = parser.parse_args(sys.argv[1:])
args.settings = load_settings(args.config)
raise SystemExit(cli.run(args))
"""


def config(tmp_path: Path) -> Path:
    path = tmp_path / "apex.toml"
    path.write_text(
        f"""
[broker]
mode = "sim"

[sim]
pacing = "strict"
pacing_scale = 0.02

[data]
dir = "{tmp_path / "lake"}"

[jobs]
state_dir = "{tmp_path / "jobs"}"

[logging]
file = "{tmp_path / "apex.jsonl"}"
"""
    )
    return path


def backfill(cfg: Path) -> subprocess.CompletedProcess[str]:
    if any(s.name == "backfill" for s in SUBCOMMANDS):
        argv = [sys.executable, "-m", "apex_tui", "backfill", "--config", str(cfg), *ARGS]
    else:
        argv = [sys.executable, "-c", STANDIN, "--config", str(cfg), *ARGS]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)


def test_headless_backfill_exits_0_with_a_json_summary(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    first = backfill(cfg)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)  # stdout carries only the summary
    assert summary["status"] == "complete"
    assert (summary["requests"], summary["requests_done"], summary["gaps"]) == (6, 6, 0)
    assert summary["bars_written"] == 2 * 3 * 390 and summary["pacing_violations"] == 0
    assert "AAPL,MSFT 1 min TRADES" in first.stderr  # the progress display
    assert "6/6" in first.stderr
    again = backfill(cfg)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["requests"] == 0
