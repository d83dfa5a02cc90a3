"""Modal screens that keep the cockpit's header line: mode, connection state, health, clock."""

from __future__ import annotations

from typing import TypeVar

from textual import events, on
from textual.screen import ModalScreen

from apex_tui.core.engine import Engine
from apex_tui.tui.widgets.status_bar import StatusBar

R = TypeVar("R")


class CockpitModal(ModalScreen[R]):
    """A modal with the same status bar on top as the main screen.

    Modals are opaque (a translucent backdrop re-rendered the whole cockpit on every frame),
    so they hide the main screen's header: a feed that drops while the trader reads the help
    or fills a form must still show, on whatever screen is up.
    """

    @on(events.Mount)
    def _add_status_bar(self, _event: events.Mount) -> None:
        # A decorated handler, not `on_mount`: a subclass's own `on_mount` must not replace it
        # (Textual calls the handlers of every class in the MRO).
        engine = getattr(self.app, "engine", None)
        if isinstance(engine, Engine):
            self.mount(StatusBar(engine))
