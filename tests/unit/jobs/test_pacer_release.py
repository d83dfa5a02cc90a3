"""A request counts in the windows from its answer, not its grant: the gateway stamps it in
between, so a slow answer must not reopen a window early (measured: 162s otherwise)."""

from __future__ import annotations

from apex_tui.jobs.pacer import Lease
from tests.unit.jobs.test_pacer import grant, key, make


async def test_the_rolling_window_reopens_a_window_after_the_answer() -> None:
    p, ft = make(window_max=40)  # below the 50 open requests allowed: all 40 may be open
    leases: list[Lease] = [await p.acquire(key(f"S{i}")) for i in range(40)]
    ft.t += 5.0  # the answers arrive 5 s after the grants
    for lease in leases:
        p.release(lease)
    t61 = await grant(p, key("LATE"))
    assert t61 == leases[0].granted_at + 5.0 + 600.0


async def test_an_identical_request_waits_from_the_answer() -> None:
    p, ft = make(scale=0.1)
    k = key("AAPL", ident="same")
    lease = await p.acquire(k)
    ft.t += 1.0
    p.release(lease)
    assert await grant(p, k) == lease.granted_at + 1.0 + 1.5
    assert p.budget().open == 0


async def test_a_request_lost_with_the_session_counts_again_from_the_reconnect() -> None:
    """Its bytes may reach the gateway until the old session ends there: `resent` at the
    reconnect keeps the identical window from then, not from the drop."""
    p, ft = make(scale=0.1)
    k = key("AAPL", ident="same")
    lease = await p.acquire(k)
    p.release(lease)  # failed with the connection
    ft.t += 1.0
    p.resent(k)  # reconnected a second later
    assert await grant(p, k) == lease.granted_at + 1.0 + 1.5
