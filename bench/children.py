"""Child processes of the benchmarks: the simulator in a process of its own, and the measuring
children (one role each) whose result is the JSON object on their last line of output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # children run bench/*.py as scripts

Child = tuple["subprocess.Popen[str]", IO[str], list[str]]


@dataclass(frozen=True)
class Simulator:
    port: int
    pid: int  # for reading its CPU time from /proc


def spawn(args: list[str]) -> Child:
    """Start `python *args`; its stderr goes to a file (a full pipe would stall a chatty
    child) that `reap` closes."""
    err = tempfile.TemporaryFile("w+")  # noqa: SIM115  # closed by reap
    proc = subprocess.Popen(
        [PY, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True, env=ENV
    )
    return proc, err, args


def failed(args: list[str], stderr: str) -> RuntimeError:
    return RuntimeError(f"{args[:3]} failed:\n{stderr[-3000:]}")


def reap(child: Child, timeout: float) -> dict[str, Any]:
    """Wait for a child and return its result; kill it if it outlives `timeout`."""
    proc, err, args = child
    with err:
        try:
            out, _ = proc.communicate(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0:
            err.seek(0)
            raise failed(args, err.read())
    parsed: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return parsed


def run_child(args: list[str], timeout: float) -> dict[str, Any]:
    """Run a child to the end; its result."""
    return reap(spawn(args), timeout)


@contextmanager
def simulator(symbols: list[str], *options: str, tick_ms: int = 250) -> Iterator[Simulator]:
    """The gateway simulator in a process of its own, streaming `symbols` every `tick_ms`
    (plus any `options` of `apex_tui.sim.cli`); yields its port and pid, stops it on exit."""
    proc = subprocess.Popen(
        [PY, "-m", "apex_tui.sim.cli", "--port", "0", "--symbols", ",".join(symbols),
         "--tick-ms", str(tick_ms), *options],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        port = 0
        deadline = time.monotonic() + 60
        while not port and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            if m := re.search(r"listening on .*:(\d+)$", line.strip()):
                port = int(m.group(1))
        if not port:
            raise RuntimeError(f"the simulator did not start (exit {proc.poll()})")
        # Its log goes on after it listens: drained, so a full pipe never blocks its loop.
        threading.Thread(target=proc.stderr.read, name="sim-stderr", daemon=True).start()
        yield Simulator(port, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
