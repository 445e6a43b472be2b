"""What the document view paints over the text: stacked underlines and link arcs.

A character format has one underline, so two overlapping claims looked like one. Spans
of the layers that allow overlaps (claims, cues) are given levels, as brat and
INCEpTION stack them: an outer span on level 0, a span nested in or crossing it on
level 1, and so on; each level is its own line under the text, in the label's colour.
A span in pieces (a quote cut by its attribution) is underlined under its pieces,
joined across the gaps by a thin dashed line on the same level.
Links (claimant, cue and any scheme relation) are drawn as arcs above the text, from
the head span to an arrow on the child, labelled with the relation: those of the
selected span always, every link when the view is asked to (a remembered toggle).

Only the spans and links over the visible text are painted. Levels are computed at
paint time for the visible spans' overlap components (every span sharing a character,
directly or through others, with a visible one): greedy levels over a whole component
equal those over the whole document, and opening or editing a long article never pays
for the spans off screen.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QPlainTextEdit

from annotator.core.fragments import fragments_of
from annotator.core.model import Relation, Span
from annotator.ui.highlighting import SpanIndex, SpanStyles

VERSION_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")
"""The colours of the versions of a reviewed item, in their order (1, 2, 3…)."""

LINE_WIDTH = 2.0
LINE_GAP = 3.0  # pixels between two stacked underlines


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of one span on one visual line, in viewport coordinates."""

    left: float
    right: float
    top: float
    baseline: float
    bottom: float


def stack_levels(spans: Iterable[Span]) -> dict[str, int]:
    """A level for each span such that spans sharing a character never share a level:
    longest first among equal starts, so an outer span sits under its nested ones."""
    ends: list[int] = []  # ends[level]: where the last span put on that level ends
    levels: dict[str, int] = {}
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.id)):
        level = next((i for i, end in enumerate(ends) if end <= span.start), len(ends))
        if level == len(ends):
            ends.append(span.end)
        else:
            ends[level] = span.end
        levels[span.id] = level
    return levels


