"""Runs the checks periodically, each under a timeout, and records results on the board."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from apex_tui.health.board import HealthBoard
from apex_tui.health.checks import Check
from apex_tui.health.model import CheckResult, Status
from apex_tui.logging import get_logger
from apex_tui.periodic import Periodic

log = get_logger(__name__)


class HealthRunner:
    """Owns the periodic task; `run_once` is what `apex-tui health` calls."""

    def __init__(
        self, checks: Sequence[Check], board: HealthBoard, interval: float = 5.0,
        timeout: float = 5.0,
    ) -> None:  # fmt: skip
        self.checks = list(checks)
        self.board = board
        self.interval = interval
        self.timeout = timeout
        self._timer = Periodic(self.run_once, interval, name="health", immediate=True)

    async def run_check(self, check: Check) -> CheckResult:
        try:
            return await asyncio.wait_for(check.run(), self.timeout)
        except TimeoutError:
            return check.result(Status.UNHEALTHY, "timeout", f"no answer in {self.timeout:g} s")
        except Exception as exc:  # a broken check must show, not kill the runner
            log.exception("health_check_failed", check=check.name)
            return check.result(Status.UNHEALTHY, "error", f"check failed: {exc!r}")

    async def run_once(self) -> list[CheckResult]:
        results = [await self.run_check(c) for c in self.checks]
        for result in results:
            self.board.record(result)
        return results

    def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()
