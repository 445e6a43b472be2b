"""Span highlighting: a ``QSyntaxHighlighter`` fed by a per-block span index.

An edit re-highlights only the blocks its spans touch (DESIGN §9): ``setExtraSelections``
repaints every selection per block and ``mergeCharFormat`` writes into the document and
its undo history, so neither scales to ten thousand spans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from annotator.core.model import Span
from annotator.core.scheme import Scheme
from annotator.ui.offsets import OffsetMap


@dataclass(frozen=True, slots=True)
class _Placed:
    """A span in Qt positions."""

    start: int
    end: int
    span: Span


class SpanStyles:
    """How each layer and label is drawn: fills for layers without overlaps (entities),
    underlines for layers with overlaps (claims, cues); nesting deepens the colour."""

    def __init__(self, scheme: Scheme, dark: bool = False) -> None:
        self.scheme = scheme
        self.dark = dark
        self._filled = {layer.name: not layer.overlap for layer in scheme.span_layers}
        self._rank = {layer.name: i for i, layer in enumerate(scheme.span_layers)}

    def color(self, span: Span) -> QColor:
        return QColor(self.scheme.color_of(span.layer, span.label))

    def fill(self, span: Span, depth: int = 1, selected: bool = False) -> QColor:
        color = self.color(span)
        alpha = 200 if selected else min(90 + 50 * (depth - 1), 200)
        color.setAlpha(alpha)
        return color

    def format_for(self, covering: list[Span], selected: set[str]) -> QTextCharFormat:
        """The format of a stretch of text covered by ``covering`` (innermost first)."""
        fmt = QTextCharFormat()
        fills = [s for s in covering if self._filled.get(s.layer, False)]
        lines = [s for s in covering if not self._filled.get(s.layer, False)]
        if fills:
            top = fills[0]
            fmt.setBackground(self.fill(top, len(fills), top.id in selected))
        if lines:
            top = lines[0]
            fmt.setUnderlineColor(self.color(top))
            same_layer = sum(1 for s in lines if s.layer == top.layer)
            if top.suggested:
                style = QTextCharFormat.UnderlineStyle.DotLine
            elif same_layer > 1:
                style = QTextCharFormat.UnderlineStyle.WaveUnderline
            elif self._rank.get(top.layer, 0) % 2:
                style = QTextCharFormat.UnderlineStyle.DashUnderline
            else:
                style = QTextCharFormat.UnderlineStyle.SingleUnderline
            fmt.setUnderlineStyle(style)
            if not fills:
                tint = self.color(top)
                tint.setAlpha(110 if any(s.id in selected for s in lines) else 35)
                fmt.setBackground(tint)
        if any(s.suggested for s in covering):
            fmt.setFontItalic(True)
        if any(s.id in selected for s in covering):
            fmt.setFontWeight(QFont.Weight.Bold)
        return fmt


class SpanHighlighter(QSyntaxHighlighter):
    """Draws the spans of one annotation set on a document of one text."""

    def __init__(self, document: QTextDocument, offsets: OffsetMap, styles: SpanStyles) -> None:
        super().__init__(document)
        self._offsets = offsets
        self._styles = styles
        self._blocks: dict[int, list[_Placed]] = {}
        self._placed: dict[str, list[int]] = {}
        self._selected: set[str] = set()

    def set_styles(self, styles: SpanStyles) -> None:
        self._styles = styles
        self.rehighlight()

    def set_spans(self, spans: Iterable[Span]) -> None:
        """Index every span and re-highlight the whole document (opening a document)."""
        self._blocks.clear()
        self._placed.clear()
        for span in spans:
            self._index(span)
        self.rehighlight()

    def update_spans(self, removed: Iterable[Span], added: Iterable[Span]) -> None:
        """Apply a change of a few spans, re-highlighting only the blocks they touch."""
        touched: set[int] = set()
        for span in removed:
            for number in self._placed.pop(span.id, []):
                touched.add(number)
                self._blocks[number] = [p for p in self._blocks[number] if p.span.id != span.id]
        for span in added:
            touched.update(self._index(span))
        self._rehighlight_blocks(touched)

    def set_selected(self, span_ids: Iterable[str]) -> None:
        new = set(span_ids)
        changed = new ^ self._selected
        self._selected = new
        blocks = {n for span_id in changed for n in self._placed.get(span_id, [])}
        self._rehighlight_blocks(blocks)

    def _index(self, span: Span) -> list[int]:
        document = self.document()
        start, end = self._offsets.to_qt(span.start), self._offsets.to_qt(span.end)
        first = document.findBlock(start).blockNumber()
        last = document.findBlock(max(start, end - 1)).blockNumber()
        numbers = list(range(first, last + 1))
        placed = _Placed(start, end, span)
        for number in numbers:
            self._blocks.setdefault(number, []).append(placed)
        self._placed[span.id] = numbers
        return numbers

    def _rehighlight_blocks(self, numbers: Iterable[int]) -> None:
        document = self.document()
        for number in sorted(numbers):
            block = document.findBlockByNumber(number)
            if block.isValid():
                self.rehighlightBlock(block)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        placed = self._blocks.get(self.currentBlock().blockNumber())
        if not placed:
            return
        base = self.currentBlock().position()
        size = self.currentBlock().length() - 1  # UTF-16 units, without the separator
        cuts = {0, size}
        for p in placed:
            cuts.add(min(max(p.start - base, 0), size))
            cuts.add(min(max(p.end - base, 0), size))
        bounds = sorted(cuts)
        for left, right in zip(bounds, bounds[1:], strict=False):
            covering = [p.span for p in placed if p.start - base < right and p.end - base > left]
            if covering:
                covering.sort(key=lambda s: s.end - s.start)
                self.setFormat(left, right - left, self._styles.format_for(covering, self._selected))
