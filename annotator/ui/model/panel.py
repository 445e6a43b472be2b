"""The Model panel: the open document's suggestions with their scores, the least certain
first, the model's answers to the questions, and the training under way.

Signals:
    spanChosen(str): a suggestion's row was activated (its span id).
    answerChosen(str, str): a suggested answer was activated (question, value).
    cancelRequested(): the Cancel button of the training under way.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Span
from annotator.nlp.scoring import doubt

SPAN_ROLE = Qt.ItemDataRole.UserRole
ANSWER_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class ScoredSuggestion:
    span: Span
    score: float | None


def least_certain_first(items: list[ScoredSuggestion]) -> list[ScoredSuggestion]:
    """By doubt (``1 - |2p - 1|``) descending; unscored ones last, in text order."""
    return sorted(
        items,
        key=lambda i: (i.score is None, -doubt(i.score) if i.score is not None else 0.0,
                       i.span.start, i.span.end),
    )  # fmt: skip


class ModelPanel(QWidget):
    spanChosen = Signal(str)  # noqa: N815 - Qt signal naming
    answerChosen = Signal(str, str)  # noqa: N815
    cancelRequested = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.origin = QLabel("No model has suggested on this document.")
        self.origin.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setObjectName("modelSuggestions")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Score", "Layer", "Label", "Text"])
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setStretchLastSection(True)
        self.table.itemActivated.connect(self._activated)
        self.table.itemDoubleClicked.connect(self._activated)
        self.job = QLabel()
        self.job.setObjectName("trainingStatus")
        self.job.setWordWrap(True)
        self.cancel = QPushButton("Cancel training")
        self.cancel.setObjectName("cancelTraining")
        self.cancel.clicked.connect(self.cancelRequested)
        self.cancel.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.job, 1)
        bottom.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.origin)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def show_suggestions(
        self,
        text: str,
        origin: str | None,
        uncertainty: float | None,
        items: list[ScoredSuggestion],
        answers: dict[str, float],
    ) -> None:
        """Fill the table: suggestions least certain first, then the suggested answers."""
        self.table.clear()
        if origin is None:
            self.origin.setText("No model has suggested on this document.")
        else:
            self.origin.setText(
                f"{origin}: uncertainty {uncertainty:.2f} (0 sure, 1 unsure); "
                "least certain suggestions first. Enter selects one."
            )
        for item in least_certain_first(items):
            span = item.span
            row = QTreeWidgetItem(
                ["–" if item.score is None else f"{item.score:.2f}", span.layer, span.label,
                 text[span.start : span.end].replace("\n", " ")[:120]]
            )  # fmt: skip
            row.setData(0, SPAN_ROLE, span.id)
            self.table.addTopLevelItem(row)
        for name, score in sorted(answers.items(), key=lambda kv: -doubt(kv[1])):
            question, _, value = name.partition("=")
            row = QTreeWidgetItem([f"{score:.2f}", "answer", question, value])
            row.setData(0, ANSWER_ROLE, name)
            row.setToolTip(3, "Enter takes this answer")
            self.table.addTopLevelItem(row)

    def span_ids(self) -> list[str]:
        """The span ids in the order shown."""
        ids = []
        for index in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(index)
            value = item.data(0, SPAN_ROLE) if item is not None else None
            if value:
                ids.append(str(value))
        return ids

    def show_job(self, text: str, running: bool) -> None:
        self.job.setText(text)
        self.cancel.setVisible(running)

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        span_id = item.data(0, SPAN_ROLE)
        if span_id:
            self.spanChosen.emit(str(span_id))
            return
        answer = item.data(0, ANSWER_ROLE)
        if answer:
            question, _, value = str(answer).partition("=")
            self.answerChosen.emit(question, value)
