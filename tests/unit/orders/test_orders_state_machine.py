"""The order state machine over every (state, trigger) pair, and the races it must survive."""

from __future__ import annotations

import itertools

import pytest

from apex_tui.orders.state_machine import OrderState, Trigger, transition

S, T = OrderState, Trigger

ALL_PAIRS = list(itertools.product(OrderState, Trigger))


def test_table_covers_every_pair() -> None:
    assert len(ALL_PAIRS) == len(OrderState) * len(Trigger) == 64
    for state, trigger in ALL_PAIRS:
        step = transition(state, trigger)
        assert step.to is None or isinstance(step.to, OrderState)
        assert step.note, (state, trigger)


@pytest.mark.parametrize(("state", "trigger"), ALL_PAIRS)
def test_terminal_states_only_leave_for_a_complete_fill(
    state: OrderState, trigger: Trigger
) -> None:
    step = transition(state, trigger)
    if state.terminal and step.to is not None and step.to is not state:
        # The only way out of a terminal state: an execution that completes the order, which
        # is money that changed hands and must be reflected, flagged as an anomaly.
        assert trigger is T.FILL and step.to is S.FILLED and step.anomaly


@pytest.mark.parametrize(("state", "trigger"), ALL_PAIRS)
def test_filled_is_absorbing(state: OrderState, trigger: Trigger) -> None:
    if state is S.FILLED:
        assert transition(state, trigger).to is None


# Expected next state for every pair (None: unchanged), written from the order's life, not
# from the table: reading down a column tells the story of one trigger.
EXPECTED: dict[OrderState, dict[Trigger, OrderState | None]] = {
    S.PENDING_SUBMIT: {
        T.ACCEPTED: S.WORKING,
        T.PLACE_TIMEOUT: S.UNKNOWN,
        T.REJECTED: S.REJECTED,
        T.PARTIAL_FILL: S.PARTIALLY_FILLED,
        T.FILL: S.FILLED,
        T.CANCEL_REQUESTED: S.PENDING_CANCEL,
        T.CANCEL_FAILED: None,
        T.CANCELLED: S.CANCELLED,
    },
    S.UNKNOWN: {
        T.ACCEPTED: S.WORKING,
        T.PLACE_TIMEOUT: None,
        T.REJECTED: S.REJECTED,
        T.PARTIAL_FILL: S.PARTIALLY_FILLED,
        T.FILL: S.FILLED,
        T.CANCEL_REQUESTED: S.PENDING_CANCEL,
        T.CANCEL_FAILED: None,
        T.CANCELLED: S.CANCELLED,
    },
    S.WORKING: {
        T.ACCEPTED: None,
        T.PLACE_TIMEOUT: None,
        T.REJECTED: S.REJECTED,
        T.PARTIAL_FILL: S.PARTIALLY_FILLED,
        T.FILL: S.FILLED,
        T.CANCEL_REQUESTED: S.PENDING_CANCEL,
        T.CANCEL_FAILED: None,
        T.CANCELLED: S.CANCELLED,
    },
    S.PARTIALLY_FILLED: {
        T.ACCEPTED: None,
        T.PLACE_TIMEOUT: None,
        T.REJECTED: S.REJECTED,
        T.PARTIAL_FILL: S.PARTIALLY_FILLED,
        T.FILL: S.FILLED,
        T.CANCEL_REQUESTED: S.PENDING_CANCEL,
        T.CANCEL_FAILED: None,
        T.CANCELLED: S.CANCELLED,
    },
    S.PENDING_CANCEL: {
        T.ACCEPTED: None,
        T.PLACE_TIMEOUT: None,
        T.REJECTED: S.REJECTED,
        T.PARTIAL_FILL: None,  # fill during the cancel: still waiting for the cancel's outcome
        T.FILL: S.FILLED,  # the fill won the race
        T.CANCEL_REQUESTED: None,  # not sent twice
        T.CANCEL_FAILED: S.WORKING,  # nothing filled: back to working
        T.CANCELLED: S.CANCELLED,
    },
    S.FILLED: dict.fromkeys(Trigger),
    S.CANCELLED: {**dict.fromkeys(Trigger), T.FILL: S.FILLED},
    S.REJECTED: {**dict.fromkeys(Trigger), T.FILL: S.FILLED},
}


@pytest.mark.parametrize(("state", "trigger"), ALL_PAIRS)
def test_every_pair_matches_the_expected_outcome(state: OrderState, trigger: Trigger) -> None:
    assert transition(state, trigger).to is EXPECTED[state][trigger]


def test_failed_cancel_of_a_partially_filled_order_returns_to_partially_filled() -> None:
    assert transition(S.PENDING_CANCEL, T.CANCEL_FAILED, filled_qty=30).to is S.PARTIALLY_FILLED
    assert transition(S.PENDING_CANCEL, T.CANCEL_FAILED, filled_qty=0).to is S.WORKING


def run(*triggers: Trigger, start: OrderState = S.PENDING_SUBMIT) -> OrderState:
    state = start
    for t in triggers:
        step = transition(state, t)
        state = step.to or state
    return state


def test_race_cancel_vs_fill_fill_wins() -> None:
    # Cancel requested, the fill arrives, then the broker refuses the cancel (IB 10148).
    assert run(T.ACCEPTED, T.CANCEL_REQUESTED, T.FILL, T.CANCEL_FAILED) is S.FILLED


def test_race_cancel_vs_fill_cancel_wins_then_late_partial() -> None:
    # Cancel confirmed; an execution report for shares done before the cancel arrives late.
    final = run(T.ACCEPTED, T.CANCEL_REQUESTED, T.CANCELLED, T.PARTIAL_FILL)
    assert final is S.CANCELLED
    assert transition(S.CANCELLED, T.PARTIAL_FILL).anomaly


def test_partial_fills_then_complete() -> None:
    assert run(T.ACCEPTED, T.PARTIAL_FILL, T.PARTIAL_FILL, T.FILL) is S.FILLED


def test_fill_before_ack_and_late_ack_is_ignored() -> None:
    assert run(T.FILL, T.ACCEPTED) is S.FILLED


def test_timeout_then_late_ack_resolves() -> None:
    assert run(T.PLACE_TIMEOUT, T.ACCEPTED) is S.WORKING


def test_repeated_cancel_request_is_not_a_transition() -> None:
    assert not transition(S.PENDING_CANCEL, T.CANCEL_REQUESTED).changes


def test_open_and_terminal_partition_the_states() -> None:
    assert {s for s in OrderState if s.terminal} == {S.FILLED, S.CANCELLED, S.REJECTED}
    assert all(s.open != s.terminal for s in OrderState)
