"""Positions and account messages: reqPositions, reqAccountUpdates(Multi), reqAccountSummary,
and the pushes to subscribed clients when the engine reports an account changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from apex_tui.sim import outgoing as out
from apex_tui.sim.model import PortfolioItem

if TYPE_CHECKING:
    from apex_tui.sim.server import SimulatorServer
    from apex_tui.sim.session import Session


class Accounts:
    def __init__(self, server: SimulatorServer) -> None:
        self.server = server

    def positions(self, session: Session) -> None:
        session.positions_subscribed = True
        positions = self.server.world.positions()
        for account, item in positions:
            session.send(out.position(account, item))
        session.sent_positions = {(a, item.instrument.con_id) for a, item in positions}
        session.send(out.position_end())

    def account_updates(self, session: Session, subscribe: bool, account: str) -> None:
        world = self.server.world
        if not subscribe:
            session.account_subscribed = None
            return
        account = account or world.accounts[0]
        if account not in world.accounts:
            session.send(out.error(-1, 321, f"Error validating request.-'bh' : cause - "
                                            f"Invalid account code {account}"))  # fmt: skip
            return
        session.account_subscribed = account
        self._send_account(session, account)
        session.send(out.account_download_end(account))

    def _send_account(self, session: Session, account: str) -> None:
        world, now = self.server.world, self.server.clock.now()
        for value in world.account_values(account, now):
            session.send(out.update_account_value(account, value))
        items = world.portfolio(account, now)
        sent = session.sent_portfolio.setdefault(account, set())
        current = {item.instrument.con_id for item in items}
        for item in items:
            session.send(out.update_portfolio(account, item))
        # A position that went flat disappears from the world's portfolio: tell the client 0.
        for gone in self._vanished(session, account, sent - current):
            session.send(out.update_portfolio(account, gone))
        session.sent_portfolio[account] = current
        session.send(out.update_account_time(now))

    def _vanished(self, session: Session, account: str, con_ids: set[int]) -> list[PortfolioItem]:
        world = self.server.world
        gone = []
        for con_id in con_ids:
            inst = world.by_con_id(con_id)
            if inst is not None:
                gone.append(PortfolioItem(inst, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
        return gone

    def account_multi(self, session: Session, req_id: int, account: str) -> None:
        accounts = self._accounts(account)
        session.account_multi[req_id] = account
        for acct in accounts:
            self._send_multi(session, req_id, acct)
        session.send(out.account_update_multi_end(req_id))

    def _send_multi(self, session: Session, req_id: int, account: str) -> None:
        for value in self.server.world.account_values(account, self.server.clock.now()):
            session.send(out.account_update_multi(req_id, account, value))

    def summary(self, session: Session, req_id: int, tags: str) -> None:
        wanted = {t.strip() for t in tags.split(",") if t.strip()}
        everything = not wanted or any(t.startswith("$LEDGER") or t == "All" for t in wanted)
        now = self.server.clock.now()
        for account in self.server.world.accounts:
            for value in self.server.world.account_values(account, now):
                if everything or value.key in wanted:
                    session.send(out.account_summary(req_id, account, value))
        session.send(out.account_summary_end(req_id))

    def _accounts(self, account: str) -> tuple[str, ...]:
        accounts = self.server.world.accounts
        if not account or account.upper() == "ALL":
            return accounts
        return tuple(a for a in accounts if a == account)

    def push(self, changed: Iterable[str]) -> None:
        """Re-send account state to clients watching an account the engine just changed."""
        changed = set(changed)
        positions = None
        for session in list(self.server.ready_sessions()):
            if session.positions_subscribed:
                if positions is None:
                    positions = self.server.world.positions()
                for account, item in positions:
                    if account in changed:
                        session.send(out.position(account, item))
                self._flat_positions(session, changed, positions)
            if session.account_subscribed in changed:
                self._send_account(session, session.account_subscribed)
            for req_id, account in session.account_multi.items():
                for acct in self._accounts(account):
                    if acct in changed:
                        self._send_multi(session, req_id, acct)

    def _flat_positions(
        self, session: Session, changed: set[str], positions: list[tuple[str, PortfolioItem]]
    ) -> None:
        held = {(a, item.instrument.con_id) for a, item in positions}
        before = session.sent_positions
        for account, con_id in before - held:
            if account in changed:
                inst = self.server.world.by_con_id(con_id)
                if inst is not None:
                    session.send(out.position(account, PortfolioItem(inst, 0, 0, 0, 0, 0, 0)))
        session.sent_positions = held
