"""Journal: mode 0600, fsync per record, torn last line tolerated and reported, filters, CLI."""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.orders import Side
from apex_tui.orders import cli
from apex_tui.orders.journal import Journal, JournalKind, read_journal
from tests.unit.orders.order_fakes import T0


def write_three(path: Path, clock: FixedClock) -> None:
    with Journal(path, clock) as j:
        j.append(JournalKind.PROPOSAL, {"id": "P1", "side": Side.BUY, "price": math.nan})
        clock.advance(60)
        j.append(JournalKind.APPROVAL, {"proposal_id": "P1"})
        clock.advance(60)
        j.append(JournalKind.FILL, {"order_ref": "P1", "qty": 10, "at": clock.now()})


def test_file_mode_is_0600_even_for_an_existing_wider_file(tmp_path: Path) -> None:
    path = tmp_path / "j" / "orders.jsonl"
    Journal(path, FixedClock(T0)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    Journal(path, FixedClock(T0)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_append_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    with Journal(tmp_path / "j.jsonl", FixedClock(T0)) as j:
        for i in range(3):
            j.append("proposal", {"i": i})
            assert len(synced) == i + 1  # durable before append returns


def test_records_are_one_json_object_per_line_with_plain_values(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_three(path, FixedClock(T0))
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert first == {
        "ts": T0.isoformat(),
        "kind": "proposal",
        "id": "P1",
        "side": "BUY",
        "price": None,
    }
    assert json.loads(lines[2])["at"] == (T0 + timedelta(seconds=120)).isoformat()


def test_reopening_appends(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    clock = FixedClock(T0)
    write_three(path, clock)
    with Journal(path, clock) as j:
        assert j.recovered is None
        j.append("state_change", {"new": "HALTED"})
    assert [e.kind for e in read_journal(path).entries][-1] == "state_change"
    assert len(read_journal(path).entries) == 4


def test_torn_last_line_is_tolerated_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_three(path, FixedClock(T0))
    with path.open("ab") as fh:
        fh.write(b'{"ts":"2026-03-02T15:03:00+00:00","kind":"fi')  # crash mid-write
    result = read_journal(path)
    assert len(result.entries) == 3
    torn = result.torn_tail
    assert torn is not None and torn.line_no == 4 and torn.text.startswith('{"ts"')


def test_reopening_after_a_crash_terminates_the_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    clock = FixedClock(T0)
    write_three(path, clock)
    with path.open("ab") as fh:
        fh.write(b'{"ts":"2026-03-02T15:03:00+00:00","kind":"fi')
    with Journal(path, clock) as j:
        assert j.recovered is not None and "torn" in j.recovered
        j.append("approval", {"proposal_id": "P2"})
    result = read_journal(path)
    kinds = [e.kind for e in result.entries]
    assert kinds[-2:] == ["journal_recovered", "approval"]
    assert len(result.bad_lines) == 1 and result.bad_lines[0].torn


def test_corrupt_line_in_the_middle_is_reported_not_torn(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_three(path, FixedClock(T0))
    lines = path.read_text().splitlines()
    lines.insert(1, "garbage")
    path.write_text("\n".join(lines) + "\n")
    result = read_journal(path)
    assert len(result.entries) == 3
    assert [(b.line_no, b.torn) for b in result.bad_lines] == [(2, False)]


def test_filters_by_kind_and_since(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_three(path, FixedClock(T0))
    assert [e.kind for e in read_journal(path, kinds={"fill", "approval"}).entries] == [
        "approval",
        "fill",
    ]
    since = T0 + timedelta(seconds=60)  # inclusive
    assert [e.kind for e in read_journal(path, since=since).entries] == ["approval", "fill"]
    assert read_journal(path, since=T0 + timedelta(hours=1)).entries == []


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_prints_filters_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.jsonl"
    write_three(path, FixedClock(T0))
    clock = FixedClock(T0 + timedelta(seconds=150))
    assert cli.run(_args("--file", str(path), "--kind", "fill,approval", "--json"), clock) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["kind"] for r in out] == ["approval", "fill"]
    # An age: the last 60 s before 15:02:30 holds only the fill at 15:02:00.
    assert cli.run(_args("--file", str(path), "--since", "60s"), clock) == 0
    text = capsys.readouterr().out
    assert "fill" in text and "approval" not in text
    assert cli.run(_args("--file", str(path), "--since", "2026-03-02T15:01:00"), clock) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_cli_reports_torn_line_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "j.jsonl"
    write_three(path, FixedClock(T0))
    with path.open("ab") as fh:
        fh.write(b'{"ts":')
    assert cli.run(_args("--file", str(path))) == 0
    assert "torn last line" in capsys.readouterr().err
    path.write_text("garbage\n" + path.read_text())
    assert cli.run(_args("--file", str(path))) == 1
    assert cli.run(_args("--file", str(tmp_path / "missing.jsonl"))) == 2
    assert cli.run(_args("--file", str(path), "--since", "yesterday-ish")) == 2
    assert "--since" in capsys.readouterr().err
