"""The Announcer: which events reach the trader as notices, once each, and the journal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from apex_tui.core.announcer import Announcer
from apex_tui.health.model import CheckResult, Status

T = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def make() -> tuple[Announcer, list[tuple[str, Mapping[str, object]]]]:
    journal: list[tuple[str, Mapping[str, object]]] = []
    return Announcer(lambda kind, data: journal.append((kind, data))), journal


def test_a_lost_session_and_its_return_are_announced_once_each() -> None:
    a, journal = make()
    for state, reason in [
        ("CONNECTING", "connecting"),  # never live yet: no news
        ("CONNECTED", "connected to 127.0.0.1:4002"),  # the first connect is not news
        ("DEGRADED", "farm down"),  # still live
        ("RECONNECTING", "heartbeat: no answer"),
        ("RECONNECTING", "retrying in 2 s"),  # the same loss: said once
        ("CONNECTED", "connected to 127.0.0.1:4002"),
        ("CONNECTED", "connected to 127.0.0.1:4002"),
    ]:
        a.check_connection(state, reason)
    notices = a.drain()
    assert [(n.title, n.severity) for n in notices] == [
        ("Disconnected", "error"),
        ("Reconnected", "information"),
    ]
    assert "heartbeat: no answer" in notices[0].message
    assert [kind for kind, _ in journal] == ["alert", "alert"]
    assert a.drain() == []  # drained


def test_only_a_worsening_of_the_data_checks_is_announced() -> None:
    a, _ = make()

    def result(name: str, status: Status) -> CheckResult:
        return CheckResult(name, status, "v", "m", T)

    a.on_health_change(result("market data", Status.DEGRADED), None)  # first result
    a.on_health_change(result("market data", Status.DEGRADED), Status.HEALTHY)
    a.on_health_change(result("market data", Status.HEALTHY), Status.DEGRADED)  # better
    a.on_health_change(result("disk", Status.UNHEALTHY), Status.HEALTHY)  # not announced
    a.on_health_change(result("sink", Status.UNHEALTHY), Status.DEGRADED)
    assert [n.title for n in a.drain()] == ["Health: market data", "Health: sink"]
