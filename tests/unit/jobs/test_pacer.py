"""The pacer on a fake clock: each of IB's windows, scaled, and the open-request cap."""

from __future__ import annotations

import asyncio

from apex_tui.jobs.pacer import Pacer, PacingKey
from apex_tui.jobs.settings import PacingSettings


class FakeTime:
    def __init__(self) -> None:
        self.t = 1_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s
        await asyncio.sleep(0)


def make(scale: float = 1.0, **kw: object) -> tuple[Pacer, FakeTime]:
    ft = FakeTime()
    settings = PacingSettings(scale=scale, margin_s=0.0, **kw)
    return Pacer(settings, monotonic=ft.monotonic, sleep=ft.sleep), ft


def key(sym: str, what: str = "TRADES", ident: object = None) -> PacingKey:
    return PacingKey(f"{sym}@SMART", what, ident if ident is not None else object())


async def grant(p: Pacer, k: PacingKey) -> float:
    lease = await p.acquire(k)
    p.release(lease)
    return lease.granted_at


async def test_identical_request_waits_the_scaled_15_s() -> None:
    p, _ft = make(scale=0.1)
    k = key("AAPL", ident="same")
    t1 = await grant(p, k)
    t2 = await grant(p, k)
    assert t2 - t1 == 1.5  # 15 s x 0.1


async def test_sixth_request_for_one_contract_waits_for_the_burst_window() -> None:
    p, _ft = make(scale=0.5)
    times = [await grant(p, key("AAPL")) for _ in range(6)]
    assert times[:5] == [1_000.0] * 5
    assert times[5] == 1_001.0  # 2 s x 0.5 after the first
    # Another contract is not held back by AAPL's burst.
    assert await grant(p, key("MSFT")) == 1_001.0


async def test_rolling_window_allows_60_then_waits_and_bid_ask_counts_twice() -> None:
    p, _ft = make(scale=0.01)  # 600 s -> 6 s
    times = [await grant(p, key(f"S{i}")) for i in range(60)]
    assert times == [1_000.0] * 60
    assert await grant(p, key("LATE")) == 1_006.0
    p2, _ = make(scale=0.01)
    for i in range(59):
        await grant(p2, key(f"S{i}"))
    # 59 used: a BID_ASK request weighs 2 and must wait for the window to roll.
    assert await grant(p2, key("X", "BID_ASK")) == 1_006.0


async def test_budget_reports_usage_and_next_free_slot() -> None:
    p, ft = make(scale=0.01)
    for i in range(60):
        await grant(p, key(f"S{i}"))
    b = p.budget()
    rolling = b.windows[2]
    assert (rolling.used, rolling.left, rolling.seconds) == (60, 0, 6.0)
    assert b.next_free_in == 6.0
    ft.t += 6.0
    assert p.budget().windows[2].used == 0
    assert p.eta(60) == 0.0  # a full window is free again
    assert p.eta(120) == 6.0 and p.eta(121) == 12.0


async def test_open_requests_are_capped() -> None:
    p, _ft = make(max_open=2)
    a = await p.acquire(key("A"))
    await p.acquire(key("B"))
    third = asyncio.create_task(p.acquire(key("C")))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not third.done() and p.budget().open == 2
    p.release(a)
    lease = await asyncio.wait_for(third, 1)
    assert lease.key.contract == "C@SMART"


async def test_concurrent_acquires_never_break_a_window() -> None:
    p, _ft = make(scale=0.01)
    grants: list[tuple[float, PacingKey]] = []

    async def one(i: int) -> None:
        k = key(f"S{i % 3}", ident=f"r{i % 40}")
        lease = await p.acquire(k)
        grants.append((lease.granted_at, k))
        p.release(lease)

    await asyncio.gather(*(one(i) for i in range(150)))
    for i, (t, k) in enumerate(grants):
        earlier = grants[:i]
        assert sum(1 for s, _ in earlier if t - s < 6.0 - 1e-9) < 60
        assert sum(1 for s, q in earlier if q.contract == k.contract and t - s < 0.02 - 1e-9) < 5
        assert not any(q.identity == k.identity and t - s < 0.15 - 1e-9 for s, q in earlier)
