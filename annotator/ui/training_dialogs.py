"""The spaCy export's options and its alignment audit, with the offer to snap spans.

The audit lists every span that does not fall on token boundaries (and entities that
overlap); snapping them is one undoable step over every annotation set concerned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from annotator.nlp.report import SpanIssue


class SpacyOptions(QWidget):
    """Dev fraction, split seed, alignment mode and unfinished sets of a spaCy export.

    Args:
        parent: the parent widget.
        own_layout: lay the fields out in this widget; False leaves :attr:`rows` to be
            added to the caller's form, so that their labels align with its own.
    """

    def __init__(self, parent: QWidget | None = None, own_layout: bool = True) -> None:
        super().__init__(parent)
        self.dev_fraction = QDoubleSpinBox()
        self.dev_fraction.setRange(0.0, 0.9)
        self.dev_fraction.setSingleStep(0.05)
        self.dev_fraction.setValue(0.2)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.alignment = QComboBox()
        self.alignment.addItems(["strict", "contract", "expand"])
        self.alignment.setToolTip(
            "strict: stop on spans off token boundaries (and list them); contract/expand: "
            "snap them inward/outward in the exported data and list what changed"
        )
        self.include_unfinished = QCheckBox("Include &unfinished sets (not marked done)")
        self.include_unfinished.setObjectName("includeUnfinished")
        self.include_unfinished.setToolTip(
            "By default only sets marked done (and gold) are training data: in an unfinished "
            "set every token nobody labelled yet would be taught as 'no entity'"
        )
        self.rows: list[tuple[str, QWidget]] = [
            ("Dev share", self.dev_fraction),
            ("Split seed", self.seed),
            ("Alignment", self.alignment),
            ("", self.include_unfinished),
        ]
        if own_layout:
            form = QFormLayout(self)
            form.setContentsMargins(0, 0, 0, 0)
            for label, field in self.rows:
                form.addRow(label, field)


class AuditDialog(QDialog):
    """Spans the tokenizer cannot place, with what contract and expand would make of them.

    ``choice`` is ``contract`` or ``expand`` when the user asked to snap, else None.
    """

    def __init__(
        self,
        misaligned: list[SpanIssue],
        overlapping: list[SpanIssue],
        message: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("spaCy export: alignment audit")
        self.choice: str | None = None
        issues = [("misaligned", i) for i in misaligned] + [("overlapping", i) for i in overlapping]
        table = QTableWidget(len(issues), 7)
        table.setObjectName("auditTable")
        table.setHorizontalHeaderLabels(
            ["Problem", "Document", "Annotator", "Layer/label", "Text", "Contract", "Expand"]
        )
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for row, (problem, issue) in enumerate(issues):
            values = (
                problem,
                issue.document,
                issue.annotator,
                f"{issue.layer}/{issue.label}",
                f"{issue.start}-{issue.end} «{issue.text[:60]}»",
                _bounds(issue.contract),
                _bounds(issue.expand),
            )
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        self.table = table
        summary = QLabel(message)
        summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.contract = QPushButton("Snap inward (contract)")
        self.expand = QPushButton("Snap outward (expand)")
        for button, mode in ((self.contract, "contract"), (self.expand, "expand")):
            button.setEnabled(bool(misaligned))
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda _=False, m=mode: self._snap(m))
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)
        self.resize(900, 480)

    def _snap(self, mode: str) -> None:
        self.choice = mode
        self.accept()


def _bounds(bounds: tuple[int, int] | None) -> str:
    return "—" if bounds is None else f"{bounds[0]}-{bounds[1]}"
