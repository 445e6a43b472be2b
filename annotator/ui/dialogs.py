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
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError
from annotator.core.scheme import Scheme
from annotator.formats import FORMATS, module


def writable_formats() -> list[str]:
    return [name for name in FORMATS if hasattr(module(name), "write")]


FOLDER_FORMATS = ("spacy", "brat", "webanno")


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
    scheme, with a preview of the first documents and their spans before committing;
    the import itself runs behind a progress dialog."""

    def __init__(
        self, annotator: str, scheme: Scheme | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import documents")
        self.scheme = scheme
        self.paths = _PathPicker("Files…")
        self.folder = QPushButton("Folder…")
        self.paths.row.addWidget(self.folder)
        self.format = QComboBox()
        self.format.addItems(["auto", *FORMATS])
        self.annotator = QLineEdit(annotator)
        self.annotator.setToolTip("Name given to annotations the file does not attribute")
        self.extend = QCheckBox("Add unknown labels to the scheme")
        self.summary = QLabel("Choose a file to see what it holds.")
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("previewTable")
        self.table.setHorizontalHeaderLabels(["Document", "Text", "Annotators", "Spans"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Files", self.paths)
        form.addRow("Format", self.format)
        form.addRow("Annotator", self.annotator)
        form.addRow("", self.extend)
        form.addRow(self.summary)
        form.addRow(self.table)
        form.addRow(buttons)
        self.paths.button.clicked.connect(self._choose_files)
        self.folder.clicked.connect(self._choose_folder)
        self.paths.edit.editingFinished.connect(self.refresh_preview)
        self.format.currentIndexChanged.connect(self.refresh_preview)
        self.resize(760, 560)

    def chosen_paths(self) -> list[Path]:
        return [Path(p) for p in self.paths.edit.text().split(";") if p.strip()]

    def refresh_preview(self) -> None:
        """Read the first chosen file as the import would and show what it holds."""
        from annotator.services.preview import preview

        self.table.setRowCount(0)
        paths = self.chosen_paths()
        if not paths:
            self.summary.setText("Choose a file to see what it holds.")
            return
        try:
            seen = preview(
                paths[0],
                self.format.currentText(),
                self.annotator.text().strip() or None,
                self.scheme,
            )
        except AnnotatorError as error:
            self.summary.setText(f"Cannot import: {error}")
            self.ok.setEnabled(False)
            return
        self.ok.setEnabled(True)
        how = "detected" if seen.detected else "chosen"
        lines = [
            f"{Path(seen.path).name}: {seen.format} ({how}); {seen.total_documents} documents, "
            f"{seen.annotation_sets} annotation sets, {seen.spans} spans, "
            f"{seen.relations} relations"
            + (f" — {len(paths) - 1} more files" if len(paths) > 1 else "")
        ]
        if seen.unknown_labels:
            labels = "; ".join(f"{k}: {', '.join(v)}" for k, v in seen.unknown_labels.items())
            lines.append(f"Labels the scheme lacks: {labels} (tick the box to add them)")
            self.extend.setChecked(True)
        lines.extend(f"Warning: {w}" for w in seen.warnings[:5])
        lines.extend(f"Problem: {p}" for p in seen.problems[:5])
        self.summary.setText("\n".join(lines))
        self.table.setRowCount(len(seen.documents))
        for row, document in enumerate(seen.documents):
            excerpt = " ".join(document.text.split())[:120]
            names = ", ".join(a.annotator for a in document.annotations)
            spans = sum(len(a.spans) for a in document.annotations)
            for column, value in enumerate((document.id, excerpt, names, str(spans))):
                self.table.setItem(row, column, QTableWidgetItem(value))

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Files to import")
        if files:
            self.paths.edit.setText(";".join(files))
            self.refresh_preview()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to import")
        if folder:
            self.paths.edit.setText(folder)
            self.refresh_preview()


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
        from annotator.ui.training_dialogs import SpacyOptions

        self.spacy = SpacyOptions(own_layout=False)
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
        # The spaCy fields are rows of this form, so their labels align with the others.
        for label, field in self.spacy.rows:
            form.addRow(label, field)
        form.addRow(buttons)
        self.form = form
        self.out.button.clicked.connect(self._choose)
        self.format.currentTextChanged.connect(self._show_spacy_options)
        self._show_spacy_options(self.format.currentText())
        self.resize(560, self.sizeHint().height())

    def _show_spacy_options(self, name: str) -> None:
        for _, field in self.spacy.rows:
            self.form.setRowVisible(field, name == "spacy")

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
