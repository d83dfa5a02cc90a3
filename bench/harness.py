"""Shared benchmark plumbing: repeated timing with medians and spreads, machine facts, what a
measuring process reads of itself, and the Figure record every bench module returns (a
measurement next to its same-run baseline)."""

from __future__ import annotations

import math
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

TERMINAL = (120, 40)  # the headless terminal the app benchmarks run Textual apps in


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process, all threads."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def own_rss_mb() -> float:
    """This process's resident set (VmRSS), MiB; NaN where /proc has none."""
    with Path("/proc/self/status").open() as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return math.nan


@dataclass(frozen=True)
class Figure:
    """One result: `value` (median) with its spread, and the ratio to a same-run baseline."""

    name: str
    value: float
    unit: str
    spread: str = ""
    baseline: str = ""  # what the ratio compares against, measured in the same run
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None


@dataclass(frozen=True)
class Timing:
    median: float
    low: float
    high: float

    @property
    def spread(self) -> str:
        return f"{self.low:.4g}..{self.high:.4g}"


def timeit(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> Timing:
    """Wall-clock seconds of `fn()` over `repeats` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times), max(times))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> list[tuple[str, str]]:
    def version(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "not installed"

    pkgs = ("textual", "ib_async", "pyarrow", "polars", "numpy", "TA-Lib")
    return [
        ("cpu", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("os", platform.platform()),
        ("python", sys.version.split()[0]),
        *((p, version(p)) for p in pkgs),
    ]
