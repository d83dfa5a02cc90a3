"""The option backfill form (`o` in the Jobs pane), driven as a trader would, in the whole app
against its embedded simulator (real socket, real ib_async, real option chains): each bad field
is named under itself, gets the focus and creates nothing; a chain that lacks the asked expiry
is refused through the same notification as `b`; a valid form starts one job per underlying,
which completes with its bars in the dataset."""

from __future__ import annotations

import io
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Static

from apex_tui.core.backfill import BackfillService
from apex_tui.jobs.calendar import session_bounds, sessions
from apex_tui.tui.app import ApexApp
from apex_tui.tui.panes.jobs import JobsPane
from apex_tui.tui.panes.quote_table import QuoteTable
from apex_tui.tui.screens.option_form import FIELDS, OptionForm
from tests.integration.app.conftest import live_app, wait_for
from tests.integration.jobs.test_option_backfill import hour_bars


def isolated_app(tmp_path: Path) -> AbstractAsyncContextManager[tuple[ApexApp, Pilot[Any]]]:
    """live_app with its own jobs folder: the default (data/_jobs) is the checkout's."""
    return live_app(tmp_path, jobs={"state_dir": str(tmp_path / "jobs")})


def field(form: OptionForm, key: str) -> Input:
    return form.query_one(f"#opt-{key}", Input)


def error(form: OptionForm, key: str) -> str:
    return str(form.query_one(f"#opt-{key}-error", Static).content)


def table_text(pane: JobsPane) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(pane.query_one("#jobs-table", Static).content)
    return console.export_text()


def service_of(app: ApexApp) -> BackfillService:
    service = app.engine.backfill
    assert service is not None
    return service


async def open_form(app: ApexApp, pilot: Pilot[Any]) -> OptionForm:
    await pilot.press("6", "o")
    await wait_for(pilot, lambda: isinstance(app.screen, OptionForm), "the option form")
    form = app.screen
    assert isinstance(form, OptionForm)
    return form


async def test_bad_fields_are_named_focused_and_create_nothing(tmp_path: Path) -> None:
    async with isolated_app(tmp_path) as (app, pilot):
        service = service_of(app)
        table = app.query_one(QuoteTable)
        await wait_for(pilot, lambda: table.symbols == ["AAPL", "MSFT"], "two quote rows")
        await pilot.press("down")  # the Quotes cursor on MSFT: the form starts from it
        assert table.selected == "MSFT"

        form = await open_form(app, pilot)
        today = app.engine.clock.now().date()
        assert {f.key: field(form, f.key).value for f in FIELDS} == {
            "symbols": "MSFT",
            "expiries": "next:2",
            "strikes": "atm:3",
            "rights": "C,P",
            "bar-size": "1 min",
            "what": "TRADES",
            "start": (today - timedelta(days=7)).isoformat(),
            "end": today.isoformat(),
        }
        assert app.focused is field(form, "symbols")

        # One bad field at a time: named under itself and in the summary, focused, no job.
        cases = [
            ("expiries", "Soon", "expiries: expiry 'Soon': use YYYYMMDD", "expiries"),
            ("strikes", "190,ABC", "strikes: strike 'ABC': use numbers", "strikes"),
            ("strikes", "atm:0", "strikes atm:N: N must be between 1 and", "strikes"),
            ("symbols", "", "underlyings: enter at least one symbol", "underlyings"),
            ("rights", "X", "rights: right 'X': use C, P or C,P", "rights"),
        ]
        for key, bad, message, name in cases:
            good = field(form, key).value
            field(form, key).value = bad
            await pilot.press("enter")
            assert app.screen is form, f"{key}={bad!r} was accepted"
            assert error(form, key).startswith(message), error(form, key)
            await pilot.pause()
            assert form.query_one(f"#opt-{key}-error", Static).region.height >= 1  # on screen
            others = {f.key: error(form, f.key) for f in FIELDS if f.key != key}
            assert set(others.values()) == {""}, others
            assert str(form.query_one("#opt-error", Static).content) == f"to fix: {name}"
            assert app.focused is field(form, key)
            assert field(form, key).has_class("-invalid")
            assert service.jobs() == []
            field(form, key).value = good
            await pilot.pause()
            assert error(form, key) == ""  # re-checked while typing once problems showed

        # escape closes the form and starts nothing.
        await pilot.press("escape")
        assert not isinstance(app.screen, OptionForm)
        await pilot.pause()
        assert service.jobs() == []

        # Well-formed but not in the chain: only the chain can say; the job is refused the
        # way `b`'s are, with the listed expiries, and nothing is created.
        form = await open_form(app, pilot)
        field(form, "expiries").value = "2020-01-01"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any("20200101 is not in the chain" in n.message for n in app._notifications),
            "the refusal",
        )
        refusal = next(n for n in app._notifications if "20200101" in n.message)
        assert refusal.title == "Backfill not started" and refusal.severity == "error"
        assert "listed:" in refusal.message
        assert service.jobs() == []


async def test_a_valid_form_starts_option_jobs_that_complete(tmp_path: Path) -> None:
    async with isolated_app(tmp_path) as (app, pilot):
        service = service_of(app)
        form = await open_form(app, pilot)
        assert field(form, "symbols").value == "AAPL"  # the first (selected) quote row
        field(form, "symbols").value = "AAPL, msft"
        field(form, "expiries").value = "next:1"
        field(form, "strikes").value = "atm:2"
        field(form, "bar-size").value = "1 hour"
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, OptionForm)

        await wait_for(pilot, lambda: len(service.jobs()) == 2, "two option jobs", within=30)
        await wait_for(
            pilot,
            lambda: all(j.status == "complete" for j in service.jobs()),
            "both jobs to complete",
            within=60,
        )
        pane = app.query_one(JobsPane)
        lake = app.engine.lake
        assert lake is not None
        for job in service.jobs():
            assert (job.failed, job.gaps, job.pacing_violations) == (0, 0, 0), job.errors
            assert job.requests == 4  # 1 expiry x 2 strikes x C/P, the week in one request
            underlying = job.description.split()[0]
            assert job.description.startswith(
                f"{underlying} options expiries next:1 strikes atm:2 C/P 1 hour TRADES"
            )
            await wait_for(
                pilot,
                lambda d=job.description: d in table_text(pane),
                f"{underlying}'s row in the pane",
            )

            # The chain rows, then every contract's RTH hour bars of the finished sessions.
            chain = lake.option_chains.read_chain(underlying)
            assert chain.height == 4 and set(chain["right"].to_list()) == {"C", "P"}
            [expiry] = chain["expiry"].unique().to_list()
            bars = lake.option_bars.read_option_bars(underlying, "1 hour", expiry)
            assert bars.select(["strike", "right", "time"]).n_unique() == bars.height
            days = finished_sessions(job.created_at, app)
            per = bars.group_by(["strike", "right"]).len()
            assert per.height == 4 and set(per["len"].to_list()) == {hour_bars(days)}
            assert bars.height == job.bars_written > 0
        assert len(list((tmp_path / "jobs").glob("*.json"))) == 2  # persisted, resumable
        # The pane catches up on its timer: both rows complete, every request settled.
        await wait_for(pilot, lambda: table_text(pane).count("complete") == 2, "complete rows")
        text = table_text(pane)
        assert text.count("100%") == 2
        assert "req 4/4" in text


def finished_sessions(now: datetime, app: ApexApp) -> list[date]:
    """The form's default range (the last week): its sessions closed by the job's creation."""
    today = app.engine.clock.now().date()
    return [
        d for d in sessions(today - timedelta(days=7), today) if session_bounds(d, True)[1] <= now
    ]
