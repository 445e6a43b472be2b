"""The review panel: a document's items with every annotator's version and the decision.

Signals (ReviewPanel):
    itemChosen(int): the row of the item the lead moved to.
    decide(int, int): accept version N (0-based) of the item in row R; -1 rejects it.
    markEdited(int): the item in row R was settled by editing gold.
    acceptAgreed(): copy every agreed item of the document into gold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.table_model import ColumnsModel

if TYPE_CHECKING:
    from annotator.services.review import Item
    from annotator.store.adjudication import Decision

_COLUMNS = ("Where", "What", "Versions", "Decision")
Index = QModelIndex | QPersistentModelIndex


class ReviewItemsModel(ColumnsModel):
    COLUMNS = _COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[Item] = []
        self.decisions: dict[str, Decision] = {}
        self._text = ""

    def set_items(self, text: str, items: list[Item], decisions: dict[str, Decision]) -> None:
        self.beginResetModel()
        self._text, self.items, self.decisions = text, items, decisions
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item, column = self.items[index.row()], index.column()
        decision = self.decisions.get(item.key)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                if item.start < 0:
                    return f"question {item.detail}"
                return f"{item.layer} «{' '.join(self._text[item.start : item.end].split())[:30]}»"
            if column == 1:
                return item.what()
            if column == 2:
                return "   ".join(
                    f"{n}) {', '.join(v.annotators)}: {v.describe(self._text, item.versions)}"
                    for n, v in enumerate(item.versions, start=1)
                )
            if column == 3:
                if decision is None:
                    return "—"
                return f"{decision.decision} ({decision.reason}, {decision.decided_by})"
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return QColor("#2e9d4a" if decision else "#d62728")
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return "\n".join(
                f"{n}) {', '.join(v.annotators)}: {v.describe(self._text, item.versions)}"
                for n, v in enumerate(item.versions, start=1)
            )
        return None


class _ItemsView(QTableView):
    """The item list; digits accept a version, X rejects, E marks edited, A takes the
    agreed items."""

    key = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        text = event.text().lower()
        if event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ) and (text.isdigit() or text in ("x", "e", "a")):
            self.key.emit(text)
            return
        super().keyPressEvent(event)


class ReviewPanel(QWidget):
    itemChosen = Signal(int)  # noqa: N815 - Qt signal naming
    decide = Signal(int, int)
    markEdited = Signal(int)  # noqa: N815
    acceptAgreed = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ReviewItemsModel(self)
        self._all: tuple[str, list[Item], dict[str, Decision]] = ("", [], {})
        self.progress = QLabel()
        self.progress.setObjectName("reviewProgress")
        self.reason = QComboBox()
        self.reason.setObjectName("reviewReason")
        self.only_disputed = QCheckBox("Only &disagreements and undecided items")
        self.only_disputed.setChecked(True)
        self.table = _ItemsView()
        self.table.setObjectName("reviewItems")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        hint = QLabel(
            "1–9: take that version · X: reject · E: settled by editing gold · "
            "A: take every agreed item"
        )
        hint.setEnabled(False)
        form = QFormLayout()
        form.addRow("&Reason", self.reason)
        form.addRow("", self.only_disputed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.progress)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        self.table.key.connect(self._key)
        self.only_disputed.toggled.connect(lambda _on: self._show())
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.itemChosen.emit(current.row())
        )

    def set_reasons(self, reasons: list[str]) -> None:
        self.reason.clear()
        self.reason.addItems(reasons)

    def show_items(self, text: str, items: list[Item], decisions: dict[str, Decision]) -> None:
        """Show ``items``; rows are indexes into ``items`` whatever the filter hides."""
        self._all = (text, items, decisions)
        self._show()

    def _show(self) -> None:
        text, items, decisions = self._all
        row = self.current_row()
        self.model.set_items(text, items, decisions)
        for number, item in enumerate(items):
            hidden = self.only_disputed.isChecked() and item.agreed and item.key in decisions
            self.table.setRowHidden(number, hidden)
        if items:
            self.select_row(min(max(row, 0), len(items) - 1))

    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        """Select ``row``, or the next visible row after it."""
        count = self.model.rowCount()
        for candidate in [*range(row, count), *range(row - 1, -1, -1)]:
            if 0 <= candidate < count and not self.table.isRowHidden(candidate):
                self.table.selectRow(candidate)
                return

    def _key(self, key: str) -> None:
        row = self.current_row()
        if key == "a":
            self.acceptAgreed.emit()
        elif row < 0:
            return
        elif key == "x":
            self.decide.emit(row, -1)
        elif key == "e":
            self.markEdited.emit(row)
        elif key.isdigit() and key != "0":
            self.decide.emit(row, int(key) - 1)
