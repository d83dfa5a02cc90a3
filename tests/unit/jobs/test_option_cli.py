"""`apex-tui backfill --options / --chains` headless with the fake option source."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from apex_tui.jobs import cli
from apex_tui.store import cli as store_cli
from tests.unit.jobs.option_fakes import FakeOptionSource


def parse(argv: list[str], module: object = cli) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)  # type: ignore[attr-defined]
    return parser.parse_args(argv)


RANGE = ["--bar-size", "1 hour", "--start", "2026-11-16", "--end", "2026-11-20"]
OPTIONS = ["--options", "AAPL", "--expiries", "next:2", "--strikes", "atm:3", *RANGE]


@pytest.fixture
def src(monkeypatch: pytest.MonkeyPatch) -> FakeOptionSource:
    made = FakeOptionSource()
    monkeypatch.setattr(cli, "make_source", lambda settings, client_id=None: made)
    return made


def test_options_json_summary_second_run_and_dataset_ls(
    tmp_path: Path, src: FakeOptionSource, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*OPTIONS, "--json", "--data-dir", str(tmp_path)]
    assert cli.run(parse(argv)) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["requests"], out["gaps"], out["failed"]) == ("complete", 12, 0, 0)
    assert out["bars_written"] == 6 * 3 * 7 + 6 * 5 * 7
    assert out["spec"]["kind"] == "options" and out["chain"]["contracts"] == 12
    assert out["chain"]["expiries"] == ["20261118", "20261127"]
    assert out["chain"]["chain_rows_written"] == 12
    calls = len(src.calls)
    assert cli.run(parse(argv)) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["requests"] == 0 and again["chain"]["chain_rows_written"] == 0
    assert len(src.calls) == calls  # not one historical request
    assert store_cli.run(parse(["--data-dir", str(tmp_path), "ls", "--json"], store_cli)) == 0
    kinds = {r["kind"] for r in json.loads(capsys.readouterr().out)}
    assert {"option_bars", "option_chains"} <= kinds


def test_chains_only_snapshot(
    tmp_path: Path, src: FakeOptionSource, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--chains", "AAPL", "--expiries", "20261127", "--rights", "P", "--json"]
    assert cli.run(parse([*argv, "--data-dir", str(tmp_path)])) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["contracts"], out["chain_rows_written"], out["expiries"]) == (6, 6, ["20261127"])
    assert out["reference_price"] is None and src.calls == []  # no bars, no price needed
    assert src.chain_calls == ["params AAPL", "details AAPL 20261127 SMART"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--options", "AAPL", "--bar-size", "1 hour"], "--options needs --start, --end"),
        (["--chains", "AAPL", "--start", "2026-11-16"], "--chains takes no --start"),
        ([*OPTIONS[:2], "--expiries", "next:0", *RANGE], "between 1 and 200"),
        ([*OPTIONS[:2], "--strikes", "atm:x", *RANGE], "N must be a whole number"),
        ([*OPTIONS[:2], "--rights", "X", *RANGE], "use C, P or C,P"),
        (["--options", "../x", *RANGE], "symbol"),
        ([*OPTIONS[:2], "--expiries", "20261120", *RANGE], "20261120 is not in the chain"),
        ([*OPTIONS[:2], "--strikes", "1.25", *RANGE], "strike 1.25 is not listed"),
        (["--symbols", "AAPL"], "--symbols needs --bar-size, --start, --end"),
    ],
)
def test_invalid_arguments_exit_2_with_a_clear_message(
    tmp_path: Path,
    src: FakeOptionSource,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert cli.run(parse([*argv, "--data-dir", str(tmp_path)])) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err
    assert src.calls == []


def test_one_kind_of_job_per_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(["--symbols", "AAPL", "--options", "AAPL"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse([*RANGE])
    assert "one of the arguments --symbols --options --chains is required" in (
        capsys.readouterr().err
    )
