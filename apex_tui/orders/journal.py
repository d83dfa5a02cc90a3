"""Append-only JSONL journal of every order-path decision, and its reader.

One record per line, written with a single write() and fsync'd before `append` returns, in a
file only the owner can read (mode 0600: it holds positions and orders). A crash can leave
the last line torn; opening the journal again terminates that line and records the recovery,
and the reader tolerates and reports torn or corrupt lines instead of refusing the whole file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import Protocol

from apex_tui.domain.clock import Clock
from apex_tui.domain.errors import StorageError

FILE_MODE = 0o600
_TAIL_PROBE = 64 * 1024


class JournalKind(StrEnum):
    PROPOSAL = "proposal"
    RISK_DECISION = "risk_decision"
    APPROVAL = "approval"
    REJECTION = "rejection"
    EXPIRY = "expiry"
    EDIT = "edit"
    ORDER_SUBMIT = "order_submit"
    ORDER_EVENT = "order_event"
    FILL = "fill"
    CANCEL_REQUEST = "cancel_request"
    FLAG_TOGGLE = "flag_toggle"
    BREAKER_TRIP = "breaker_trip"
    BREAKER_RESET = "breaker_reset"
    KILL_SWITCH = "kill_switch"
    STATE_CHANGE = "state_change"
    CHECKPOINT = "checkpoint"
    CHECKPOINT_ACK = "checkpoint_ack"
    JOURNAL_RECOVERED = "journal_recovered"


class JournalWriter(Protocol):
    """What the order path needs from a journal (tests may pass an in-memory fake)."""

    def append(self, kind: str, data: Mapping[str, object] | None = None) -> None: ...


def to_jsonable(obj: object) -> object:
    """Plain JSON values: dataclasses and mappings to objects, enums to values, datetimes to ISO
    strings, NaN and infinities to null (JSON has no NaN and the reader must stay strict)."""
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    return str(obj)


class Journal:
    """The writer. Thread-safe; every `append` is durable (fsync) when it returns."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd: int | None = os.open(
                path,
                os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                FILE_MODE,
            )
            # O_CREAT's mode only applies to a new file; an older one may be wider.
            os.fchmod(self._fd, FILE_MODE)
        except OSError as exc:
            raise StorageError(f"cannot open journal {path}: {exc}") from exc
        self.recovered: str | None = self._terminate_torn_tail()

    def _terminate_torn_tail(self) -> str | None:
        """If the file ends mid-line (a crash), end that line and say so in a record."""
        with self.path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            if size == 0:
                return None
            fh.seek(max(0, size - _TAIL_PROBE))
            tail = fh.read()
        if tail.endswith(b"\n"):
            return None
        torn = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
        self._write(b"\n")
        note = f"terminated a torn last line of {len(torn)} characters"
        self.append(JournalKind.JOURNAL_RECOVERED, {"detail": note, "torn_prefix": torn[:200]})
        return note

    def append(self, kind: str, data: Mapping[str, object] | None = None) -> None:
        """Write one record `{"ts", "kind", **data}` and fsync it."""
        record: dict[str, object] = {"ts": self._clock.now().isoformat(), "kind": str(kind)}
        if data:
            payload = to_jsonable(data)
            assert isinstance(payload, dict)
            record.update({k: v for k, v in payload.items() if k not in ("ts", "kind")})
        line = json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n"
        self._write(line.encode("utf-8"))

    def _write(self, raw: bytes) -> None:
        with self._lock:
            if self._fd is None:
                raise StorageError(f"journal {self.path} is closed")
            try:
                view = memoryview(raw)
                while view:
                    n = os.write(self._fd, view)
                    view = view[n:]
                os.fsync(self._fd)
            except OSError as exc:
                raise StorageError(f"journal write failed: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class JournalEntry:
    line_no: int
    time: datetime
    kind: str
    record: dict[str, object]


@dataclass(frozen=True, slots=True)
class BadLine:
    line_no: int
    text: str
    torn: bool  # the file's last line, without its newline: a crash mid-write


@dataclass(slots=True)
class JournalRead:
    entries: list[JournalEntry] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)

    @property
    def torn_tail(self) -> BadLine | None:
        return next((b for b in self.bad_lines if b.torn), None)


def read_journal(
    path: Path, *, since: datetime | None = None, kinds: Collection[str] | None = None
) -> JournalRead:
    """Every parseable record at or after `since` whose kind is in `kinds` (None: all)."""
    with path.open("rb") as fh:
        raw = fh.read()
    return parse_journal(raw.split(b"\n"), since=since, kinds=kinds)


def parse_journal(
    lines: Iterable[bytes],
    *,
    since: datetime | None = None,
    kinds: Collection[str] | None = None,
) -> JournalRead:
    """Parse journal lines. A bad line counts as torn when it is the file's last line (no
    newline) or when the next record is the writer's own `journal_recovered` note about it."""
    out = JournalRead()
    all_lines = list(lines)
    # split() leaves b"" after a final newline; anything else in the last slot had no newline.
    last_index = len(all_lines) - 1
    parsed: list[tuple[int, bytes, JournalEntry | None]] = [
        (i, line, _parse_line(i + 1, line)) for i, line in enumerate(all_lines) if line.strip()
    ]
    for n, (i, line, entry) in enumerate(parsed):
        if entry is None:
            following = parsed[n + 1][2] if n + 1 < len(parsed) else None
            recovered = following is not None and following.kind == JournalKind.JOURNAL_RECOVERED
            text = line.decode("utf-8", errors="replace")
            out.bad_lines.append(BadLine(i + 1, text[:200], i == last_index or recovered))
            continue
        if kinds is not None and entry.kind not in kinds:
            continue
        if since is not None and entry.time < since:
            continue
        out.entries.append(entry)
    return out


def _parse_line(line_no: int, line: bytes) -> JournalEntry | None:
    try:
        record = json.loads(line)
        ts = datetime.fromisoformat(record["ts"])
        kind = record["kind"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(record, dict) or not isinstance(kind, str) or ts.tzinfo is None:
        return None
    return JournalEntry(line_no, ts, kind, record)
