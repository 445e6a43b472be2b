"""The agreement dashboard: the figures of ``annotator agreement``, label confusion
heatmaps per annotator pair, and the documents sorted by disagreement.

Signals (AgreementDashboard):
    openDocument(str): review this document (every annotator's version, differences
        marked).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(headers: list[str], rows: list[list[Any]], name: str) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(_fmt(value))
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    return table


class Heatmap(QWidget):
    """A label confusion matrix painted as coloured cells with their counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: tuple[str, ...] = ()
        self.counts: tuple[tuple[int, ...], ...] = ()
        self.axes = ("", "")
        self.setMinimumSize(320, 280)

    def show_matrix(
        self, labels: tuple[str, ...], counts: tuple[tuple[int, ...], ...], axes: tuple[str, str]
    ) -> None:
        self.labels, self.counts, self.axes = labels, counts, axes
        self.update()

    def color(self, count: int, diagonal: bool) -> QColor:
        """White to red off the diagonal (disagreement), white to green on it."""
        peak = max((max(row) for row in self.counts), default=0) or 1
        share = count / peak
        base = QColor("#2e9d4a") if diagonal else QColor("#d62728")
        white = QColor("#ffffff")
        return QColor(
            round(white.red() + (base.red() - white.red()) * share),
            round(white.green() + (base.green() - white.green()) * share),
            round(white.blue() + (base.blue() - white.blue()) * share),
        )

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        if not self.labels:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No spans to compare")
            return
        n = len(self.labels)
        margin = 80.0
        size = min((self.width() - margin - 10) / n, (self.height() - margin - 10) / n)
        painter.drawText(
            QRectF(margin, 0, size * n, 20), Qt.AlignmentFlag.AlignCenter, self.axes[1]
        )
        painter.save()
        painter.translate(10, margin + size * n / 2)
        painter.rotate(-90)
        painter.drawText(
            QRectF(-size * n / 2, -10, size * n, 20), Qt.AlignmentFlag.AlignCenter, self.axes[0]
        )
        painter.restore()
        for i, label in enumerate(self.labels):
            painter.drawText(
                QRectF(margin + i * size, 20, size, 40), Qt.AlignmentFlag.AlignCenter, label
            )
            painter.drawText(
                QRectF(20, margin + i * size, margin - 24, size),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        for i, row in enumerate(self.counts):
            for j, count in enumerate(row):
                cell = QRectF(margin + j * size, margin + i * size, size, size)
                painter.fillRect(cell, self.color(count, i == j))
                painter.setPen(QColor("#999999"))
                painter.drawRect(cell)
                painter.setPen(QColor("#000000"))
                painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, str(count))


