"""Persisted job state: one JSON file per job, rewritten atomically after every settled step.

A request is saved as "done" only after its bars are in the dataset, so a job restarted after
a crash re-asks at most the requests whose bars were still buffered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from apex_tui.domain.errors import StorageError
from apex_tui.jobs.option_spec import OptionBackfillSpec
from apex_tui.jobs.planner import PlannedRequest
from apex_tui.jobs.source import BarRequest, OptionContract
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.store.atomic import write_bytes_atomic
from apex_tui.store.paths import DatasetRoot

RequestStatus = Literal["pending", "done", "gap", "failed"]
JobStatus = Literal["pending", "running", "paused", "complete", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"complete", "failed", "cancelled"})
MAX_ERRORS_KEPT = 50

JobSpec = BackfillSpec | OptionBackfillSpec


def spec_from_json(data: dict[str, Any]) -> JobSpec:
    """A job's spec from its state file ("kind": "options" for option bars, else equities)."""
    if data.get("kind") == OptionBackfillSpec.KIND:
        return OptionBackfillSpec.from_json(data)
    return BackfillSpec.from_json(data)


@dataclass
class RequestState:
    """One planned request and what became of it."""

    planned: PlannedRequest
    status: RequestStatus = "pending"
    attempts: int = 0
    bars: int = 0
    error: str | None = None

    @property
    def key(self) -> str:
        return self.planned.key

    def to_json(self) -> dict[str, Any]:
        r = self.planned.request
        extra = {} if r.option is None else {"option": r.option.to_json()}
        return {
            **extra,
            "symbol": r.symbol,
            "bar_size": r.bar_size,
            "what_to_show": r.what_to_show,
            "end": r.end.isoformat(),
            "duration": r.duration,
            "use_rth": r.use_rth,
            "sessions": [d.isoformat() for d in self.planned.sessions],
            "start": self.planned.start.isoformat(),
            "stop": self.planned.end.isoformat(),
            "status": self.status,
            "attempts": self.attempts,
            "bars": self.bars,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RequestState:
        req = BarRequest(
            d["symbol"],
            d["bar_size"],
            d["what_to_show"],
            datetime.fromisoformat(d["end"]),
            d["duration"],
            bool(d["use_rth"]),
            OptionContract.from_json(d["option"]) if d.get("option") else None,
        )
        planned = PlannedRequest(
            req,
            tuple(date.fromisoformat(s) for s in d["sessions"]),
            datetime.fromisoformat(d["start"]),
            datetime.fromisoformat(d["stop"]),
        )
        return cls(planned, d["status"], int(d["attempts"]), int(d["bars"]), d.get("error"))


@dataclass
class JobState:
    """A job, its plan and its counters (what the Jobs pane shows)."""

    id: str
    spec: JobSpec
    created_at: datetime
    requests: list[RequestState] = field(default_factory=list)
    status: JobStatus = "pending"
    bars_written: int = 0
    retries: int = 0
    pacing_violations: int = 0
    disconnects: int = 0
    errors: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def count(self, status: RequestStatus) -> int:
        return sum(1 for r in self.requests if r.status == status)

    @property
    def settled(self) -> int:
        return sum(1 for r in self.requests if r.status != "pending")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def add_error(self, text: str) -> None:
        self.errors.append(text)
        del self.errors[:-MAX_ERRORS_KEPT]

    def summary(self) -> dict[str, Any]:
        """The `--json` summary and the details view's header."""
        took = None
        if self.started_at and self.finished_at:
            took = round((self.finished_at - self.started_at).total_seconds(), 3)
        return {
            "job_id": self.id,
            "status": self.status,
            "spec": self.spec.to_json(),
            "requests": len(self.requests),
            "requests_done": self.count("done"),
            "gaps": self.count("gap"),
            "failed": self.count("failed"),
            "bars_written": self.bars_written,
            "retries": self.retries,
            "pacing_violations": self.pacing_violations,
            "disconnects": self.disconnects,
            "duration_s": took,
            "gap_sessions": sorted(
                {
                    f"{r.planned.request.series} {d}"
                    for r in self.requests
                    if r.status == "gap"
                    for d in r.planned.sessions
                }
            ),
            "errors": self.errors[-10:],
        }

    def to_json(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return t.isoformat() if t else None

        return {
            "id": self.id,
            "spec": self.spec.to_json(),
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "bars_written": self.bars_written,
            "retries": self.retries,
            "pacing_violations": self.pacing_violations,
            "disconnects": self.disconnects,
            "errors": self.errors,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "requests": [r.to_json() for r in self.requests],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> JobState:
        def dt(v: Any) -> datetime | None:
            return datetime.fromisoformat(v) if v else None

        created = dt(d["created_at"])
        assert created is not None
        return cls(
            id=str(d["id"]),
            spec=spec_from_json(d["spec"]),
            created_at=created,
            requests=[RequestState.from_json(r) for r in d["requests"]],
            status=d["status"],
            bars_written=int(d["bars_written"]),
            retries=int(d["retries"]),
            pacing_violations=int(d["pacing_violations"]),
            disconnects=int(d.get("disconnects", 0)),
            errors=list(d["errors"]),
            started_at=dt(d.get("started_at")),
            finished_at=dt(d.get("finished_at")),
        )


class JobStore:
    """Job state files in a local folder: `<id>.json`, written atomically."""

    def __init__(self, folder: str | Path) -> None:
        self.root = DatasetRoot(folder)

    def _path(self, job_id: str) -> str:
        if not job_id.replace("-", "").isalnum():
            raise StorageError(f"bad job id {job_id!r}", retryable=False)
        return self.root.join(f"{job_id}.json")

    def save(self, job: JobState) -> None:
        body = json.dumps(job.to_json(), indent=1).encode()
        write_bytes_atomic(self.root, self._path(job.id), body)

    def load(self, job_id: str) -> JobState:
        try:
            text = Path(self._path(job_id)).read_text()
            return JobState.from_json(json.loads(text))
        except (OSError, ValueError, KeyError) as exc:
            raise StorageError(f"job {job_id}: cannot load state: {exc}", retryable=False) from exc

    def all(self) -> list[JobState]:
        folder = Path(self.root.base)
        if not folder.is_dir():
            return []
        jobs = [self.load(p.stem) for p in sorted(folder.glob("*.json"))]
        return sorted(jobs, key=lambda j: j.created_at)

    def unfinished(self) -> list[JobState]:
        return [j for j in self.all() if not j.finished]
