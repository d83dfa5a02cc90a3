"""The approval card: everything needed to approve one proposal, and nothing sent without `y`.

Shows the order; reference vs current quote (distance in ticks and %); quote age; every risk
check with pass/fail and headroom, the tightest highlighted; what-if margin and commission from
the broker; the signal's provenance; "if every pending proposal were approved" headroom; and
why approval is locked, if it is. `y` approves (the queue re-checks risk against the current
quote and sends at most once), `n` rejects, `e` edits quantity or price.
"""

from __future__ import annotations

import math
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from apex_tui.core.trading import TradingDesk
from apex_tui.domain.errors import ApexError
from apex_tui.domain.orders import WhatIf, price_ticks
from apex_tui.orders.approvals import ProposalStatus
from apex_tui.orders.proposal import Proposal
from apex_tui.risk.engine import RiskDecision
from apex_tui.risk.views import reference_price
from apex_tui.tui.screens.cockpit_modal import CockpitModal


def _money(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:,.2f}"


def _amount(x: float) -> str:
    """A limit's use or headroom, readable at a glance (no scientific notation)."""
    if math.isnan(x) or math.isinf(x):
        return "—"
    if abs(x) >= 1000 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:,.2f}" if abs(x) >= 1 else f"{x:.3f}"


class ApprovalCard(CockpitModal[None]):
    """One proposal, checked live; the trader decides."""

    # Nothing takes focus on open: `y`, `n`, `e` must reach the card, not the hidden prompt.
    AUTO_FOCUS = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "approve", "Approve", tooltip="Approve: re-check risk, then send once"),
        Binding("n", "reject", "Reject", tooltip="Reject the proposal now (nothing is sent)"),
        Binding("r", "reject_why", "Reject…", tooltip="Reject with a reason for the journal"),
        Binding("e", "edit", "Edit", tooltip="Edit quantity and price (re-checked)"),
        Binding("escape", "close", "Close", tooltip="Close the card; the proposal stays pending"),
        Binding("down,j", "scroll(1)", "Scroll", show=False),
        Binding("up,k", "scroll(-1)", "Scroll", show=False),
        Binding("pagedown", "scroll(10)", "Scroll", show=False),
        Binding("pageup", "scroll(-10)", "Scroll", show=False),
    ]

    def __init__(self, desk: TradingDesk, proposal_id: str) -> None:
        super().__init__()
        self._desk = desk
        self._pid = proposal_id
        self._what_if: WhatIf | None = None
        self._what_if_error = ""
        self._busy = False
        self._done = False
        self._prompt_mode = ""

    def compose(self) -> ComposeResult:
        # Scrolls when the terminal is shorter than the card (~40 lines with every check); the
        # keys line is docked at its bottom and the risk summary sits under the order, so what
        # to press and whether any check fails stay in sight on a small terminal.
        with VerticalScroll(id="approval-card"):
            yield Static("", id="card-title")
            yield Static("", id="card-order")
            yield Static("", id="card-risk")
            yield Static("", id="card-locks")
            yield Static("", id="card-checks")
            yield Static("", id="card-whatif")
            yield Static("", id="card-all")
            yield Static("", id="card-keys")

    def on_mount(self) -> None:
        self.refresh_card()
        self.set_interval(0.5, self.refresh_card)
        self.fetch_what_if()

    @property
    def proposal(self) -> Proposal:
        return self._desk.queue.get(self._pid)

    @work(exclusive=True, group="what-if")
    async def fetch_what_if(self) -> None:
        try:
            self._what_if = await self._desk.what_if(self.proposal)
            self._what_if_error = ""
        except ApexError as exc:
            self._what_if_error = str(exc)
        self.refresh_card()

    # --- rendering -----------------------------------------------------------------------
    def refresh_card(self) -> None:
        desk, p = self._desk, self.proposal
        status = desk.queue.status(self._pid)
        now = desk.proposals_clock_now()
        left = p.seconds_left(now)
        title = Text(f"Proposal {p.id}  ", style="bold")
        if status is ProposalStatus.PENDING:
            title.append(f"expires in {max(0.0, left):.0f} s", style="bold" if left > 10 else "red")
        else:
            title.append(status.value, style="bold")
        self.query_one("#card-title", Static).update(title)
        self.query_one("#card-order", Static).update(self._order_text(p))
        locks = desk.queue.lock_reasons(self._pid) if status is ProposalStatus.PENDING else []
        lock_line = self.query_one("#card-locks", Static)
        lock_line.display = bool(locks)
        lock_line.update(Text("Approval locked: " + "; ".join(locks), style="bold red"))
        decision = desk.queue.preview(self._pid)
        self.query_one("#card-risk", Static).update(_risk_summary(decision))
        self.query_one("#card-checks", Static).update(self._checks_table(decision))
        self.query_one("#card-whatif", Static).update(self._what_if_text())
        all_text = self._all_text()
        all_line = self.query_one("#card-all", Static)
        all_line.display = bool(all_text)
        all_line.update(all_text)
        keys = (
            "[b]y[/b] approve  [b]n[/b] reject  [b]r[/b] reject with reason  [b]e[/b] edit"
            "  [b]esc[/b] close"
        )
        if status is not ProposalStatus.PENDING:
            keys = "[b]esc[/b] close"
        self.query_one("#card-keys", Static).update(keys)

    def _order_text(self, p: Proposal) -> Text:
        quote = self._desk.current_quote(p.symbol)
        text = Text()
        price = "MKT" if p.limit_price is None else f"LMT {p.limit_price:,.2f}"
        side_style = "bold green" if p.side.value == "BUY" else "bold red"
        text.append(f"{p.side.value} ", style=side_style)
        text.append(f"{p.qty:,.0f} {p.symbol} {price} {p.tif.value}\n", style="bold")
        ref = reference_price(p.reference)
        cur = reference_price(quote)
        text.append(f"reference {_money(ref)} (bid {_money(p.reference.bid)} / ask ")
        text.append(f"{_money(p.reference.ask)})\n")
        if quote is None or math.isnan(cur):
            text.append("current quote: none\n", style="red")
        else:
            ticks = math.copysign(price_ticks(cur, ref, p.tick_size), cur - ref)
            pct = 100 * (cur - ref) / ref if ref else math.nan
            age = self._desk.quote_age(p.symbol)
            text.append(
                f"current   {_money(cur)} (bid {_money(quote.bid)} / ask {_money(quote.ask)})"
            )
            text.append(f"  drift {ticks:+.0f} ticks ({pct:+.2f}%)  age {age:.1f} s")
            if quote.stale:
                text.append("  STALE", style="bold red")
            text.append("\n")
        if p.limit_price is not None and not math.isnan(cur):
            dist = math.copysign(price_ticks(p.limit_price, cur, p.tick_size), p.limit_price - cur)
            text.append(f"limit is {dist:+.0f} ticks from the current mid\n")
        notional = p.qty * (p.limit_price if p.limit_price is not None else cur)
        text.append(f"notional {_money(notional)}   from: {p.provenance.generator}")
        if p.provenance.detail:
            text.append(f" — {p.provenance.detail}")
        return text

    def _checks_table(self, decision: RiskDecision) -> Table:
        tightest = decision.tightest.name
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        for title, justify in (
            ("check", "left"),
            ("", "left"),
            ("use / limit", "right"),
            ("headroom", "right"),
        ):
            table.add_column(title, justify=justify)  # type: ignore[arg-type]
        for c in decision.checks:
            style = "" if c.passed else "bold red"
            if c.name == tightest:
                style += " reverse"
            mark = Text("pass", style="green") if c.passed else Text("FAIL", style="bold red")
            if c.gate:
                use, head = c.message if not c.passed else "", ""
            else:
                use = f"{_amount(c.current)} / {_amount(c.limit)}"
                head = _amount(c.headroom)
            table.add_row(Text(c.name, style=style.strip()), mark, use, head)
        return table

    def _what_if_text(self) -> Text:
        if self._what_if_error:
            return Text(f"what-if: {self._what_if_error}", style="yellow")
        w = self._what_if
        if w is None:
            return Text("what-if: asking the broker…", style="dim")
        text = Text("what-if: ")
        text.append(
            f"init margin {w.init_margin_change:+,.2f}  maint {w.maint_margin_change:+,.2f}"
        )
        text.append(f"  commission {w.commission:,.2f} {w.currency}")
        if w.warning:
            text.append(f"  {w.warning}", style="yellow")
        return text

    def _all_text(self) -> Text:
        decisions = self._desk.queue.if_all_approved()
        if len(decisions) < 2:
            return Text("")
        last = decisions[-1]
        failing = [d for d in decisions if not d.passed]
        t = last.tightest
        text = Text(f"if all {len(decisions)} pending were approved: tightest {t.name} ")
        text.append(f"{t.utilization:.0%} used", style="bold red" if failing else "")
        if failing:
            text.append(f" — {len(failing)} would fail", style="bold red")
        return text

    # --- actions -------------------------------------------------------------------------
    @work(group="approve")
    async def action_approve(self) -> None:
        """Approve: the queue refuses a second send, so a double `y` is harmless; the card
        ignores keys while one approval is in flight (and is never cancelled by a second)."""
        if self._busy or self._done:
            return
        self._busy = True
        try:
            result = await self._desk.queue.approve(self._pid)
        except ApexError as exc:
            self.app.notify(str(exc), title="Not approved", severity="error", timeout=10)
            self.refresh_card()
            return
        finally:
            self._busy = False
        order = result.order
        self.app.notify(
            f"{order.spec.side.value} {order.spec.qty:g} {order.spec.symbol}: {order.state.value}",
            title="Order sent",
            timeout=6,
        )
        self._dismiss_once()

    def _dismiss_once(self) -> None:
        if not self._done:
            self._done = True
            self.dismiss(None)

    def action_reject(self) -> None:
        """Reject at once. A reason prompt behind `n` took whatever the trader typed next (a
        `:buy ...` meant for the command line became the rejection's reason, and the order it
        asked for was never proposed); a reason is asked for only on `r`."""
        if self._desk.queue.status(self._pid) is ProposalStatus.PENDING:
            self._reject("")

    def action_reject_why(self) -> None:
        if self._desk.queue.status(self._pid) is ProposalStatus.PENDING:
            self._open_prompt("reject", "reason for the journal, enter to reject, esc to keep")

    def _reject(self, reason: str) -> None:
        try:
            self._desk.queue.reject(self._pid, reason)
        except ApexError as exc:  # expired or decided meanwhile
            self.app.notify(str(exc), title="Not rejected", severity="error", timeout=8)
            self.refresh_card()
            return
        shown = f": {reason}" if reason else ""
        self.app.notify(f"Proposal {self._pid} rejected{shown}", timeout=4)
        self._dismiss_once()

    def action_edit(self) -> None:
        if self._desk.queue.status(self._pid) is ProposalStatus.PENDING:
            p = self.proposal
            current = f"{p.qty:g}" + ("" if p.limit_price is None else f" {p.limit_price:g}")
            self._open_prompt("edit", "QTY [PRICE]", value=current)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#approval-card", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        if self._close_prompt():
            return
        self._dismiss_once()

    def _close_prompt(self) -> bool:
        """Remove the prompt if open; True when there was one."""
        prompts = self.query("#card-prompt")
        if not prompts:
            return False
        prompts.remove()
        self._prompt_mode = ""
        return True

    def _open_prompt(self, mode: str, placeholder: str, value: str = "") -> None:
        # Mounted only while used, so it can never take the keys meant for the card.
        self._close_prompt()
        self._prompt_mode = mode
        prompt = Input(value=value, placeholder=placeholder, id="card-prompt", compact=True)
        self.query_one("#approval-card").mount(prompt, before=self.query_one("#card-keys"))
        prompt.focus()
        self.call_after_refresh(prompt.scroll_visible, animate=False)  # under a scrolled card

    @on(Input.Submitted, "#card-prompt")
    def _prompt_done(self, event: Input.Submitted) -> None:
        mode, value = self._prompt_mode, event.value.strip()
        self._close_prompt()
        try:
            if mode == "reject":
                self._reject(value)
                return
            if mode == "edit":
                qty, price = parse_edit(value)
                self._desk.queue.edit(self._pid, qty=qty, limit_price=price)
                self.fetch_what_if()
        except (ApexError, ValueError) as exc:
            self.app.notify(str(exc), title="Not changed", severity="error", timeout=8)
        self.refresh_card()


