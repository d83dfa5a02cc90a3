"""`apex-tui backfill` headless, with the fake source in place of the Engine's connector."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from apex_tui.domain.errors import BrokerError
from apex_tui.jobs import cli
from apex_tui.store import cli as store_cli
from tests.unit.jobs.fakes import FakeSource


def parse(argv: list[str], module: object = cli) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)  # type: ignore[attr-defined]
    return parser.parse_args(argv)


ARGS = [
    "--symbols",
    "AAPL,MSFT",
    "--bar-size",
    "1 min",
    "--start",
    "2026-11-02",
    "--end",
    "2026-11-06",
]


def test_backfill_json_summary_and_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = FakeSource()
    monkeypatch.setattr(cli, "make_source", lambda settings, client_id=None: src)
    argv = [*ARGS, "--json", "--data-dir", str(tmp_path)]
    assert cli.run(parse(argv)) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["requests"], out["bars_written"], out["gaps"]) == (
        "complete",
        10,
        3900,
        0,
    )
    assert out["pacing_violations"] == 0 and out["duration_s"] is not None
    # Second run: nothing to ask, still complete.
    assert cli.run(parse(argv)) == 0
    assert json.loads(capsys.readouterr().out)["requests"] == 0 and len(src.calls) == 10
    # The dataset commands see the result.
    assert store_cli.run(parse(["--data-dir", str(tmp_path), "ls", "--json"], store_cli)) == 0
    listing = json.loads(capsys.readouterr().out)
    assert {(r["series"], r["rows"]) for r in listing} == {
        ("bar_size=1min what_to_show=TRADES symbol=AAPL", 1950),
        ("bar_size=1min what_to_show=TRADES symbol=MSFT", 1950),
    }
    assert store_cli.run(parse(["--data-dir", str(tmp_path), "verify"], store_cli)) == 0


def test_backfill_exits_1_when_a_request_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        cli, "make_source", lambda s, c=None: FakeSource(fail={1: BrokerError("no", code=200)})
    )
    assert cli.run(parse([*ARGS, "--json", "--all-hours", "--data-dir", str(tmp_path)])) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "failed" and out["failed"] == 1 and out["spec"]["rth"] is False


def test_backfill_exits_2_on_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--symbols",
        "../etc",
        "--bar-size",
        "1 min",
        "--start",
        "2026-11-02",
        "--end",
        "2026-11-06",
    ]
    assert cli.run(parse([*argv, "--data-dir", str(tmp_path)])) == 2
    assert "'../etc'" in capsys.readouterr().err
    assert not (tmp_path / "bars").exists()


def test_dataset_verify_exits_1_and_compact_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bars" / "bar_size=1min" / "what_to_show=TRADES" / "symbol=AAPL" / "year=2026"
    bad.mkdir(parents=True)
    (bad / "part-x.parquet").write_bytes(b"PAR1junk")
    assert store_cli.run(parse(["--data-dir", str(tmp_path), "verify", "--json"], store_cli)) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"][0]["reason"].startswith("unreadable")
    assert store_cli.run(parse(["--data-dir", str(tmp_path), "compact", "--json"], store_cli)) == 0
    assert json.loads(capsys.readouterr().out)["bars"]["partitions"] == 0
