"""Periodic: runs on schedule, survives a failing call, stops cleanly."""

from __future__ import annotations

import asyncio

from apex_tui.periodic import Periodic


async def wait_until(cond: object, within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not cond():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def test_calls_repeatedly_and_survives_a_failure() -> None:
    calls: list[int] = []

    def fn() -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("one bad tick")

    task = Periodic(fn, 0.01, name="t")
    task.start()
    await wait_until(lambda: len(calls) >= 4)
    assert task.running
    await task.stop()
    assert not task.running
    seen = len(calls)
    await asyncio.sleep(0.05)
    assert len(calls) == seen  # stopped means stopped


async def test_async_function_and_immediate_first_call() -> None:
    calls: list[str] = []

    async def fn() -> None:
        calls.append("x")

    task = Periodic(fn, 60.0, name="t", immediate=True)
    task.start()
    await wait_until(lambda: calls == ["x"])
    await task.stop()
