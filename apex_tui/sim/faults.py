"""Fault injection: scripted or on demand, the simulator misbehaves the way gateways do.

Script syntax (CLI `--faults`, `ServerSettings.faults`): comma-separated steps, each

    NAME[:ARG][@AT][+FOR]

AT is when the step fires, counted from server start; FOR is how long it lasts. Times are a
number with a unit: `500ms`, `30s`, `2m` (a bare number means seconds).

    disconnect@30s              drop every client connection (the server keeps listening)
    notice:1100@60s             connectivity lost (market data pauses until 1101/1102)
    notice:1101@65s             restored, data lost (every market-data subscription is dropped)
    notice:1102@70s             restored, data maintained (market data resumes)
    notice:2103@5s              any other notice code is broadcast as is (2103..2106, 2157, 2158)
    farm-down:market@90s+20s    farm broken then OK again (market: 2103/2104, no ticks while
                                down; hmds: 2105/2106; secdef: 2157/2158)
    stall@120s+10s              half-open: sockets stay open, nothing is read or answered
    reject-next-order[@AT]      the next placeOrder is rejected with error 201

Example: `disconnect@30s,notice:1100@60s,notice:1102@70s,farm-down:market@90s+20s,
stall@120s+10s,reject-next-order`. From Python (tests) use `server.faults`: `disconnect_all()`,
`notice(code)`, `farm_down(farm, seconds)`, `stall(seconds)`, `reject_next_order()`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("apex_tui.sim")

NOTICES = {
    1100: "Connectivity between IB and Trader Workstation has been lost.",
    1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
    1102: "Connectivity between IB and Trader Workstation has been restored - data maintained.",
    2103: "Market data farm connection is broken:usfarm",
    2104: "Market data farm connection is OK:usfarm",
    2105: "HMDS data farm connection is broken:ushmds",
    2106: "HMDS data farm connection is OK:ushmds",
    2157: "Sec-def data farm connection is broken:secdefnj",
    2158: "Sec-def data farm connection is OK:secdefnj",
}
FARMS = {"market": (2103, 2104), "hmds": (2105, 2106), "secdef": (2157, 2158)}
DEFAULT_DURATION = 10.0
_STEP = re.compile(
    r"^(?P<name>[a-z-]+)(?::(?P<arg>[a-z0-9]+))?(?:@(?P<at>[0-9.]+(?:ms|s|m)?))?"
    r"(?:\+(?P<dur>[0-9.]+(?:ms|s|m)?))?$"
)


class FaultScriptError(ValueError):
    """The fault script does not follow the documented syntax."""


@dataclass(frozen=True, slots=True)
class FaultStep:
    name: str  # disconnect | notice | farm-down | stall | reject-next-order
    arg: str = ""
    at: float = 0.0
    duration: float = 0.0


def parse_duration(text: str) -> float:
    if text.endswith("ms"):
        return float(text[:-2]) / 1000.0
    if text.endswith("m"):
        return float(text[:-1]) * 60.0
    if text.endswith("s"):
        return float(text[:-1])
    return float(text)


def parse_faults(script: str) -> list[FaultStep]:
    """Parse a fault script; raises FaultScriptError naming the bad step."""
    steps: list[FaultStep] = []
    for raw in script.split(","):
        text = raw.strip().lower()
        if not text:
            continue
        m = _STEP.match(text)
        if m is None:
            raise FaultScriptError(f"bad fault step {raw.strip()!r}")
        name, arg = m["name"], m["arg"] or ""
        at = parse_duration(m["at"]) if m["at"] else 0.0
        dur = parse_duration(m["dur"]) if m["dur"] else 0.0
        if name == "notice":
            if not arg.isdigit() or int(arg) not in NOTICES:
                raise FaultScriptError(f"{raw.strip()!r}: notice code must be one of {NOTICES}")
        elif name == "farm-down":
            if arg not in FARMS:
                raise FaultScriptError(f"{raw.strip()!r}: farm must be one of {sorted(FARMS)}")
            dur = dur or DEFAULT_DURATION
        elif name == "stall":
            dur = dur or DEFAULT_DURATION
        elif name not in ("disconnect", "reject-next-order"):
            raise FaultScriptError(f"unknown fault {name!r} in {raw.strip()!r}")
        steps.append(FaultStep(name, arg, at, dur))
    return steps


class FaultHost(Protocol):
    """What the injector needs from the server."""

    def broadcast_error(self, code: int, message: str) -> None: ...
    def close_all_sessions(self) -> None: ...
    def drop_all_market_data(self) -> None: ...
    def resume_sessions(self) -> None: ...


class Faults:
    """On-demand faults plus the state the server consults (stalled, market data paused)."""

    def __init__(self, host: FaultHost) -> None:
        self._host = host
        self._timers: list[asyncio.TimerHandle] = []
        self.stalled = False
        self.connectivity_lost = False
        self.farms_down: set[str] = set()
        self.reject_orders = 0

    @property
    def market_data_paused(self) -> bool:
        return self.connectivity_lost or "market" in self.farms_down or self.stalled

    def disconnect_all(self) -> None:
        log.warning("fault: disconnecting every client")
        self._host.close_all_sessions()

    def notice(self, code: int) -> None:
        if code not in NOTICES:
            raise ValueError(f"unknown notice code {code}")
        log.warning("fault: notice %d", code)
        if code == 1100:
            self.connectivity_lost = True
        elif code in (1101, 1102):
            self.connectivity_lost = False
            if code == 1101:
                self._host.drop_all_market_data()
        self._host.broadcast_error(code, NOTICES[code])

    def farm_down(self, farm: str, seconds: float) -> None:
        if farm not in FARMS:
            raise ValueError(f"farm must be one of {sorted(FARMS)}")
        down, _up = FARMS[farm]
        log.warning("fault: %s farm down for %.1fs", farm, seconds)
        self.farms_down.add(farm)
        self._host.broadcast_error(down, NOTICES[down])
        self._later(seconds, self._farm_up, farm)

    def _farm_up(self, farm: str) -> None:
        self.farms_down.discard(farm)
        up = FARMS[farm][1]
        self._host.broadcast_error(up, NOTICES[up])

    def stall(self, seconds: float) -> None:
        log.warning("fault: stalling for %.1fs (half-open)", seconds)
        self.stalled = True
        self._later(seconds, self._unstall)

    def _unstall(self) -> None:
        log.warning("fault: stall over")
        self.stalled = False
        self._host.resume_sessions()

    def reject_next_order(self) -> None:
        self.reject_orders += 1

    def take_rejection(self) -> bool:
        if self.reject_orders:
            self.reject_orders -= 1
            return True
        return False

    def run_step(self, step: FaultStep) -> None:
        if step.name == "disconnect":
            self.disconnect_all()
        elif step.name == "notice":
            self.notice(int(step.arg))
        elif step.name == "farm-down":
            self.farm_down(step.arg, step.duration)
        elif step.name == "stall":
            self.stall(step.duration)
        elif step.name == "reject-next-order":
            self.reject_next_order()

    def schedule(self, steps: list[FaultStep]) -> None:
        for step in steps:
            self._later(step.at, self.run_step, step)

    def _later(self, delay: float, fn: Callable[..., object], *args: object) -> None:
        loop = asyncio.get_running_loop()
        self._timers.append(loop.call_later(delay, fn, *args))

    def cancel(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers.clear()
