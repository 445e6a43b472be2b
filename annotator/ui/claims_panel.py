"""The claims panel: the document's claims in text order, with claimant, cue and stance.

Signals (ClaimsPanel):
    claimChosen(str): the user picked a claim row (the claim's span id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.fragments import span_text
from annotator.services.claims import ClaimRow
from annotator.ui.table_model import ColumnsModel

_COLUMNS = ("Claim", "Claimant", "Cue", "Stance", "")
Index = QModelIndex | QPersistentModelIndex


def _excerpt(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ClaimsModel(ColumnsModel):
    """Rows of :func:`annotator.services.claims.claim_rows` over one document's text."""

    COLUMNS = _COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ClaimRow] = []
        self._text = ""
        self.actor_names: Mapping[str, str] = {}
        """Claimant span id -> its actor's name (a suggested one ends with "?")."""

    def set_rows(
        self, text: str, rows: list[ClaimRow], actor_names: Mapping[str, str] | None = None
    ) -> None:
        self.beginResetModel()
        self._text, self.rows = text, rows
        self.actor_names = actor_names or {}
        self.endResetModel()

    def row_of(self, span_id: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.claim.id == span_id), None)

    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                # The whole claim: the view elides it at the column's width, not before.
                return _excerpt(span_text(row.claim, self._text), 1000)
            if column == 1:
                if row.claimant is not None:
                    shown = _excerpt(span_text(row.claimant, self._text), 30)
                    actor = self.actor_names.get(row.claimant.id)
                    return f"{shown} → {actor}" if actor else shown
                return "unattributed" if row.unattributed else "—"
            if column == 2:
                return _excerpt(span_text(row.cue, self._text), 20) if row.cue else ""
            if column == 3:
                return row.stance or "—"
            if column == 4:
                return "✓" if row.complete else "!"
        if role == Qt.ItemDataRole.ToolTipRole:
            actor = self.actor_names.get(row.claimant.id) if row.claimant else None
            if column == 1 and actor:
                if actor.endswith("?"):
                    return f"Suggested actor: {actor[:-1]} (Ctrl+Shift+K on the claimant links it)"
                return f"Actor: {actor}"
            if column == 0:
                return " ".join(span_text(row.claim, self._text).split())
            if row.complete:
                return "Complete"
            return "Missing: " + ", ".join(row.missing)
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return QColor("#2e9d4a" if row.complete else "#d62728")
        return None


class ClaimsPanel(QWidget):
    claimChosen = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ClaimsModel(self)
        self.table = QTableView()
        self.table.setObjectName("claimsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.table.clicked.connect(self._chosen)
        self.table.activated.connect(self._chosen)

    def show_rows(
        self, text: str, rows: list[ClaimRow], actor_names: Mapping[str, str] | None = None
    ) -> None:
        self.model.set_rows(text, rows, actor_names)
        incomplete = sum(1 for r in rows if not r.complete)
        self.summary.setText(
            f"{len(rows)} claims" + (f", {incomplete} incomplete" if incomplete else "")
        )

    def select_claim(self, span_id: str | None) -> None:
        row = self.model.row_of(span_id) if span_id else None
        if row is None:
            self.table.clearSelection()
        else:
            self.table.selectRow(row)

    def _chosen(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.model.rows):
            self.claimChosen.emit(self.model.rows[index.row()].claim.id)
