"""Span highlighting: a ``QSyntaxHighlighter`` fed by a per-block span index.

An edit re-highlights only the blocks its spans touch (DESIGN §9): ``setExtraSelections``
repaints every selection per block and ``mergeCharFormat`` writes into the document and
its undo history, so neither scales to ten thousand spans.

Drawing every block of a long article when it opens costs several times what Qt needs
to lay out and paint its first screen (DESIGN §10 allows twice). So the highlighter draws
the blocks on screen at once and the others a few milliseconds at a time while the
window is idle; blocks scrolled into view are drawn before they are painted. Without a
view (a bare ``QTextDocument``) every block is drawn at once.
"""

from __future__ import annotations

import bisect
import itertools
import time
import weakref
from collections.abc import Iterable
from operator import attrgetter

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from annotator.core.fragments import covered_count, fragments_of
from annotator.core.model import Span
from annotator.core.scheme import Scheme
from annotator.ui.offsets import OffsetMap

_SLICE = 0.005  # seconds of background drawing per turn of the event loop (a third of a frame)
_LONG = 4096  # spans longer than this (code points) are looked up apart, see _SpanIndex

_FormatKey = tuple[tuple[str, str, str, bool, bool], ...]


class SpanStyles:
    """How each layer and label is drawn: fills for layers without overlaps (entities),
    tints with stacked underlines for layers with overlaps (claims, cues; the lines are
    painted by :class:`annotator.ui.view.decorations.Decorations`, one level each).
    Every extra level of overlap or nesting deepens the colour, so an overlap shows in
    the text itself; selection deepens it too but never changes the font (a bold span
    re-wrapped the paragraph under the mouse)."""

    def __init__(self, scheme: Scheme, dark: bool = False, partial: set[str] | None = None) -> None:
        self.scheme = scheme
        self.dark = dark
        self.partial = partial or set()  # spans only some annotators made (review): hatched
        self._filled = {layer.name: not layer.overlap for layer in scheme.span_layers}
        self._rank = {layer.name: i for i, layer in enumerate(scheme.span_layers)}

    def color(self, span: Span) -> QColor:
        return QColor(self.scheme.color_of(span.layer, span.label))

    def lined(self, span: Span) -> bool:
        """Whether ``span`` is drawn as a tint and an underline of its own level."""
        return not self._filled.get(span.layer, False)

    def fill(self, span: Span, depth: int = 1, selected: bool = False) -> QColor:
        color = self.color(span)
        alpha = 200 if selected else min(90 + 50 * (depth - 1), 200)
        if span.suggested and not selected:
            alpha = 40  # a suggestion is only a pale wash until it is accepted
        color.setAlpha(alpha)
        return color

    def tint(self, span: Span, depth: int, selected: bool) -> QColor:
        """The wash of a lined span's text: deeper for each span stacked over it (two
        overlapping claims show their overlap darker in light and dark themes)."""
        color = self.color(span)
        base = 55 if self.dark else 40
        alpha = 130 if selected else min(base + 55 * (depth - 1), 170)
        if span.suggested and not selected:
            alpha = 25
        color.setAlpha(alpha)
        return color

    def format_for(self, covering: list[Span], selected: set[str]) -> QTextCharFormat:
        """The format of a stretch of text covered by ``covering`` (innermost first).

        It may depend only on the layer, label and state of each span and on whether it
        is selected or partial: the highlighter caches formats by these.
        """
        fmt = QTextCharFormat()
        fills = [s for s in covering if self._filled.get(s.layer, False)]
        lines = [s for s in covering if not self._filled.get(s.layer, False)]
        if fills:
            top = fills[0]
            fmt.setBackground(self.fill(top, len(fills), top.id in selected))
            if top.id in self.partial:
                fmt.setBackground(
                    QBrush(self.fill(top, 2, top.id in selected), Qt.BrushStyle.BDiagPattern)
                )
            if top.suggested:
                fmt.setUnderlineColor(self.color(top))
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
        if lines and not fills:
            top = lines[0]
            chosen = any(s.id in selected for s in lines)
            tint = self.tint(top, len(lines), chosen)
            pattern = Qt.BrushStyle.SolidPattern
            if top.id in self.partial:
                pattern = Qt.BrushStyle.BDiagPattern
                tint.setAlpha(160)
            fmt.setBackground(QBrush(tint, pattern))
        if any(s.suggested for s in covering):
            fmt.setFontItalic(True)
        return fmt


