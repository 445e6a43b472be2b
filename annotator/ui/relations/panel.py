"""The links panel: every link of the open document, named by the text of its ends.

Signals (LinksPanel):
    linkChosen(object): the user picked a row (the :class:`Relation`).
    removeRequested(object): Delete on a row.
    relabelRequested(object): F2 on a row, or its context menu.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.fragments import span_text
from annotator.core.model import Relation, Span
from annotator.ui.table_model import ColumnsModel

Index = QModelIndex | QPersistentModelIndex


class LinksModel(ColumnsModel):
    """Rows: the relations of one annotation set, in the text order of their heads."""

    COLUMNS = ("From", "Link", "To")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Relation] = []
        self._spans: dict[str, Span] = {}
        self._text = ""

    def set_links(self, text: str, spans: list[Span], relations: list[Relation]) -> None:
        self.beginResetModel()
        self._text = text
        self._spans = {s.id: s for s in spans}
        far = len(text) + 1
        self.rows = sorted(
            relations,
            key=lambda r: (
                self._spans[r.head].start if r.head in self._spans else far,
                r.label,
                self._spans[r.child].start if r.child in self._spans else far,
            ),
        )
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def text_of(self, span_id: str) -> str:
        span = self._spans.get(span_id)
        if span is None:
            return "?"
        return " ".join(span_text(span, self._text).split())

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        relation = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (
                self.text_of(relation.head),
                relation.label,
                self.text_of(relation.child),
            )[index.column()]
        return None


class LinksPanel(QWidget):
    linkChosen = Signal(object)  # noqa: N815 - Qt signal naming
    removeRequested = Signal(object)  # noqa: N815
    relabelRequested = Signal(object)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LinksModel(self)
        self.table = _LinksTable(self)
        self.table.setObjectName("linksTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.hint = QLabel("Ctrl+K links the selected span · F2 relabels · Del removes")
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        self.table.clicked.connect(self._chosen)
        self.table.activated.connect(self._chosen)
        self.table.customContextMenuRequested.connect(self._context_menu)

    def show_links(self, text: str, spans: list[Span], relations: list[Relation]) -> None:
        self.model.set_links(text, spans, relations)

    def current(self) -> Relation | None:
        row = self.table.currentIndex().row()
        return self.model.rows[row] if 0 <= row < len(self.model.rows) else None

    def _chosen(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.model.rows):
            self.linkChosen.emit(self.model.rows[index.row()])

    def _context_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not 0 <= index.row() < len(self.model.rows):
            return
        relation = self.model.rows[index.row()]
        menu = QMenu(self)
        menu.addAction("Change the relation…\tF2", lambda: self.relabelRequested.emit(relation))
        menu.addAction("Remove this link\tDel", lambda: self.removeRequested.emit(relation))
        menu.exec(self.table.viewport().mapToGlobal(point))


class _LinksTable(QTableView):
    def __init__(self, panel: LinksPanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        relation = self.panel.current()
        if relation is not None and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.panel.removeRequested.emit(relation)
            return
        if relation is not None and event.key() == Qt.Key.Key_F2:
            self.panel.relabelRequested.emit(relation)
            return
        super().keyPressEvent(event)
