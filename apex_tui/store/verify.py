"""`dataset verify`: read every footer, quarantine unreadable, empty or foreign-schema files."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pyarrow.parquet as pq

from apex_tui.store.atomic import write_bytes_atomic
from apex_tui.store.paths import QUARANTINE_DIR, DatasetRoot
from apex_tui.store.schemas import KINDS, KindSpec


@dataclass(frozen=True, slots=True)
class Problem:
    """One file that failed verification and where it was moved."""

    path: str
    reason: str
    moved_to: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Files checked, rows seen in good files, and the problems found."""

    files_checked: int = 0
    rows: int = 0
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    report_path: str | None = None

    @property
    def clean(self) -> bool:
        return not self.problems


def check_file(root: DatasetRoot, spec: KindSpec, path: str) -> tuple[int, str | None]:
    """(rows, None) for a good file, (0, reason) otherwise: footer, rows and schema checked."""
    try:
        with root.fs.open_input_file(path) as fh:
            meta = pq.read_metadata(fh)
            schema = meta.schema.to_arrow_schema()
    except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError
        return 0, f"unreadable footer: {exc}"
    if meta.num_rows == 0:
        return 0, "no rows"
    expected = spec.file_schema
    if not schema.remove_metadata().equals(expected.remove_metadata()):
        return 0, f"schema differs from {spec.name} v1: {schema.names}"
    return int(meta.num_rows), None


def verify(
    root: DatasetRoot, *, quarantine: bool = True, now: datetime | None = None
) -> VerifyReport:
    """Check every visible file of every kind; move bad ones under `_quarantine/<stamp>/`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    qdir = root.join(QUARANTINE_DIR, stamp)
    checked = rows = 0
    problems: list[Problem] = []
    for spec in KINDS.values():
        for f in root.list_files(spec):
            checked += 1
            n, reason = check_file(root, spec, f.path)
            if reason is None:
                rows += n
                continue
            moved = None
            if quarantine:
                moved = f"{qdir}/{f.path[len(root.base) + 1 :]}"
                root.fs.create_dir(moved.rsplit("/", 1)[0], recursive=True)
                root.fs.move(f.path, moved)
            problems.append(Problem(f.path, reason, moved))
    report_path = None
    if problems and quarantine:
        report_path = f"{qdir}/report.json"
        body = {"checked": checked, "problems": [asdict(p) for p in problems]}
        write_bytes_atomic(root, report_path, json.dumps(body, indent=2).encode())
    return VerifyReport(checked, rows, tuple(problems), report_path)
