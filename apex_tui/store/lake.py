"""The Lake: one object holding the dataset root and a repository per kind."""

from __future__ import annotations

from apex_tui.store.atomic import remove_leftovers
from apex_tui.store.bars import BarRepository
from apex_tui.store.option_bars import OptionBarRepository
from apex_tui.store.option_chains import OptionChainRepository
from apex_tui.store.paths import DatasetRoot
from apex_tui.store.repository import Repository
from apex_tui.store.settings import DataSettings
from apex_tui.store.ticks import TickRepository


class Lake:
    """Entry point the Engine builds once: `Lake.open(settings)` cleans leftovers first."""

    def __init__(self, root: DatasetRoot, settings: DataSettings) -> None:
        self.root = root
        self.settings = settings
        self.bars = BarRepository(root, settings)
        self.ticks = TickRepository(root, settings)
        self.option_bars = OptionBarRepository(root, settings)
        self.option_chains = OptionChainRepository(root, settings)
        self.leftovers_removed: list[str] = []

    @classmethod
    def open(cls, settings: DataSettings) -> Lake:
        """Open the dataset at `settings.dir`, removing temp files a crash left behind."""
        lake = cls(DatasetRoot(settings.dir), settings)
        lake.leftovers_removed = remove_leftovers(lake.root)
        return lake

    def repositories(self) -> dict[str, Repository]:
        return {
            "bars": self.bars,
            "ticks": self.ticks,
            "option_bars": self.option_bars,
            "option_chains": self.option_chains,
        }
