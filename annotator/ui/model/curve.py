"""The learning curve: dev F per training run, one line per component, drawn with QPainter.

QtCharts is not in PySide6-Essentials, and one line chart is a few dozen lines of
painting: no add-on is worth its weight for it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

COLORS = ("#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6616b", "#8c6d31")


def series(runs: list[dict[str, Any]]) -> dict[str, list[tuple[int, float]]]:
    """``{component: [(run number, dev F), ...]}`` from :func:`learning_curve` entries."""
    lines: dict[str, list[tuple[int, float]]] = {}
    for number, run in enumerate(runs, start=1):
        for component, scores in run["scores"].items():
            lines.setdefault(component, []).append((number, float(scores["f"])))
    return lines


class LearningCurve(QWidget):
    """Dev F (0 to 1, vertical) against the training runs (horizontal), per component."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[dict[str, Any]] = []
        self.lines: dict[str, list[tuple[int, float]]] = {}
        self.setMinimumSize(420, 260)

    def set_runs(self, runs: list[dict[str, Any]]) -> None:
        self.runs = runs
        self.lines = series(runs)
        self.setToolTip(
            "\n".join(
                f"{n}. {run['origin']} ({run['documents']} documents, {run['trained_at']})"
                for n, run in enumerate(runs, start=1)
            )
        )
        self.update()

    def plot_area(self) -> QRectF:
        return QRectF(44, 12, max(10, self.width() - 44 - 150), max(10, self.height() - 12 - 36))

    def point(self, run: int, score: float) -> QPointF:
        """Where ``(run, score)`` is drawn (run numbers from 1)."""
        area = self.plot_area()
        count = max(1, len(self.runs) - 1)
        x = (
            area.left() + (run - 1) / count * area.width()
            if len(self.runs) > 1
            else area.center().x()
        )
        return QPointF(x, area.bottom() - score * area.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        area = self.plot_area()
        grid = QColor(text)
        grid.setAlpha(50)
        for tenth in range(0, 11, 2):
            y = area.bottom() - tenth / 10 * area.height()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(text)
            painter.drawText(
                QRectF(0, y - 8, 38, 16), Qt.AlignmentFlag.AlignRight, f"{tenth / 10:.1f}"
            )
        painter.setPen(text)
        if not self.runs:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No model trained yet")
            return
        for number, run in enumerate(self.runs, start=1):
            x = self.point(number, 0).x()
            painter.drawText(
                QRectF(x - 30, area.bottom() + 4, 60, 16),
                Qt.AlignmentFlag.AlignCenter,
                f"{run['documents']} docs",
            )
        painter.drawText(
            QRectF(area.left(), area.bottom() + 18, area.width(), 16),
            Qt.AlignmentFlag.AlignCenter,
            "training runs (documents learned from); dev F",
        )
        for index, (component, points) in enumerate(sorted(self.lines.items())):
            color = QColor(COLORS[index % len(COLORS)])
            painter.setPen(QPen(color, 2))
            path = QPainterPath()
            for k, (number, score) in enumerate(points):
                where = self.point(number, score)
                path.moveTo(where) if k == 0 else path.lineTo(where)
                painter.drawEllipse(where, 3, 3)
            painter.drawPath(path)
            y = area.top() + index * 18
            painter.drawLine(QPointF(area.right() + 12, y + 8), QPointF(area.right() + 30, y + 8))
            painter.setPen(text)
            painter.drawText(
                QRectF(area.right() + 34, y, 116, 16), Qt.AlignmentFlag.AlignLeft, component
            )
        painter.end()


class LearningCurveDialog(QDialog):
    def __init__(self, runs: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Learning curve")
        self.curve = LearningCurve()
        self.curve.set_runs(runs)
        last = runs[-1] if runs else None
        summary = QLabel(
            f"{len(runs)} training runs; the last, {last['origin']}, learned from "
            f"{last['documents']} documents in {last['seconds']} s"
            if last
            else "Train a model (Model › Train from the corpus) to see its dev scores here."
        )
        summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.curve, 1)
        layout.addWidget(summary)
        self.resize(640, 380)
