"""The cockpit's own screen, whose compositor renders only the band a partial update shows.

Textual's stock compositor, asked for a partial update (a few Quotes rows changed), renders
every widget whose *clip* overlaps the update, and renders each in full: with the panes in
one grid, whose region is the whole screen, that is every line of every pane on every frame
(~2 ms of the ~3.4 ms a frame cost at 500 symbols, a frame every ~160 ms). `BandCompositor`
renders a widget only where its visible region meets the update's rows and skips widgets
beside it. The update sent to the terminal is the same: tests/tui/test_main_screen.py
compares it with the stock compositor's, span by span.

It overrides `Compositor._get_renders`, a private method, which is why textual is pinned to
one version in pyproject.toml; that test fails if a new version changes what it relies on.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip


class BandCompositor(Compositor):
    """Renders, for a partial update, only the rows of the update's bounding box."""

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:  # a full render: the stock path
            yield from super()._get_renders(crop)
            return
        for widget, (region, clip) in self.visible_widgets.items():
            # The widget's clip narrowed to the update's rows: the stock compositor's chop
            # builder renders the intersection of region and clip, so narrowing the clip is
            # how fewer lines are asked for and placed at the right rows.
            band = clip.intersection(Region(clip.x, crop.y, clip.width, crop.height))
            shown = region.intersection(band)
            if not (shown.width and shown.height) or not shown.overlaps(crop):
                continue  # nothing of this widget is in the update
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
