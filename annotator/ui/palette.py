"""The label palette: one button per label of the scheme, with its key.

Signals:
    labelChosen(str, str): layer and label of the button pressed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from annotator.core.scheme import Scheme
from annotator.ui.layouts import clear_layout


class LabelPalette(QWidget):
    labelChosen = Signal(str, str)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self.buttons: dict[tuple[str, str], QPushButton] = {}

    def set_scheme(self, scheme: Scheme) -> None:
        clear_layout(self._layout)
        self.buttons.clear()
        for layer in scheme.span_layers:
            group = QGroupBox(layer.name.capitalize())
            box = QVBoxLayout(group)
            box.setContentsMargins(6, 6, 6, 6)
            for label in layer.labels:
                color = QColor(scheme.color_of(layer.name, label.name))
                key = f"  [{label.key}]" if label.key else ""
                button = QPushButton(f"{label.name}{key}")
                button.setObjectName(f"label-{layer.name}-{label.name}")
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep focus in the text
                button.setToolTip(
                    f"Label the selection {label.name} ({layer.name})"
                    + (f" — key {label.key}" if label.key else "")
                )
                button.setStyleSheet(
                    f"QPushButton {{ border: 1px solid palette(mid); border-left: 6px solid "
                    f"{color.name()}; border-radius: 3px; text-align: left; padding: 4px 8px;"
                    " background: palette(button); color: palette(button-text); }"
                    "QPushButton:hover { background: palette(light); }"
                )
                button.clicked.connect(
                    lambda _=False, lay=layer.name, lab=label.name: self.labelChosen.emit(lay, lab)
                )
                box.addWidget(button)
                self.buttons[(layer.name, label.name)] = button
            self._layout.addWidget(group)
        hint = QLabel("Select text, then press a label's key.\nF1: all shortcuts.")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self._layout.addWidget(hint)
        self._layout.addStretch(1)
