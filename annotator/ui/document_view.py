"""The article, with its spans highlighted; selection by mouse or keyboard.

Signals:
    labelKey(str): a label's key was pressed while the view had focus.
    spanClicked(str): the user clicked a span (its id), or empty text to deselect.
    command(str): a view shortcut: "delete", "next-span", "previous-span", "deselect",
        "shortcuts", "confirm".
    spanMenu(str, QPoint): the context menu was asked over a span (its id, where).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from annotator.core.model import Relation, Span
from annotator.ui.highlighting import SpanHighlighter, SpanStyles
from annotator.ui.offsets import OffsetMap
from annotator.ui.view.decorations import Decorations

_COMMAND_KEYS = {
    Qt.Key.Key_Delete: "delete",
    Qt.Key.Key_Backspace: "delete",
    Qt.Key.Key_Tab: "next-span",
    Qt.Key.Key_Backtab: "previous-span",
    Qt.Key.Key_Escape: "deselect",
    Qt.Key.Key_Question: "shortcuts",
    Qt.Key.Key_Return: "confirm",
    Qt.Key.Key_Enter: "confirm",
}


class DocumentView(QPlainTextEdit):
    labelKey = Signal(str)  # noqa: N815 - Qt signal naming
    spanClicked = Signal(str)  # noqa: N815
    command = Signal(str)
    spanMenu = Signal(str, QPoint)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setMouseTracking(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setObjectName("documentView")
        self.offsets = OffsetMap("")
        self.highlighter: SpanHighlighter | None = None
        self.spans_at: Callable[[int], list[Span]] = lambda offset: []
        self.describe_at: Callable[[int], str] = lambda offset: describe_spans(
            self.spans_at(offset)
        )
        self._press: QPoint | None = None
        self.decorations = Decorations(self)
        self.set_point_size(12)

    # -- content -------------------------------------------------------------------------

    def show_document(self, text: str, spans: list[Span], styles: SpanStyles) -> None:
        """Show ``text`` with ``spans``; the text is set once and never read back."""
        if self.highlighter is not None:
            self.highlighter.setDocument(None)
            self.highlighter.deleteLater()
        self.offsets = OffsetMap(text)
        self.setPlainText(text)
        self.highlighter = SpanHighlighter(self.document(), self.offsets, styles)
        self.highlighter.set_spans(spans)
        self.decorations.set_spans(spans, styles)
        self.decorations.set_relations(())
        self.decorations.selected = set()
        self.decorations.set_extents(())

    def update_spans(self, removed: list[Span], added: list[Span]) -> None:
        if self.highlighter is not None:
            self.highlighter.update_spans(removed, added)
        if self.decorations.update_spans(removed, added):
            self.viewport().update()  # entities alone: the highlighter repaints their blocks

    def set_styles(self, styles: SpanStyles) -> None:
        if self.highlighter is not None:
            self.highlighter.set_styles(styles)
        self.decorations.styles = styles
        self.viewport().update()

    def set_relations(self, relations: Iterable[Relation]) -> None:
        """The links drawn as arcs (those of the highlighted spans, or all of them)."""
        relations = list(relations)
        if relations != self.decorations.relations:
            self.decorations.set_relations(relations)
            self.viewport().update()

    def show_all_links(self, shown: bool) -> None:
        self.decorations.all_links = shown
        self.viewport().update()

    def set_highlighted(self, span_ids: Iterable[str]) -> None:
        """Draw ``span_ids`` as selected (a span and those it is linked to)."""
        ids = set(span_ids)
        if self.highlighter is not None:
            self.highlighter.set_selected(ids)
        changed = ids ^ self.decorations.selected
        self.decorations.selected = ids
        if self.decorations.draws_any(changed):
            self.viewport().update()  # else the highlighter repaints the blocks concerned

    def set_selected_span(self, span: Span | None) -> None:
        self.set_highlighted([span.id] if span else [])
        if span is not None:
            cursor = self.textCursor()
            cursor.setPosition(self.offsets.to_qt(span.start))
            self.setTextCursor(cursor)
            self.ensureCursorVisible()

    # -- selection in stored offsets ----------------------------------------------------------

    def selected_range(self) -> tuple[int, int] | None:
        """The selection as code point offsets into the stored text, or None."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start = self.offsets.from_qt(cursor.selectionStart())
        end = self.offsets.from_qt(cursor.selectionEnd())
        return (start, end) if start < end else None

    def select_range(self, start: int, end: int) -> None:
        """Select stored offsets ``[start, end)`` (used by tests and keyboard helpers)."""
        cursor = self.textCursor()
        cursor.setPosition(self.offsets.to_qt(start))
        cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def offset_at(self, point: QPoint) -> int:
        return self.offsets.from_qt(self.cursorForPosition(point).position())

    # -- zoom -------------------------------------------------------------------------------

    def set_point_size(self, size: float) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(size, 48.0)))
        self.setFont(font)

    def point_size(self) -> float:
        return self.font().pointSizeF()

    # -- events -----------------------------------------------------------------------------

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802 - Qt's name
        return False  # Tab and Shift+Tab move between spans

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        key = Qt.Key(event.key())
        if plain and key in _COMMAND_KEYS:
            self.command.emit(_COMMAND_KEYS[key])
            return
        text = event.text()
        if plain and len(text) == 1 and text.isprintable() and not text.isspace():
            self.labelKey.emit(text)
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        point = event.position().toPoint()
        clicked = self._press is not None and (point - self._press).manhattanLength() < 4
        if clicked and not self.textCursor().hasSelection():
            spans = self.spans_at(self.offset_at(point))
            self.spanClicked.emit(spans[0].id if spans else "")
        self._press = None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt's name
        spans = self.spans_at(self.offset_at(event.pos()))
        if spans:
            self.spanMenu.emit(spans[0].id, event.globalPos())
            return
        super().contextMenuEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        try:
            self.decorations.paint(painter)
        finally:
            painter.end()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.describe_at(self.offset_at(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


def describe_spans(spans: list[Span]) -> str:
    """Tooltip text: layer, label, attributes and origin of each span, innermost first."""
    lines = []
    for span in spans:
        attrs = ", ".join(f"{k}={v}" for k, v in span.attrs.items())
        state = " (suggestion)" if span.suggested else ""
        lines.append(
            f"{span.layer}: {span.label}{state}"
            + (f" [{attrs}]" if attrs else "")
            + f" — {span.origin}"
        )
    return "\n".join(lines)