class Decorations:
    """The stacked underlines and link arcs of one document view.

    Args:
        view: the view painted on (its ``offsets`` map stored offsets to Qt positions).
    """

    def __init__(self, view: QPlainTextEdit) -> None:
        self.view = view
        self.styles: SpanStyles | None = None
        self.spans: list[Span] = []
        self._by_id: dict[str, Span] | None = None  # built when a link is drawn
        self.lined = SpanIndex(())  # spans of overlapping layers, drawn as lines
        self._lined_ids: set[str] = set()
        self.relations: list[Relation] = []
        self.selected: set[str] = set()
        self.all_links = False
        self.extents: list[tuple[int, int, str]] = []  # a reviewed item's versions
        self._origins: dict[int, QPointF] = {}

    def set_extents(self, extents: Iterable[tuple[int, int, str]]) -> None:
        """Draw each ``(start, end, tag)`` as a bracketed line of its own colour under
        the text: the extents of a boundary disagreement's versions."""
        self.extents = list(extents)

    # -- what is shown -----------------------------------------------------------------

    def set_spans(self, spans: Iterable[Span], styles: SpanStyles) -> None:
        self.styles = styles
        self.spans = list(spans)
        self._by_id = None
        lined_layers = {s.name for s in styles.scheme.span_layers if s.overlap}
        lined = [s for s in self.spans if s.layer in lined_layers]
        self.lined = SpanIndex(lined)
        self._lined_ids = {s.id for s in lined}

    def update_spans(self, removed: Iterable[Span], added: Iterable[Span]) -> bool:
        """Follow an edit; True when something these decorations draw changed (an
        underlined span, or an end of a drawn link), so the view must repaint."""
        removed, added = list(removed), list(added)
        linked = {r.head for r in self.relations} | {r.child for r in self.relations}
        changed = any(s.id in linked for s in (*removed, *added))
        by_id = self._ids()
        for span in removed:
            by_id.pop(span.id, None)
        for span in added:
            by_id[span.id] = span
        for span in removed:
            if span.id in self._lined_ids:
                self.lined.remove(span)
                self._lined_ids.discard(span.id)
                changed = True
        for span in added:
            if self.styles is not None and self.styles.lined(span):
                self.lined.add(span)
                self._lined_ids.add(span.id)
                changed = True
        return changed

    def span(self, span_id: str) -> Span | None:
        return self._ids().get(span_id)

    def _ids(self) -> dict[str, Span]:
        if self._by_id is None:  # built at the first edit or drawn link, then followed
            self._by_id = {s.id: s for s in self.spans}
            self.spans = []
        return self._by_id

    def set_relations(self, relations: Iterable[Relation]) -> None:
        self.relations = list(relations)

    def draws_any(self, span_ids: set[str]) -> bool:
        """Whether these decorations draw something for one of ``span_ids`` (an
        underline, or a link end)."""
        if any(i in self._lined_ids for i in span_ids):
            return True
        return any(r.head in span_ids or r.child in span_ids for r in self.relations)

    def levels_over(self, lo: int, hi: int) -> dict[str, int]:
        """The levels of the lined spans over ``[lo, hi)``, computed over their whole
        overlap components (so a span keeps its level wherever the view scrolls)."""
        while True:
            found = self.lined.overlapping(lo, hi)
            wider = (min([lo, *(s.start for s in found)]), max([hi, *(s.end for s in found)]))
            if wider == (lo, hi):
                return stack_levels(found)
            lo, hi = wider

    # -- painting ------------------------------------------------------------------------

    def paint(self, painter: QPainter) -> None:
        if self.styles is None:
            return
        self._origins = {}  # block origins, asked once per paint
        lo, hi = self._visible_range()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        levels = self.levels_over(lo, hi)
        for span in self.lined.overlapping(lo, hi):
            self._underline(painter, span, levels.get(span.id, 0))
        depth = max(levels.values(), default=-1) + 1
        from_head: dict[str, int] = {}
        for relation in self._shown_relations():
            head, child = self.span(relation.head), self.span(relation.child)
            if head is None or child is None:
                continue
            if (head.end <= lo and child.end <= lo) or (head.start >= hi and child.start >= hi):
                continue
            # Links from one span rise to different heights, so their labels never meet.
            rank = from_head[head.id] = from_head.get(head.id, -1) + 1
            self._arc(painter, head, child, relation.label, rank)
        for number, (start, end, tag) in enumerate(self.extents):
            if start < hi and end > lo:
                self._extent(painter, number, start, end, tag, depth)

    def _extent(
        self, painter: QPainter, number: int, start: int, end: int, tag: str, depth: int
    ) -> None:
        color = QColor(VERSION_COLORS[number % len(VERSION_COLORS)])
        pen = QPen(color, LINE_WIDTH + 1)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        offset = 1.5 + (depth + number) * (LINE_WIDTH + 1 + LINE_GAP)
        segments = self.segments(start, end, cached=True)
        for segment in segments:
            y = segment.baseline + offset
            painter.drawLine(QPointF(segment.left, y), QPointF(segment.right, y))
        if not segments:
            return
        first, last = segments[0], segments[-1]
        # Brackets at the two ends: where this version starts and stops.
        for x, y_top, y in (
            (first.left, first.top, first.baseline + offset),
            (last.right, last.top, last.baseline + offset),
        ):
            painter.drawLine(QPointF(x, y_top + 2), QPointF(x, y))
        font = QFont(self.view.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.6, 6.0))
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QPointF(last.right + 2, last.baseline + offset + 2), tag)

    def _shown_relations(self) -> list[Relation]:
        if self.all_links:
            return self.relations
        return [r for r in self.relations if r.head in self.selected or r.child in self.selected]

    def _underline(self, painter: QPainter, span: Span, level: int) -> None:
        assert self.styles is not None
        color = self.styles.color(span)
        if span.suggested:
            color.setAlpha(120)
        pen = QPen(color, LINE_WIDTH + (1.0 if span.id in self.selected else 0.0))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if span.suggested:
            pen.setStyle(Qt.PenStyle.DotLine)
        painter.setPen(pen)
        offset = 1.5 + level * (LINE_WIDTH + LINE_GAP)
        pieces = fragments_of(span)
        for start, end in pieces:
            for segment in self.segments(start, end, cached=True):
                y = segment.baseline + offset
                painter.drawLine(QPointF(segment.left, y), QPointF(segment.right, y))
        if len(pieces) > 1:
            # The gaps of a span in pieces: a thin dashed line on its level joins them.
            connector = QPen(color, 1.0, Qt.PenStyle.DashLine)
            painter.setPen(connector)
            for (_, gap_start), (gap_end, _) in itertools.pairwise(pieces):
                for segment in self.segments(gap_start, gap_end, cached=True):
                    y = segment.baseline + offset
                    painter.drawLine(QPointF(segment.left, y), QPointF(segment.right, y))

    def _arc(self, painter: QPainter, head: Span, child: Span, label: str, rank: int) -> None:
        assert self.styles is not None
        start = self._anchor(head)
        end = self._anchor(child)
        if start is None or end is None:
            return
        color = self.styles.color(head)
        color.setAlpha(220)
        painter.setPen(QPen(color, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        line = QFontMetricsF(self.view.font()).lineSpacing()
        lift = min(14.0 + abs(end.x() - start.x()) / 10, 36.0) + rank * line * 0.8
        top = min(start.y(), end.y()) - lift
        middle = QPointF((start.x() + end.x()) / 2, top)
        path = QPainterPath(start)
        path.quadTo(middle, end)
        painter.drawPath(path)
        self._arrow(painter, path, end, color)
        font = QFont(self.view.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.62, 6.0))
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        text = label.lower()
        width = metrics.horizontalAdvance(text) + 6
        peak = path.pointAtPercent(0.5)
        box = QRectF(peak.x() - width / 2, peak.y() - metrics.height() / 2, width, metrics.height())
        background = self.view.palette().base().color()
        background.setAlpha(230)
        painter.fillRect(box, background)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _arrow(painter: QPainter, path: QPainterPath, tip: QPointF, color: QColor) -> None:
        angle = math.radians(-path.angleAtPercent(0.97))
        size = 6.0
        left = QPointF(
            tip.x() - size * math.cos(angle - 0.45), tip.y() - size * math.sin(angle - 0.45)
        )
        right = QPointF(
            tip.x() - size * math.cos(angle + 0.45), tip.y() - size * math.sin(angle + 0.45)
        )
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([tip, left, right]))
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _anchor(self, span: Span) -> QPointF | None:
        """Where an arc meets ``span``: the middle of the top of its first visual line
        (a long claim is met at its start, not beyond the screen)."""
        segments = self.segments(span.start, min(span.end, span.start + 40), cached=True)
        if not segments:
            return None
        first = segments[0]
        return QPointF((first.left + first.right) / 2, first.top + 1)

    # -- geometry ------------------------------------------------------------------------

    def _visible_range(self) -> tuple[int, int]:
        view = self.view
        offsets = view.offsets  # type: ignore[attr-defined]
        first = view.firstVisibleBlock()
        position = first.position()
        bottom = view.viewport().height()
        block = first
        last_end = position
        while block.isValid():
            top = view.blockBoundingGeometry(block).translated(view.contentOffset()).top()
            if top > bottom:
                break
            last_end = block.position() + block.length()
            block = block.next()
        return offsets.from_qt(position), offsets.from_qt(min(last_end, offsets.qt_length))

    def segments(self, start: int, end: int, cached: bool = False) -> list[Segment]:
        """The visual-line stretches of stored offsets ``[start, end)`` in the viewport
        (only those of laid out blocks: the visible ones)."""
        if not cached:
            self._origins = {}
        view = self.view
        offsets = view.offsets  # type: ignore[attr-defined]
        document = view.document()
        qs, qe = offsets.to_qt(start), offsets.to_qt(end)
        block = document.findBlock(qs)
        found: list[Segment] = []
        offset = view.contentOffset()
        while block.isValid() and block.position() < qe:
            # Asking the geometry first lays out a block an edit has just re-highlighted.
            number = block.blockNumber()
            origin = self._origins.get(number)
            if origin is None:
                origin = view.blockBoundingGeometry(block).translated(offset).topLeft()
                self._origins[number] = origin
            layout = block.layout()
            if layout is not None and layout.lineCount() > 0:
                base = block.position()
                first = layout.lineForTextPosition(max(qs - base, 0))
                start_at = first.lineNumber() if first.isValid() else 0
                for number in range(start_at, layout.lineCount()):
                    line = layout.lineAt(number)
                    line_start = base + line.textStart()
                    if line_start >= qe:
                        break
                    line_end = line_start + line.textLength()
                    lo, hi = max(qs, line_start), min(qe, line_end)
                    if lo >= hi:
                        continue
                    left = _x(line.cursorToX(lo - base))
                    right = _x(line.cursorToX(hi - base))
                    top = origin.y() + line.y()
                    found.append(
                        Segment(
                            origin.x() + left,
                            origin.x() + right,
                            top,
                            top + line.ascent(),
                            top + line.height(),
                        )
                    )
            block = block.next()
        return found


def _x(value: object) -> float:
    """``QTextLine.cursorToX`` answers a float, or (float, int) in some PySide versions."""
    if isinstance(value, tuple):
        return float(value[0])
    return float(value)  # type: ignore[arg-type]