def _risk_summary(decision: RiskDecision) -> Text:
    """One line under the order: the failing checks, or that all pass and the tightest."""
    failing = decision.failures
    if failing:
        names = ", ".join(c.name for c in failing)
        return Text(
            f"risk: {len(failing)} of {len(decision.checks)} checks FAIL: {names}", style="bold red"
        )
    t = decision.tightest
    return Text(
        f"risk: all {len(decision.checks)} checks pass; tightest {t.name} {t.utilization:.0%} used"
    )


def parse_edit(text: str) -> tuple[float | None, float | None]:
    """`QTY [PRICE]` -> (qty, price); ValueError says what was expected."""
    parts = text.split()
    if not parts or len(parts) > 2:
        raise ValueError("expected QTY or QTY PRICE, e.g. '100 412.50'")
    try:
        qty = float(parts[0])
        price = float(parts[1]) if len(parts) == 2 else None
    except ValueError:
        raise ValueError(f"expected numbers, got {text!r}") from None
    if not (math.isfinite(qty) and qty > 0 and qty == int(qty)):
        raise ValueError(f"quantity must be a positive whole number, got {parts[0]}")
    if price is not None and not (math.isfinite(price) and price > 0):
        raise ValueError(f"price must be positive, got {parts[1]}")
    return qty, price
