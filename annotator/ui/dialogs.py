"""Dialogs of the File menu (import, export) and the keyboard shortcuts sheet."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.formats import FORMATS, module


def writable_formats() -> list[str]:
    return [name for name in FORMATS if hasattr(module(name), "write")]


FOLDER_FORMATS = ("spacy", "brat")


class _PathPicker(QWidget):
    def __init__(self, choose: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.button = QPushButton(choose)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.edit, 1)
        self.row.addWidget(self.button)


class ImportDialog(QDialog):
    """Choose files or a folder, a format, an annotator name and whether to extend the
    scheme; the import itself runs behind a progress dialog."""

    def __init__(self, annotator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import documents")
        self.paths = _PathPicker("Files…")
        self.folder = QPushButton("Folder…")
        self.paths.row.addWidget(self.folder)
        self.format = QComboBox()
        self.format.addItems(["auto", *FORMATS])
        self.annotator = QLineEdit(annotator)
        self.annotator.setToolTip("Name given to annotations the file does not attribute")
        self.extend = QCheckBox("Add unknown labels to the scheme")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Files", self.paths)
        form.addRow("Format", self.format)
        form.addRow("Annotator", self.annotator)
        form.addRow("", self.extend)
        form.addRow(buttons)
        self.paths.button.clicked.connect(self._choose_files)
        self.folder.clicked.connect(self._choose_folder)
        self.resize(560, self.sizeHint().height())

    def chosen_paths(self) -> list[Path]:
        return [Path(p) for p in self.paths.edit.text().split(";") if p.strip()]

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Files to import")
        if files:
            self.paths.edit.setText(";".join(files))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to import")
        if folder:
            self.paths.edit.setText(folder)


class ExportDialog(QDialog):
    """Choose a format, the output, whose annotations and whether to add suggestions."""

    def __init__(self, sources: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export annotations")
        self.format = QComboBox()
        self.format.addItems(writable_formats())
        self.format.setCurrentText("jsonl")
        self.out = _PathPicker("Choose…")
        self.source = QComboBox()
        self.source.addItems(sources)
        self.suggestions = QCheckBox("Include model suggestions")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("Write to", self.out)
        form.addRow("Annotations of", self.source)
        form.addRow("", self.suggestions)
        form.addRow(buttons)
        self.out.button.clicked.connect(self._choose)
        self.resize(560, self.sizeHint().height())

    def _choose(self) -> None:
        if self.format.currentText() in FOLDER_FORMATS:
            chosen = QFileDialog.getExistingDirectory(self, "Folder to write into")
        else:
            chosen, _ = QFileDialog.getSaveFileName(self, "File to write")
        if chosen:
            self.out.edit.setText(chosen)


class ShortcutsSheet(QDialog):
    """Every shortcut of the window, generated from its actions and the scheme's keys."""

    def __init__(
        self, actions: list[QAction], label_keys: list[tuple[str, str]], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows: list[tuple[str, str]] = [
            (key, f"Label the selection {name}") for key, name in label_keys
        ]
        for action in actions:
            text = action.text().replace("&", "")
            name, _, hint = text.partition("\t")
            keys = action.shortcut().toString() or hint
            if keys:
                rows.append((keys, name.rstrip("…")))
        table = QTableWidget(len(rows), 2)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, name) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(name))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.table = table
        self.resize(520, 600)
