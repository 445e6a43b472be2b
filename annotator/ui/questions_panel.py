"""The questions panel: the scheme's document questions (the article's stance...).

Signals (QuestionsPanel):
    answered(str, object): question name and its new answer (a value, a list of values
        for a multi-answer question, or None to clear it).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import DocLabels
from annotator.core.scheme import Scheme
from annotator.ui.layouts import clear_layout


class QuestionsPanel(QWidget):
    answered = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self.buttons: dict[tuple[str, str], QAbstractButton] = {}
        self._updating = False

    def set_scheme(self, scheme: Scheme) -> None:
        clear_layout(self._layout)
        self.buttons.clear()
        if scheme.target:
            target = QLabel(f"Target: {scheme.target}")
            target.setWordWrap(True)
            self._layout.addWidget(target)
        for number, question in enumerate(scheme.questions):
            box = QGroupBox(question.name.capitalize())
            column = QVBoxLayout(box)
            group = QButtonGroup(box)
            group.setExclusive(False)
            for index, value in enumerate(question.values):
                hint = f"  (Ctrl+{index + 1})" if number == 0 and index < 9 else ""
                button: QAbstractButton = (
                    QCheckBox(value + hint) if question.multi else QRadioButton(value + hint)
                )
                button.setObjectName(f"answer-{question.name}-{value}")
                button.setAutoExclusive(False)
                group.addButton(button)
                column.addWidget(button)
                self.buttons[(question.name, value)] = button
                button.toggled.connect(
                    lambda checked, q=question.name, v=value, multi=question.multi: self._toggled(
                        q, v, checked, multi
                    )
                )
            self._layout.addWidget(box)
        self._layout.addStretch(1)
        self._questions = scheme.questions

    def show_answers(self, labels: DocLabels) -> None:
        self._updating = True
        try:
            for (question, value), button in self.buttons.items():
                answer = labels.get(question)
                chosen = value in answer if isinstance(answer, list) else value == answer
                button.setChecked(chosen)
        finally:
            self._updating = False

    def _toggled(self, question: str, value: str, checked: bool, multi: bool) -> None:
        if self._updating:
            return
        if multi:
            chosen = [v for (q, v), b in self.buttons.items() if q == question and b.isChecked()]
            self.answered.emit(question, chosen or None)
        else:
            self.answered.emit(question, value if checked else None)
