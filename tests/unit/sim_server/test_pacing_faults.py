"""Historical pacing rules and the fault script parser."""

from __future__ import annotations

import pytest

from apex_tui.sim.faults import FaultScriptError, FaultStep, parse_faults
from apex_tui.sim.pacing import HistoricalPacing


class Mono:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _check(p: HistoricalPacing, n: int, *, bar: str = "5 secs", what: str = "TRADES",
           con: int = 1, open_requests: int = 0) -> str | None:  # fmt: skip
    return p.check(request_key=(con, n, bar, what), contract_key=(con, "SMART", what),
                   bar_size=bar, what_to_show=what, open_requests=open_requests)  # fmt: skip


def test_identical_request_within_15s_is_refused_then_allowed() -> None:
    clock = Mono()
    p = HistoricalPacing("ib", 1.0, clock)
    assert _check(p, 1) is None
    clock.t = 14.9
    assert _check(p, 1) is not None
    clock.t = 15.0
    assert _check(p, 1) is None


def test_sixth_request_for_one_contract_within_2s() -> None:
    clock = Mono()
    p = HistoricalPacing("ib", 1.0, clock)
    assert all(_check(p, n) is None for n in range(5))
    assert _check(p, 5) is not None
    assert _check(p, 6, con=2) is None  # another contract is unaffected
    clock.t = 2.0
    assert _check(p, 7) is None


def test_sixty_per_ten_minutes_with_bid_ask_counting_twice() -> None:
    clock = Mono()
    p = HistoricalPacing("ib", 1.0, clock)
    for n in range(29):
        clock.t += 3  # slow enough for the 2 s rule
        assert _check(p, n, what="BID_ASK") is None  # 58 counted
    clock.t += 3
    assert _check(p, 100) is None  # 59
    assert _check(p, 101, what="BID_ASK", con=2) is not None  # would be 61
    assert _check(p, 102, con=3) is None  # 60
    assert _check(p, 103, con=4) is not None  # 61
    clock.t = 600 + 3.5  # the first two requests (4 counted) have left the window
    assert _check(p, 104, con=5) is None


def test_modes_and_scale() -> None:
    clock = Mono()
    ib = HistoricalPacing("ib", 0.01, clock)
    assert _check(ib, 1, bar="1 min") is None and _check(ib, 1, bar="1 min") is None
    assert _check(ib, 1) is None and _check(ib, 1) is not None
    clock.t = 0.15  # 15 s scaled by 0.01
    assert _check(ib, 1) is None
    strict = HistoricalPacing("strict", 1.0, clock)
    assert _check(strict, 1, bar="1 day") is None and _check(strict, 1, bar="1 day")
    off = HistoricalPacing("off", 1.0, clock)
    assert _check(off, 1) is None and _check(off, 1) is None
    assert _check(HistoricalPacing("ib", 1.0, clock), 1, open_requests=50) is not None


def test_fault_script_parses_the_documented_example() -> None:
    steps = parse_faults("disconnect@30s,notice:1100@60s,notice:1102@70s,"
                         "farm-down:market@90s+20s,stall@120s+10s,reject-next-order")  # fmt: skip
    assert steps == [
        FaultStep("disconnect", "", 30.0, 0.0),
        FaultStep("notice", "1100", 60.0, 0.0),
        FaultStep("notice", "1102", 70.0, 0.0),
        FaultStep("farm-down", "market", 90.0, 20.0),
        FaultStep("stall", "", 120.0, 10.0),
        FaultStep("reject-next-order", "", 0.0, 0.0),
    ]
    assert parse_faults("stall@500ms+2m") == [FaultStep("stall", "", 0.5, 120.0)]


@pytest.mark.parametrize("bad", ["explode@1s", "notice:42", "farm-down:moon", "stall@soon"])
def test_fault_script_errors_name_the_step(bad: str) -> None:
    with pytest.raises(
        FaultScriptError, match=bad.split("@", maxsplit=1)[0].split(":", maxsplit=1)[0]
    ):
        parse_faults(bad)
