"""The UI floor: what Textual alone costs to keep a quotes table moving, with no app behind it.

A minimal Textual app, headless at the bench's size, holding one Line-API ScrollView of 500
rows of which `rows` are visible, and repainting every visible row every `period` seconds
(what the Quotes pane does when 500 symbols tick every 250 ms: each burst changes every row on
screen). Each row is ten styled cells rebuilt from changing numbers, as a Quotes row is; no
data store, no pulls, no other panes, no timers but the repaint. bench_app runs it in the
same minutes as the app and the bare ib_async client, so the app's CPU figure can be read
against the two floors the issue's design stands on: ib_async's decode and Textual's frames.

    .venv/bin/python bench/ui_floor.py [--seconds 30] [--warmup 5] [--rows 16] [--period 0.25]

Prints one JSON object: {"cpu_pct": ..., "frames": ...}. Not a test: it never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip

from apex_tui.tui import strip_cycles
from apex_tui.tui.screens.main_screen import MainScreen
from bench.harness import TERMINAL, own_cpu_seconds

TOTAL_ROWS = 500
ROWS = 16  # the Quotes rows visible in bench_app's terminal (its tick-to-screen figure)
WIDTHS = (6, 8, 8, 8, 7, 7, 6, 5, 8, 4)  # the Quotes columns
STYLES = (Style(bold=True), Style(color="green"), Style(color="red"), Style())


class FloorTable(ScrollView):
    """Rows of ten styled numeric cells; every visible row is repainted each period."""

    def __init__(self, rows: int, period: float) -> None:
        super().__init__()
        self._rows, self._period = rows, period
        self.frame = 0

    def on_mount(self) -> None:
        self.styles.height = self._rows
        self.virtual_size = Size(sum(WIDTHS) + len(WIDTHS), TOTAL_ROWS)
        self.set_interval(self._period, self._tick)

    def _tick(self) -> None:
        self.frame += 1
        self.refresh_lines(self.scroll_offset.y, self._rows)

    def render_line(self, y: int) -> Strip:
        row = y + self.scroll_offset.y
        n = self.frame
        values = (100 + row + n * 0.01, 100.05 + row + n * 0.01, 100.02 + row + n * 0.01,
                  0.01 * (n % 50), 0.1 * (n % 9), 1000.0 + n, 0.03, 0.0, n % 60)  # fmt: skip
        cells = [f"BN{row:03d}".ljust(WIDTHS[0])]
        cells += [f"{v:.2f}".rjust(w) for v, w in zip(values, WIDTHS[1:], strict=True)]
        segments = [Segment(c + " ", STYLES[i % len(STYLES)]) for i, c in enumerate(cells)]
        return Strip(segments, sum(WIDTHS) + len(WIDTHS))


class FloorApp(App[None]):
    def __init__(self, rows: int, period: float, *, band: bool) -> None:
        super().__init__()
        if band:  # the app's way: no reference cycle per repainted line either
            strip_cycles.install()
        self.table = FloorTable(rows, period)
        self._band = band

    def get_default_screen(self) -> Screen[None]:
        # The app's own screen renders only the rows a partial update shows; the stock one
        # also renders the screen behind the table. The floor is the cheaper of the two.
        return MainScreen(id="_default") if self._band else super().get_default_screen()

    def compose(self) -> ComposeResult:
        yield self.table


async def measure(
    seconds: float, warmup: float, rows: int, period: float, *, band: bool = True
) -> dict[str, float]:
    app = FloorApp(rows, period, band=band)
    async with app.run_test(size=TERMINAL):
        await asyncio.sleep(warmup)
        frames0, cpu0, t0 = app.table.frame, own_cpu_seconds(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu1, t1 = own_cpu_seconds(), time.perf_counter()
        frames = app.table.frame - frames0
    return {"cpu_pct": 100.0 * (cpu1 - cpu0) / (t1 - t0), "frames": float(frames)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--rows", type=int, default=ROWS, help="visible rows repainted")
    parser.add_argument("--period", type=float, default=0.25, help="seconds between repaints")
    parser.add_argument(
        "--stock", action="store_true", help="Textual as it comes, not the app's compositor"
    )
    args = parser.parse_args()
    result = measure(args.seconds, args.warmup, args.rows, args.period, band=not args.stock)
    print(json.dumps(asyncio.run(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
