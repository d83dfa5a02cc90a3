"""The cockpit's own screen, whose compositor renders only the band a partial update shows.

Textual's stock compositor, asked for a partial update (a few Quotes rows changed), renders
every widget whose *clip* overlaps the update, and renders each in full: with the panes in
one grid, whose region is the whole screen, that is every line of every pane on every frame
(~2 ms of the ~3.4 ms a frame cost at 500 symbols, a frame every ~160 ms). `BandCompositor`
renders a widget only where its visible region meets the update's rows, skips widgets
beside it, and skips widgets behind others where the update is: a changed Quotes row was
also rendered by its pane, the grid and the screen, whose lines the compositor then threw
away (a frame ~2.0 -> ~1.7 ms in the app at 500 symbols). What the update paints is the same:
tests/tui/test_main_screen.py compares it with the stock compositor's, cell by cell.

It overrides `Compositor._get_renders` and `render_partial_update`, private methods, which is
why textual is pinned to one version in pyproject.toml; that test fails if a new version
changes what it relies on.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip


class BandCompositor(Compositor):
    """Renders, for a partial update, only what the update shows: the rows of its bounding
    box, of the widgets that are in front there."""

    def __init__(self) -> None:
        super().__init__()
        self._updates: list[Region] = []  # the dirty regions of the partial update under way

    def render_partial_update(self) -> ChopsUpdate | None:
        self._updates = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._updates = []

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        updates = self._updates
        if crop is None or not updates:  # a full render: the stock path
            yield from super()._get_renders(crop)
            return
        # Each line of the update is cut where widgets' edges fall, and the first widget to
        # fill a cut wins: the widgets come front to back. A widget whose part of the update
        # lies inside what a widget in front of it already rendered is covered there, and
        # its lines would be thrown away: a Quotes row covers its pane, the grid and the
        # screen behind it, which cost three renders of every changed line.
        painted: list[Region] = []
        for widget, (region, clip) in self.visible_widgets.items():
            # The widget's clip narrowed to the update's rows: the stock compositor's chop
            # builder renders the intersection of region and clip, so narrowing the clip is
            # how fewer lines are asked for and placed at the right rows.
            band = clip.intersection(Region(clip.x, crop.y, clip.width, crop.height))
            shown = region.intersection(band)
            if not (shown.width and shown.height):
                continue
            needed = [update.intersection(shown) for update in updates if update.overlaps(shown)]
            if not needed or all(
                any(done.contains_region(part) for done in painted) for part in needed
            ):
                continue  # nothing of this widget is in the update, or it is all covered
            painted.append(shown)
            yield (
                region,
                band,
                widget.render_lines(
                    Region(shown.x - region.x, shown.y - region.y, shown.width, shown.height)
                ),
            )


class MainScreen(Screen[None]):
    """The default screen of the app, with the band compositor."""

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._compositor = BandCompositor()