class AgreementDashboard(QDialog):
    openDocument = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Inter-annotator agreement")
        self.report = report
        figures = report.figures
        self.tabs = QTabWidget()
        self.tabs.addTab(self._summary(figures), "Summary")
        self.tabs.addTab(self._pairs(figures), "Pairs")
        self.tabs.addTab(self._heatmaps(figures), "Heatmaps")
        self.tabs.addTab(self._documents(figures), "Documents")
        if figures.get("gold"):
            self.tabs.addTab(self._gold(figures), "Against gold")
        header = QLabel(
            f"{len(figures['annotators'])} annotators ({', '.join(figures['annotators'])}), "
            f"{figures['documents']} documents with two or more of them"
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(900, 620)

    def _summary(self, figures: dict[str, Any]) -> QWidget:
        layers = [
            [layer, v["f1_exact"], v["f1_overlap"], v["alpha_tokens"]]
            for layer, v in figures["layers"].items()
        ]
        self.summary = _table(
            ["Span layer", "F1 exact", "F1 overlap", "Krippendorff α (tokens)"],
            layers,
            "agreementSummary",
        )
        questions = [
            [name, v["items"], v["percent_agreement"], v["cohen_kappa"], v["fleiss_kappa"],
             v["krippendorff_alpha"]]
            for name, v in figures["questions"].items()
        ]  # fmt: skip
        self.question_table = _table(
            ["Question", "Items", "% agreement", "Cohen κ", "Fleiss κ", "Krippendorff α"],
            questions,
            "agreementQuestions",
        )
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary, 2)
        layout.addWidget(self.question_table, 1)
        claims = figures.get("claims")
        if claims:
            self.claim_table = _table(
                ["Claims matched", "Claimant agreement", "Cue agreement", "Stance agreement",
                 "Stance κ", "Whole frame", "Actor agreement"],
                [[claims["matched"], claims["claimant_agreement"], claims.get("cue_agreement"),
                  claims["stance_agreement"], claims.get("stance_kappa"),
                  claims.get("frame_agreement"), claims.get("actor_agreement")]],
                "agreementClaims",
            )  # fmt: skip
            self.claim_table.setToolTip(
                "Whole frame: the share of matched claims whose claimant, cue and stance all "
                "agree. Actor: whether matched claims' claimants are linked to the same actor"
            )
            layout.addWidget(self.claim_table, 1)
        return page

    def _pairs(self, figures: dict[str, Any]) -> QWidget:
        rows = [
            [f"{layer}: {pair.replace('|', ' / ')}", values["f1_exact"], values["f1_overlap"]]
            for layer, layer_values in figures["layers"].items()
            for pair, values in layer_values["pairs"].items()
        ]
        self.pairs = _table(["Layer: pair", "F1 exact", "F1 overlap"], rows, "agreementPairs")
        return self.pairs

    def _heatmaps(self, figures: dict[str, Any]) -> QWidget:
        page = QWidget()
        self.layer = QComboBox()
        self.layer.addItems(list(figures["layers"]))
        self.pair = QComboBox()
        names = figures["annotators"]
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                self.pair.addItem(f"{first} / {second}", (first, second))
        self.heatmap = Heatmap()
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Layer"))
        choose.addWidget(self.layer)
        choose.addWidget(QLabel("Pair"))
        choose.addWidget(self.pair, 1)
        layout = QVBoxLayout(page)
        layout.addLayout(choose)
        layout.addWidget(self.heatmap, 1)
        self.layer.currentIndexChanged.connect(self._draw_heatmap)
        self.pair.currentIndexChanged.connect(self._draw_heatmap)
        self._draw_heatmap()
        return page

    def _draw_heatmap(self) -> None:
        pair = self.pair.currentData()
        if not pair or not self.layer.currentText():
            self.heatmap.show_matrix((), (), ("", ""))
            return
        confusion = self.report.confusion(self.layer.currentText(), *pair)
        self.heatmap.show_matrix(confusion.labels, confusion.counts, pair)

    def _documents(self, figures: dict[str, Any]) -> QWidget:
        entries = figures["documents_by_disagreement"]
        rows = [
            [e["id"], e["disagreement"], e["f1_exact"], ", ".join(e["annotators"])] for e in entries
        ]
        self.documents = _table(
            ["Document", "Disagreement", "F1 exact", "Annotators"], rows, "agreementDocuments"
        )
        self.documents.activated.connect(
            lambda index: self.openDocument.emit(entries[index.row()]["id"])
        )
        hint = QLabel(
            "Enter or double-click: review that document (every version, differences marked)"
        )
        hint.setEnabled(False)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.documents, 1)
        layout.addWidget(hint)
        return page

    def _gold(self, figures: dict[str, Any]) -> QWidget:
        rows: list[list[Any]] = []
        for name, values in figures["gold"].items():
            for layer, layer_values in values["layers"].items():
                rows.append(
                    [name, f"layer {layer}", layer_values["f1_exact"], layer_values["f1_overlap"]]
                )
            for question, q in values["questions"].items():
                rows.append(
                    [name, f"question {question}", q["percent_agreement"], q["cohen_kappa"]]
                )
        self.gold = _table(
            ["Annotator", "Against gold", "F1 exact / % agreement", "F1 overlap / Cohen κ"],
            rows,
            "agreementGold",
        )
        return self.gold
