"""`make bench`: run every benchmark and write bench/RESULTS.md.

Each bench/bench_*.py module exposes `run(smoke: bool) -> list[Figure]`. Every figure is a
median with its spread and, where it has one, a ratio to a baseline measured in the same run
(machines here are 2 noisy cores: ratios travel, single times do not). `--smoke` runs tiny
sizes only to prove the benchmarks still work; it asserts no time and writes no RESULTS.md
unless `--out` names a file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import Figure, machine_info

HERE = Path(__file__).resolve().parent


def discover(only: str | None) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    return [n for n in names if only is None or only in n]


def render(
    results: dict[str, list[Figure] | str],
    smoke: bool,
    seconds: float,
    command: str = "make bench",
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        + (" (smoke sizes: not figures to quote)" if smoke else "")
        + f" in {seconds:.0f} s.",
        "Medians over repeated runs; `spread` is min..max; ratios compare with a baseline",
        "measured in the same run on the same machine.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine_info()),
    ]
    for module, figures in results.items():
        lines += ["", f"## {module}", ""]
        if isinstance(figures, str):
            lines += ["```", figures.rstrip(), "```"]
            continue
        lines += [
            "| figure | median | spread | baseline | ratio | goal | met |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in figures:
            ratio = "" if f.ratio is None else f"{f.ratio:.2f}x"
            met = "" if f.met is None else ("yes" if f.met else "**no**")
            lines.append(
                f"| {f.name} | {f.value:.4g} {f.unit} | {f.spread} | {f.baseline} | {ratio} "
                f"| {f.goal} | {met} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; proves it runs")
    parser.add_argument("--only", help="run only modules whose name contains this")
    parser.add_argument("--out", type=Path, help="where to write the report")
    args = parser.parse_args(argv)
    out = args.out or (None if args.smoke else HERE / "RESULTS.md")
    started = time.perf_counter()
    results: dict[str, list[Figure] | str] = {}
    failed = False
    for name in discover(args.only):
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            figures: list[Figure] = list(module.run(smoke=args.smoke))
            results[name] = figures
            for f in figures:
                print(f"   {f.name}: {f.value:.4g} {f.unit}", file=sys.stderr)
        except Exception:
            failed = True
            results[name] = "FAILED\n" + traceback.format_exc()
            print(results[name], file=sys.stderr)
    report = render(results, args.smoke, time.perf_counter() - started)
    if out is not None:
        out.write_text(report, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
