"""Structured logging: JSON lines to a rotated file, plus an in-memory tail for the log pane.

Every stdlib logger (ib_async's, the simulator's) goes through the same structlog processors,
so one file holds everything. Nothing is written to the terminal while the TUI owns it.
Correlation ids (proposal_id, order_id, job_id) are bound with `bind_ids` and ride along in
every record logged inside that context.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    structlog.processors.format_exc_info,
]


@dataclass(frozen=True, slots=True)
class LogRecordView:
    """One log record as the log pane shows it."""

    time: str
    level: str
    logger: str
    event: str
    fields: dict[str, Any]


class LogTail(logging.Handler):
    """Keeps the last `capacity` records in memory with a version counter for the log pane."""

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__()
        self._records: deque[LogRecordView] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.version = 0

    def emit(self, record: logging.LogRecord) -> None:
        # structlog records carry their event dict as msg; stdlib ones (ib_async) a format string.
        event_dict: dict[str, Any] = (
            record.msg if isinstance(record.msg, dict) else {"event": record.getMessage()}
        )
        fields = {
            k: v
            for k, v in event_dict.items()
            if k not in {"event", "level", "logger", "timestamp", "_record", "_from_structlog"}
        }
        view = LogRecordView(
            time=datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            level=record.levelname,
            logger=record.name,
            event=str(event_dict.get("event", "")),
            fields=fields,
        )
        with self._lock:
            self._records.append(view)
            self.version += 1

    def snapshot(self) -> tuple[int, list[LogRecordView]]:
        """The current version and a copy of the records, oldest first."""
        with self._lock:
            return self.version, list(self._records)


_TAIL = LogTail()


def log_tail() -> LogTail:
    """The process-wide tail handler that the log pane reads."""
    return _TAIL


def _open_private(path: Path) -> None:
    """Create the log file with mode 0600 before the handler opens it (it may hold account ids)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode only applies to a new file; an older one may be wider
    finally:
        os.close(fd)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every file it opens, the fresh one after each rollover included, is mode 0600 (the
    stock handler opens with the umask's default, typically 0644)."""

    def _open(self) -> Any:
        _open_private(Path(self.baseFilename))
        return super()._open()


def configure_logging(
    file: Path | None,
    level: str = "INFO",
    *,
    max_bytes: int = 10_000_000,
    backups: int = 5,
    console: bool = False,
) -> None:
    """Route structlog and stdlib logging to `file` (JSON lines) and the in-memory tail.

    `console` adds a stderr handler: for headless commands only, never under the TUI.
    """
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)

    json_formatter = structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(default=str),
        ],
        foreign_pre_chain=_SHARED_PROCESSORS,
    )
    if file is not None:
        _open_private(file)
        file_handler = _PrivateRotatingFileHandler(
            file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        file_handler.setFormatter(json_formatter)
        root.addHandler(file_handler)

    tail = log_tail()
    root.addHandler(tail)

    if console:
        console_handler = logging.StreamHandler()
        console_handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.dev.ConsoleRenderer(colors=False),
                ],
                foreign_pre_chain=_SHARED_PROCESSORS,
            )
        )
        root.addHandler(console_handler)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger named for its module."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


@contextmanager
def bind_ids(**ids: str | int) -> Iterator[None]:
    """Bind correlation ids (proposal_id=..., order_id=..., job_id=...) for the block's records."""
    with structlog.contextvars.bound_contextvars(**ids):
        yield
