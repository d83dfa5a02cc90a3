"""Reconnect schedule: doubling from base to the cap, jitter bounds, giving up in a window."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from apex_tui.broker.backoff import Backoff
from apex_tui.domain.clock import FixedClock


def _backoff(
    clock: FixedClock,
    *,
    jitter: float = 0.0,
    seed: int = 7,
    max_failures: int = 100,
    window: float = 600.0,
) -> Backoff:
    return Backoff(
        base=1.0,
        cap=60.0,
        jitter=jitter,
        max_failures=max_failures,
        window=window,
        clock=clock,
        rng=random.Random(seed),
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 5, 15, 0, tzinfo=UTC))


def test_without_jitter_delays_double_from_one_second_up_to_sixty(clock: FixedClock) -> None:
    b = _backoff(clock)
    delays = [b.next_delay() for _ in range(9)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_jitter_stays_within_its_fraction_and_is_reproducible_with_a_seed(
    clock: FixedClock,
) -> None:
    first = _backoff(clock, jitter=0.2, seed=42)
    again = _backoff(clock, jitter=0.2, seed=42)
    other = _backoff(clock, jitter=0.2, seed=43)
    a = [first.next_delay() for _ in range(8)]
    assert a == [again.next_delay() for _ in range(8)]
    assert a != [other.next_delay() for _ in range(8)]
    for delay, nominal in zip(a, [1, 2, 4, 8, 16, 32, 60, 60], strict=True):
        assert delay is not None
        assert 0.8 * nominal <= delay <= min(60.0, 1.2 * nominal)
    # jitter actually spreads: not every delay equals its nominal value
    assert any(d != n for d, n in zip(a, [1, 2, 4, 8, 16, 32, 60, 60], strict=True))


def test_success_restarts_the_schedule_from_base(clock: FixedClock) -> None:
    b = _backoff(clock)
    b.next_delay()
    b.next_delay()
    b.succeeded()
    assert b.next_delay() == 1


def test_gives_up_after_n_failures_within_the_window(clock: FixedClock) -> None:
    b = _backoff(clock, max_failures=3, window=60.0)
    assert b.next_delay() is not None
    assert b.next_delay() is not None
    assert b.next_delay() is None
    assert b.failures_in_window == 3


def test_failures_older_than_the_window_do_not_count(clock: FixedClock) -> None:
    b = _backoff(clock, max_failures=3, window=60.0)
    b.next_delay()
    b.next_delay()
    clock.advance(61)
    assert b.failures_in_window == 0
    assert b.next_delay() is not None


def test_reset_after_giving_up_allows_new_attempts(clock: FixedClock) -> None:
    b = _backoff(clock, max_failures=2)
    b.next_delay()
    assert b.next_delay() is None
    b.reset()
    assert b.next_delay() == 1
