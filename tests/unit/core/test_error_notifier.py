"""Errors logged anywhere become at most one notification per window, counting the rest."""

from __future__ import annotations

import logging

from apex_tui.core.error_notifier import ErrorNotifier, describe
from apex_tui.logging import LogRecordView, LogTail


class Mono:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def emit(tail: LogTail, level: str, event: str, **fields: object) -> None:
    record = logging.makeLogRecord(
        {"name": "apex_tui.t", "levelname": level, "msg": {"event": event, **fields}}
    )
    tail.emit(record)


def test_rate_limited_with_a_count_of_the_suppressed() -> None:
    tail, mono = LogTail(), Mono()
    notifier = ErrorNotifier(tail, every=10.0, monotonic=mono)
    assert notifier.poll() == []
    emit(tail, "INFO", "fine")
    emit(tail, "WARNING", "meh")
    assert notifier.poll() == []  # only errors notify

    emit(tail, "ERROR", "sink_write_failed", error="disk full", kind="ticks")
    assert notifier.poll() == ["sink_write_failed: error=disk full, kind=ticks"]

    emit(tail, "ERROR", "a")
    emit(tail, "ERROR", "b")
    mono.now += 5
    assert notifier.poll() == []  # inside the window: held
    emit(tail, "CRITICAL", "c", order_id=7)
    mono.now += 5
    assert notifier.poll() == ["c: order_id=7 (+2 more errors; see the log pane)"]
    mono.now += 60
    assert notifier.poll() == []  # nothing new


def test_errors_from_before_the_app_started_count() -> None:
    tail, mono = LogTail(), Mono()
    emit(tail, "ERROR", "engine_start_failed", error="refused")
    emit(tail, "ERROR", "again")
    assert ErrorNotifier(tail, monotonic=mono).poll() == ["again (+1 more error; see the log pane)"]
    later = ErrorNotifier(tail, monotonic=mono, since_version=tail.version)
    assert later.poll() == []


def test_tail_overflow_does_not_replay_old_records() -> None:
    tail, mono = LogTail(capacity=3), Mono()
    notifier = ErrorNotifier(tail, every=0.0, monotonic=mono)
    for i in range(5):
        emit(tail, "ERROR", f"e{i}")
    assert notifier.poll() == ["e4 (+2 more errors; see the log pane)"]  # 3 kept by the tail
    assert notifier.poll() == []


def test_describe_truncates_long_lines() -> None:
    rec = LogRecordView("t", "ERROR", "x", "boom", {"error": "y" * 500})
    text = describe(rec)
    assert len(text) == 200 and text.endswith("…") and text.startswith("boom: error=yyy")
