"""Turn errors logged anywhere into rate-limited notifications for the app.

The app calls `ErrorNotifier(log_tail()).poll()` on a timer and shows each returned line as
an error notification. At most one line per `every` seconds: errors arriving in between are
held, and the next line names the newest and counts the others, so an error storm is one
notice every few seconds instead of a wall of toasts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from apex_tui.logging import LogRecordView, LogTail

NOTIFY_LEVELS = frozenset({"ERROR", "CRITICAL"})
_SHOWN_FIELDS = 3
_MAX_CHARS = 200


def describe(rec: LogRecordView) -> str:
    """`event: k=v, ...` with the first few fields (ids and the error come first in practice)."""
    fields = ", ".join(f"{k}={v}" for k, v in list(rec.fields.items())[:_SHOWN_FIELDS])
    text = f"{rec.event}: {fields}" if fields else rec.event
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 1] + "…"


class ErrorNotifier:
    """Reads the LogTail since its last poll; returns at most one notification per window."""

    def __init__(
        self,
        tail: LogTail,
        *,
        every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        since_version: int = 0,
    ) -> None:
        self._tail = tail
        self._every = every
        self._mono = monotonic
        self._seen = since_version  # 0: errors logged before the app started count too
        self._held: list[LogRecordView] = []
        self._last_sent: float | None = None

    def poll(self) -> list[str]:
        version, records = self._tail.snapshot()
        fresh = min(version - self._seen, len(records))
        self._seen = version
        self._held.extend(
            r for r in records[len(records) - fresh :] if r.level.upper() in NOTIFY_LEVELS
        )
        if not self._held:
            return []
        now = self._mono()
        if self._last_sent is not None and now - self._last_sent < self._every:
            return []
        newest, others = self._held[-1], len(self._held) - 1
        self._held.clear()
        self._last_sent = now
        line = describe(newest)
        if others:
            line += f" (+{others} more error{'s' if others > 1 else ''}; see the log pane)"
        return [line]
