"""Crash drills: SIGKILL a process writing the dataset or the journal; nothing committed is
lost, nothing half-written is visible, and the next start cleans up and reads."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.orders.journal import Journal, JournalKind, read_journal
from apex_tui.store.lake import Lake
from apex_tui.store.paths import TMP_SUFFIX, DatasetRoot
from apex_tui.store.settings import DataSettings
from apex_tui.store.verify import verify
from tests.conftest import REPO

pytestmark = pytest.mark.integration


class Child:
    """A child python process whose stdout lines are read with a deadline."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *args], cwd=REPO, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.lines: list[str] = []

    def wait_for(self, predicate: str, within: float = 15.0) -> str:
        """Read lines until one starts with `predicate`; fail after `within` seconds."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                pytest.fail(f"child ended ({self.proc.poll()}) before {predicate!r}: {self.lines}")
            self.lines.append(line.strip())
            if line.startswith(predicate):
                return line.strip()
        pytest.fail(f"no {predicate!r} within {within} s")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(10) == -signal.SIGKILL
        if self.proc.stdout is not None:
            self.lines += [x.strip() for x in self.proc.stdout.read().splitlines()]
            self.proc.stdout.close()


def _committed(child: Child) -> int:
    counts = [int(x.split()[1]) for x in child.lines if x.startswith("committed")]
    return counts[-1] if counts else 0


def _temp_files(base: Path) -> list[Path]:
    return [p for p in base.rglob(f".*{TMP_SUFFIX}")]


def _restart_checks(base: Path, committed: int) -> None:
    """What the next start sees: a clean dataset with every committed row, no temp files."""
    lake = Lake.open(DataSettings(dir=str(base)))
    assert _temp_files(base) == []  # Lake.open removed the crashed writer's temp file
    report = verify(lake.root, quarantine=False)
    assert report.clean, report.problems
    frame = lake.ticks.read_ticks("AAPL")
    assert frame.height == report.rows
    # The child may commit one more file between its last report and the kill, never less.
    assert committed <= frame.height <= committed + 1_000
    assert frame["time"].n_unique() == frame.height  # no file written twice


def test_sigkill_mid_flush_leaves_a_clean_dataset(tmp_path: Path, children: list[Child]) -> None:
    child = Child("-m", "tests.integration.drills.sink_writer", str(tmp_path), "stall")
    children.append(child)
    child.wait_for("midflush")
    child.kill()
    assert _committed(child) == 2_000  # two whole files before the stalled third
    torn = _temp_files(tmp_path)
    assert len(torn) == 1 and torn[0].stat().st_size > 0  # the half-written file, hidden
    before_cleanup = verify(DatasetRoot(str(tmp_path)), quarantine=False)
    assert before_cleanup.clean and before_cleanup.rows == 2_000  # the torn file is not visible
    _restart_checks(tmp_path, 2_000)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_a_random_moment_of_steady_writing(
    tmp_path: Path, children: list[Child], seed: int
) -> None:
    child = Child("-m", "tests.integration.drills.sink_writer", str(tmp_path), "run")
    children.append(child)
    child.wait_for("committed")
    time.sleep(random.Random(seed).uniform(0.05, 0.4))  # the kill's moment is the variable
    child.kill()
    _restart_checks(tmp_path, _committed(child))


def test_journal_torn_by_a_killed_writer_reads_and_reports_it(
    tmp_path: Path, children: list[Child]
) -> None:
    path = tmp_path / "journal.jsonl"
    child = Child("-m", "tests.integration.drills.journal_writer", str(path))
    children.append(child)
    child.wait_for("torn")
    child.kill()
    written = int(next(x for x in child.lines if x.startswith("appended")).split()[1])

    read = read_journal(path)
    assert [e.record["n"] for e in read.entries] == list(range(written))  # nothing else lost
    assert read.torn_tail is not None and len(read.bad_lines) == 1
    assert read.torn_tail.text.startswith('{"ts"')

    clock = FixedClock(read.entries[-1].time)
    with Journal(path, clock) as journal:  # the next start
        assert journal.recovered is not None and "torn" in journal.recovered
        journal.append(JournalKind.FLAG_TOGGLE, {"n": written})
    again = read_journal(path)
    kinds = [e.kind for e in again.entries]
    assert kinds[-2:] == [JournalKind.JOURNAL_RECOVERED, JournalKind.FLAG_TOGGLE]
    assert [e.record["n"] for e in again.entries if "n" in e.record] == list(range(written + 1))
    assert len(again.bad_lines) == 1 and again.bad_lines[0].torn
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""  # every line terminated again
    torn_no = again.bad_lines[0].line_no
    for no, line in enumerate(lines[:-1], start=1):
        if no != torn_no:
            json.loads(line)  # every other line is whole JSON