class _SpanIndex:
    """Spans sorted by start (code points), to find those over a stretch of text in
    O(log n + k): a span over ``[lo, hi)`` starts before ``hi`` and at most ``_LONG``
    before ``lo``, unless it is one of the few longer spans, kept apart.

    Args:
        spans: the spans to index.
        within: only index the spans over this ``(lo, hi)`` stretch.
    """

    def __init__(self, spans: Iterable[Span], within: tuple[int, int] | None = None) -> None:
        if within is not None:
            lo, hi = within
            spans = [s for s in spans if s.start < hi and s.end > lo]
        self._spans = sorted(spans, key=attrgetter("start"))
        self._starts = [s.start for s in self._spans]
        self._long = [s for s in self._spans if s.end - s.start > _LONG]
        self._by_id: dict[str, Span] | None = None  # built when first needed

    def overlapping(self, lo: int, hi: int) -> list[Span]:
        first = bisect.bisect_left(self._starts, lo - _LONG)
        last = bisect.bisect_left(self._starts, hi)
        found = [s for s in self._spans[first:last] if s.end > lo and s.end - s.start <= _LONG]
        found += [s for s in self._long if s.start < hi and s.end > lo]
        return found

    def get(self, span_id: str) -> Span | None:
        if self._by_id is None:
            self._by_id = {s.id: s for s in self._spans}
        return self._by_id.get(span_id)

    def add(self, span: Span) -> None:
        at = bisect.bisect_right(self._starts, span.start)
        self._spans.insert(at, span)
        self._starts.insert(at, span.start)
        if span.end - span.start > _LONG:
            self._long.append(span)
        if self._by_id is not None:
            self._by_id[span.id] = span

    def remove(self, span: Span) -> None:
        """Remove the span with ``span``'s id (it is looked for at ``span.start`` first)."""
        at = bisect.bisect_left(self._starts, span.start)
        end = bisect.bisect_right(self._starts, span.start)
        found = next((i for i in range(at, end) if self._spans[i].id == span.id), None)
        if found is None:
            found = next((i for i, s in enumerate(self._spans) if s.id == span.id), None)
        if found is None:
            return
        gone = self._spans.pop(found)
        del self._starts[found]
        if gone.end - gone.start > _LONG:
            self._long = [s for s in self._long if s.id != gone.id]
        if self._by_id is not None:
            self._by_id.pop(gone.id, None)


SpanIndex = _SpanIndex
"""The index, for the view's other painters (the stacked underlines)."""


