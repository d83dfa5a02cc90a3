"""The Quotes table: a Line-API ScrollView that redraws only rows whose quote changed.

The stock DataTable invalidates every visible row on each cell update; at 1,000 quotes/s over
500 rows that cost most of a core. Here a timer asks the QuoteBook which of the rows on screen
changed since the last pull, rebuilds their cached Strips, and refreshes just those lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from apex_tui.domain.quotes import Quote
from apex_tui.tui.panes.polling import Polling
from apex_tui.tui.panes.quote_columns import COLUMN_GAP, COLUMNS, fit, row_cells

FLASH_SECONDS = 1.0
# Ages and sparklines move once a second: a full redraw falls due after FULL_EVERY and is
# drawn with the next frame that repaints changed rows anyway, or after FULL_SLACK more
# seconds when no row changes (a quiet table still ages). At 500 streaming symbols it then
# costs no frame of its own: one in six frames was this redraw alone.
FULL_EVERY = 1.0
FULL_SLACK = 0.25


class QuoteFeed(Protocol):
    """What the table reads: a QuoteBook-like store and a sparkline source."""

    version: int
    members_version: int  # moves when a symbol joins or leaves

    def version_of(self, symbol: str) -> int: ...
    def get(self, symbol: str) -> Quote | None: ...
    def symbols(self) -> list[str]: ...


@dataclass
class _Flash:
    up: bool
    until: float


class QuoteTable(Polling, ScrollView, can_focus=True):
    """Rows of quotes with a row and column cursor, sorting, filtering and flashes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "quote-table--header",
        "quote-table--header-sorted",
        "quote-table--cursor",
        "quote-table--up",
        "quote-table--down",
        "quote-table--flash-up",
        "quote-table--flash-down",
        "quote-table--stale",
        "quote-table--bid",
        "quote-table--ask",
        "quote-table--note",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1, 0)", "Up", show=False),
        Binding("down,j", "move(1, 0)", "Down", show=False),
        Binding("left,h", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        Binding("s", "sort", "Sort", tooltip="Sort by the column under the cursor (again: flip)"),
    ]

    def __init__(
        self,
        feed: QuoteFeed,
        *,
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
        spark: Callable[[str], Sequence[float]],
        notes: Callable[[], dict[str, str]],
        refresh_s: float,
        order: Callable[[], list[str]] | None = None,
    ) -> None:
        super().__init__(id="quote-table")
        self._order_source = order
        self._feed = feed
        self._now = now
        self._mono = monotonic
        self._spark = spark
        self._notes = notes
        self._refresh_s = refresh_s
        self._version = -1
        self._members_version = -1
        self._order: list[str] = []  # symbols in display order (sorted, filtered)
        self._index: dict[str, int] = {}  # symbol -> row in _order
        self._cache: dict[str, Strip] = {}  # symbol -> its row, cut to _cache_width
        self._cache_width = -1
        self._styles: dict[str, Style] = {}
        self._plans: dict[tuple[bool, bool, int, bool | None], _Plan] = {}
        self._last_price: dict[str, float] = {}
        self._flash: dict[str, _Flash] = {}
        self._last_full = 0.0
        self.cursor_row = 0
        self.cursor_col = 0
        self.sort_col: int | None = None
        self.sort_reverse = False
        self.filter_text = ""

    # --- data ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.pull()
        self.poll_every(self._refresh_s, self.pull)

    @property
    def symbols(self) -> list[str]:
        """Symbols in display order."""
        return list(self._order)

    @property
    def selected(self) -> str | None:
        return self._order[self.cursor_row] if self._order else None

    def pull(self) -> None:
        """Apply the feed's changes since the last pull; refresh only what changed."""
        feed = self._feed
        version = feed.version
        mono = self._mono()
        # Only rows on screen cost anything: building a Quote and refreshing a line for each of
        # 500 changed symbols 10 times a second was most of the app's CPU. A pull looks up the
        # versions of the visible rows only; listing every change since the last pull (~500
        # symbols four times a second) cost more than the rest of the pull.
        visible = self._visible_symbols()
        since, version_of = self._version, feed.version_of
        dirty = {symbol for symbol in visible if version_of(symbol) > since}
        for symbol in dirty:
            self._note_price(symbol, mono)
        # Built rows and last prices are kept for rows on screen only: a row rebuilds when it
        # scrolls into view, and a symbol that moved off screen cannot flash on a stale price.
        for symbol in self._cache.keys() - visible:
            del self._cache[symbol]
        for symbol in self._last_price.keys() - visible:
            del self._last_price[symbol]
        # A row new on screen (mounted, scrolled to, filtered in) learns its price now, so its
        # next change flashes against what it shows.
        for symbol in visible - self._last_price.keys():
            quote = self._feed.get(symbol)
            if quote is not None:
                self._last_price[symbol] = quote.last
        for symbol, flash in list(self._flash.items()):
            if flash.until <= mono:
                del self._flash[symbol]
                dirty.add(symbol)
        since_full = mono - self._last_full
        full = since_full >= FULL_EVERY and (bool(dirty) or since_full >= FULL_EVERY + FULL_SLACK)
        if full:
            # The next one is due a second after this one was: a late redraw does not push
            # the rest back, so ages step each second rather than skip one now and then.
            self._last_full = mono if since_full >= 2 * FULL_EVERY else self._last_full + FULL_EVERY
        membership = feed.members_version != self._members_version
        self._members_version = feed.members_version
        self._version = version
        if membership or (full and self.sort_col is not None):
            self._rebuild_order()
            return
        for symbol in dirty:
            self._cache.pop(symbol, None)
        if full:
            self._cache.clear()
            self.refresh()
            return
        self._refresh_rows(sorted(self._index[symbol] + 1 for symbol in dirty))

    def _refresh_rows(self, lines: list[int]) -> None:
        """Repaint `lines` (sorted) with one refresh call: runs of adjacent lines become one
        region. Textual's refresh_line per row cost ~10 us each in offset and size lookups,
        most of a pull with 40 rows changed."""
        if not lines:
            return
        top = self.scroll_offset.y
        width = max(self.virtual_size.width, self.size.width)
        regions: list[Region] = []
        start = prev = lines[0]
        for y in lines[1:]:
            if y != prev + 1:
                regions.append(Region(0, start - top, width, prev - start + 1))
                start = y
            prev = y
        regions.append(Region(0, start - top, width, prev - start + 1))
        self.refresh(*regions)

    def _visible_symbols(self) -> set[str]:
        """Symbols whose rows are on screen now (the header takes the first line)."""
        top = self.scroll_offset.y
        return set(self._order[top : top + max(0, self.size.height - 1)])

    def _note_price(self, symbol: str, mono: float) -> None:
        quote = self._feed.get(symbol)
        if quote is None:
            self._last_price.pop(symbol, None)
            return
        old = self._last_price.get(symbol, math.nan)
        if not math.isnan(old) and not math.isnan(quote.last) and quote.last != old:
            self._flash[symbol] = _Flash(quote.last > old, mono + FLASH_SECONDS)
        self._last_price[symbol] = quote.last

    def _rebuild_order(self) -> None:
        selected = self.selected
        wanted = self.filter_text.upper()
        every = self._feed.symbols()
        if self._order_source is not None:
            # Unsorted rows follow the trader's watchlist order, not the order ticks arrived.
            wanted_order = self._order_source()
            rank = {s: i for i, s in enumerate(wanted_order)}
            every.sort(key=lambda s: rank.get(s, len(rank)))
        symbols = [s for s in every if wanted in s]
        if self.sort_col is not None:
            key = COLUMNS[self.sort_col].sort_key
            assert key is not None
            quotes = {s: self._feed.get(s) or Quote(symbol=s) for s in symbols}
            symbols.sort(key=lambda s: key(quotes[s]), reverse=self.sort_reverse)
        self._order = symbols
        self._index = {s: i for i, s in enumerate(symbols)}
        self._cache.clear()
        if selected in symbols:
            self.cursor_row = symbols.index(selected)
        self.cursor_row = max(0, min(self.cursor_row, len(symbols) - 1))
        self.virtual_size = Size(self._row_width(), len(symbols) + 1)
        self.refresh()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self._rebuild_order()

    # --- actions -------------------------------------------------------------------------
    def action_move(self, rows: int, cols: int) -> None:
        """Move the cursor; the view follows it."""
        if rows and self._order:
            old = self.cursor_row
            self.cursor_row = max(0, min(self.cursor_row + rows, len(self._order) - 1))
            self._cache.pop(self._order[old], None)
            self._cache.pop(self._order[self.cursor_row], None)
            self.refresh_line(old + 1)
            self.refresh_line(self.cursor_row + 1)
            self.scroll_to_region_row(self.cursor_row + 1)
        if cols:
            self.cursor_col = max(0, min(self.cursor_col + cols, len(COLUMNS) - 1))
            self.refresh_line(0)

    def scroll_to_region_row(self, y: int) -> None:
        top = self.scroll_offset.y + 1  # the header occupies the first visible line
        bottom = self.scroll_offset.y + self.size.height - 1
        if y < top:
            self.scroll_to(y=y - 1, animate=False)
        elif y > bottom:
            self.scroll_to(y=y - self.size.height + 1, animate=False)

    def action_sort(self) -> None:
        """Sort by the cursor's column; the same column again flips the direction."""
        if COLUMNS[self.cursor_col].sort_key is None:
            self.notify(f"{COLUMNS[self.cursor_col].title} cannot be sorted", timeout=3)
            return
        if self.sort_col == self.cursor_col:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_col = self.cursor_col
            # Numbers read best largest first; symbols A to Z.
            self.sort_reverse = COLUMNS[self.cursor_col].key != "symbol"
        self._rebuild_order()

    # --- rendering -----------------------------------------------------------------------
    def _row_width(self) -> int:
        return sum(c.width for c in COLUMNS) + COLUMN_GAP * (len(COLUMNS) - 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._cache_width:  # cached strips are cut to the width they were built at
            self._cache.clear()
            self._cache_width = width
        if y == 0:
            return self._header().crop_extend(0, width, None)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._order):
            return Strip.blank(width, self._base())
        symbol = self._order[index]
        cursor = index == self.cursor_row and self.has_focus
        strip = self._cache.get(symbol)
        if strip is None or cursor:
            # Cached already cut to width: a cached row costs a dict lookup, not a new Strip.
            strip = self._row(symbol, cursor, width)
            if not cursor:
                self._cache[symbol] = strip
        return strip

    def _base(self) -> Style:
        base = self._styles.get("")
        if base is None:
            base = self._styles[""] = self.rich_style
        return base

    def _style(self, name: str) -> Style:
        # get_component_rich_style and rich_style walk the DOM on every call; rows are built
        # thousands of times a minute, so each style is looked up once per theme or CSS change.
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"quote-table--{name}", partial=True)
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        """The theme or CSS changed: look every style up again, rebuild every row."""
        super().notify_style_update()
        self._styles.clear()
        self._plans.clear()
        self._cache.clear()

    def _header(self) -> Strip:
        base = self._style("header")
        segments: list[Segment] = []
        for i, col in enumerate(COLUMNS):
            title = col.title
            if self.sort_col == i:
                title += "▼" if self.sort_reverse else "▲"
            style = base + self._style("header-sorted") if i == self.cursor_col else base
            segments.append(Segment(fit(title, col.width, left=i in (0, 8)), style))
            segments.append(Segment(" " * COLUMN_GAP, base))
        return Strip(segments)

    def _row(self, symbol: str, cursor: bool, width: int) -> Strip:
        """The row of `symbol`, exactly `width` cells wide."""
        quote = self._feed.get(symbol) or Quote(symbol=symbol)
        base = self._base()
        if cursor:
            base = base + self._style("cursor")
        if quote.stale:
            base = base + self._style("stale")
        note = self._notes().get(symbol)
        if note is not None:
            return Strip(
                [
                    Segment(fit(symbol, COLUMNS[0].width, left=True) + " ", base),
                    Segment(note, base + self._style("note")),
                ]
            ).crop_extend(0, width, self._base())
        flash = self._flash.get(symbol)
        change = quote.change
        sign = 0 if math.isnan(change) or change == 0 else 1 if change > 0 else -1
        key = (cursor, quote.stale, sign, None if flash is None else flash.up)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(base, sign, flash)
        gap = " " * COLUMN_GAP
        # Each cell followed by the column gap; the plan joins them into runs of one style.
        pieces = [piece for cell in row_cells(quote, self._now(), self._spark(symbol))
                  for piece in (cell, gap)]  # fmt: skip
        texts = ["".join(pieces[a:b]) for a, b in plan.spans]
        return _cut(texts, plan.styles, width, self._base())

    def _plan(self, base: Style, sign: int, flash: _Flash | None) -> _Plan:
        """The style of every cell of a row in this state, as runs of one style.

        Rows in the same state (cursor, stale, direction of the change, flash) share one plan:
        looking up and adding styles per cell cost more than formatting the cells.
        """
        piece_styles: list[Style] = []
        for col in COLUMNS:
            style = base
            if col.key in {"bid", "ask"}:
                style = base + self._style(col.key)
            elif col.key in {"change", "change_pct"} and sign:
                style = base + self._style("up" if sign > 0 else "down")
            elif col.key == "last" and flash is not None:
                style = base + self._style("flash-up" if flash.up else "flash-down")
            piece_styles += (style, base)  # the cell, then the gap after it
        spans: list[tuple[int, int]] = []
        styles: list[Style] = []
        for i, style in enumerate(piece_styles):
            # Identity, not ==: the styles come from `_style` and Rich's cached Style
            # addition, so equal ones are the same object.
            if styles and styles[-1] is style:
                spans[-1] = (spans[-1][0], i + 1)
            else:
                spans.append((i, i + 1))
                styles.append(style)
        return _Plan(tuple(spans), styles)

    def on_focus(self) -> None:
        self._styles.clear()  # the cursor's style depends on focus
        self._plans.clear()
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._styles.clear()
        self._plans.clear()
        self._cache.clear()
        self.refresh()


@dataclass(frozen=True)
class _Plan:
    spans: tuple[tuple[int, int], ...]  # pieces (cell, gap, cell, ...) [a, b) of each run
    styles: list[Style]  # each run's style


def _cut(texts: list[str], styles: list[Style], width: int, pad: Style) -> Strip:
    """One Strip of exactly `width` cells from runs of one-cell characters.

    Cutting here instead of `Strip.crop_extend` builds one Strip per row, not two (each
    Strip allocates seven caches). Every cell character (digits, symbols, "—", "…", block
    sparks) is one cell wide, so a run's length is its width.
    """
    segments: list[Segment] = []
    left = width
    for text, style in zip(texts, styles, strict=True):
        if left <= 0:
            break
        cut = text[:left]
        segments.append(Segment(cut, style))
        left -= len(cut)
    if left > 0:
        segments.append(Segment(" " * left, pad))
    return Strip(segments, width)