class SpanHighlighter(QSyntaxHighlighter):
    """Draws the spans of one annotation set on a document of one text."""

    def __init__(self, document: QTextDocument, offsets: OffsetMap, styles: SpanStyles) -> None:
        super().__init__(document)
        # Attaching to a non-empty document queues a re-highlight of every block; this
        # highlighter draws lazily instead (see the module docstring), so drop it.
        QCoreApplication.removePostedEvents(self, QEvent.Type.MetaCall)
        self._offsets = offsets
        self._styles = styles
        self._spans: list[Span] = []
        self._index: _SpanIndex | None = _SpanIndex(())  # None: to build from _spans
        self._near: _SpanIndex | None = None  # the first screen's spans, while it is drawn
        self._selected: set[str] = set()
        self._formats: dict[_FormatKey, QTextCharFormat] = {}
        self._drawn = bytearray(document.blockCount())  # 1: drawn with the current spans
        self._next = 0  # where the background drawing goes on
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._draw_some)
        # The viewport whose paints are watched; weakly, or the view and its highlighter
        # would keep each other alive until a garbage collection tears both down.
        self._watched: weakref.ref[QWidget] | None = None

    # -- what the view asks for ----------------------------------------------------------

    def set_styles(self, styles: SpanStyles) -> None:
        self._styles = styles
        self._formats.clear()
        self._redraw_all()

    def set_spans(self, spans: Iterable[Span]) -> None:
        """Index every span and highlight the whole document (opening a document): the
        blocks on screen now, the others in the background."""
        self._spans = list(spans)
        self._index = None  # built at first need: the first screen only needs its spans
        self._redraw_all()

    def update_spans(self, removed: Iterable[Span], added: Iterable[Span]) -> None:
        """Apply a change of a few spans, re-highlighting only the blocks they touch."""
        index = self._full_index()
        touched: set[int] = set()
        for span in removed:
            touched.update(self._blocks_of(span))
            index.remove(span)
        for span in added:
            index.add(span)
            touched.update(self._blocks_of(span))
        self._draw(touched)

    def set_selected(self, span_ids: Iterable[str]) -> None:
        new = set(span_ids)
        changed = new ^ self._selected
        self._selected = new
        blocks: set[int] = set()
        for span_id in changed:
            span = self._full_index().get(span_id)
            if span is not None:
                blocks.update(self._blocks_of(span))
        self._draw(blocks)

    def pending_blocks(self) -> int:
        """How many blocks are still to be drawn in the background."""
        return self._drawn.count(0) if self.document() is not None else 0

    def finish(self) -> None:
        """Draw every block not drawn yet, now (for screenshots and tests)."""
        self._draw(i for i, drawn in enumerate(self._drawn) if not drawn)
        self._timer.stop()

    def setDocument(self, document: QTextDocument | None) -> None:  # noqa: N802 - Qt's name
        """Detach (``None``) or attach; a detached highlighter stops drawing for good."""
        self._timer.stop()
        self._watch(None)
        if document is None:
            self._spans = []
            self._index = _SpanIndex(())
            self._drawn = bytearray()
        super().setDocument(document)

    # -- drawing -------------------------------------------------------------------------

    def _redraw_all(self) -> None:
        """Draw the blocks on screen now and queue every other block for the background."""
        document = self.document()
        if document is None:
            return
        self._drawn = bytearray(document.blockCount())
        self._next = 0
        view = self._view()
        if view is None:
            self.finish()
            return
        self._watch(view)
        numbers = self._on_screen(view)
        if self._index is None and numbers:
            self._near = _SpanIndex(self._spans, within=self._text_of(numbers[0], numbers[-1]))
        try:
            self._draw(numbers)
        finally:
            self._near = None
        self._timer.start()

    def _draw_some(self) -> None:
        """One slice of background drawing: blocks on screen first, then in order."""
        view = self._view()
        if view is None or self.document() is None:
            self._timer.stop()
            return
        self._draw(self._on_screen(view))
        deadline = time.perf_counter() + _SLICE
        while time.perf_counter() < deadline:
            self._next = self._drawn.find(0, self._next)
            if self._next < 0:
                self._timer.stop()
                return
            self._draw((self._next,), quietly=True)

    def _draw(self, numbers: Iterable[int], quietly: bool = False) -> None:
        """Draw blocks ``numbers``; ``quietly``: those never laid out without the update
        signal of the layout, which would repaint the whole viewport (they have never
        been painted, so nothing painted is stale)."""
        document = self.document()
        if document is None:
            return
        layout = document.documentLayout()
        was_blocked = layout.signalsBlocked()
        try:
            for number in sorted(set(numbers)):
                block = document.findBlockByNumber(number)
                if block.isValid():
                    unseen = quietly and block.layout().lineCount() == 0
                    layout.blockSignals(was_blocked or unseen)
                    self.rehighlightBlock(block)
        finally:
            layout.blockSignals(was_blocked)

    def _full_index(self) -> _SpanIndex:
        if self._index is None:
            self._index = _SpanIndex(self._spans)
        return self._index

    def _text_of(self, first: int, last: int) -> tuple[int, int]:
        """The code point offsets of blocks ``first`` to ``last``."""
        document = self.document()
        start = document.findBlockByNumber(first).position()
        end_block = document.findBlockByNumber(last)
        end = end_block.position() + end_block.length() - 1
        return self._offsets.from_qt(start), self._offsets.from_qt(end)

    def _blocks_of(self, span: Span) -> range:
        document = self.document()
        if document is None:
            return range(0)
        start, end = self._offsets.to_qt(span.start), self._offsets.to_qt(span.end)
        first = document.findBlock(start).blockNumber()
        last = document.findBlock(max(start, end - 1)).blockNumber()
        return range(first, last + 1)

    def _view(self) -> QPlainTextEdit | None:
        """The editor showing this document: it owns the document through its control."""
        document = self.document()
        owner = document.parent() if document is not None else None
        while owner is not None and not isinstance(owner, QPlainTextEdit):
            owner = owner.parent()
        return owner

    def _on_screen(self, view: QPlainTextEdit) -> list[int]:
        """The undrawn blocks that may be on screen, estimated without laying any out: each
        block is taken to fill at least one line, of characters a third narrower than
        the font's average, so the estimate errs towards more blocks."""
        metrics = QFontMetricsF(view.font())
        viewport = view.viewport()
        width = max(float(viewport.width()), 1.0)
        char_width = metrics.averageCharWidth() * 2 / 3
        lines = viewport.height() / max(metrics.lineSpacing(), 1.0) + 2
        block: QTextBlock = view.firstVisibleBlock()
        found = []
        while block.isValid() and lines > 0:
            number = block.blockNumber()
            if number < len(self._drawn) and not self._drawn[number]:
                found.append(number)
            lines -= 1 + int(block.length() * char_width / width)
            block = block.next()
        return found

    def _watch(self, view: QPlainTextEdit | None) -> None:
        """Watch the paints of ``view``: whatever brings undrawn blocks on screen (the
        window shown, resized or zoomed out, a scroll), they are drawn before the paint."""
        watched = self._watched() if self._watched is not None else None
        viewport = view.viewport() if view is not None else None
        if watched is viewport:
            return
        if watched is not None:
            watched.removeEventFilter(self)
        self._watched = weakref.ref(viewport) if viewport is not None else None
        if viewport is not None:
            viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and self._drawn.count(0):
            view = self._view()
            if view is not None:
                self._draw(self._on_screen(view), quietly=True)
        return False

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        block = self.currentBlock()
        number = block.blockNumber()
        if number < len(self._drawn):
            self._drawn[number] = 1
        base = block.position()
        size = block.length() - 1  # UTF-16 units, without the separator
        offsets = self._offsets
        index = self._near if self._near is not None else self._full_index()
        spans = index.overlapping(offsets.from_qt(base), offsets.from_qt(base + size))
        if not spans:
            return
        placed: list[tuple[int, int, Span]] = []
        cuts = {0, size}
        for span in spans:
            # A discontinuous span colours its pieces only: the gap (the attribution
            # cutting a quote) keeps its own spans' colours.
            for piece_start, piece_end in fragments_of(span):
                start = max(offsets.to_qt(piece_start) - base, 0)
                end = min(offsets.to_qt(piece_end) - base, size)
                if start < end:
                    placed.append((start, end, span))
                    cuts.add(start)
                    cuts.add(end)
        placed.sort(key=lambda p: covered_count(p[2]))  # innermost first
        bounds = sorted(cuts)
        for left, right in itertools.pairwise(bounds):
            covering = [span for start, end, span in placed if start < right and end > left]
            if covering:
                self.setFormat(left, right - left, self._format(covering))

    def _format(self, covering: list[Span]) -> QTextCharFormat:
        """The format of ``covering``, built once per combination of what
        :meth:`SpanStyles.format_for` reads."""
        selected, partial = self._selected, self._styles.partial
        key = tuple(
            (s.layer, s.label, s.state, s.id in selected, s.id in partial) for s in covering
        )
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = self._formats[key] = self._styles.format_for(covering, selected)
        return fmt
