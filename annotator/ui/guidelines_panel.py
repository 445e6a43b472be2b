"""The guidelines: Markdown stored in the corpus, versioned, shown beside the text."""

from __future__ import annotations

from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

EMPTY = (
    "# Guidelines\n\nNo guidelines yet. A lead writes them with *Corpus › Edit guidelines…*;"
    " every annotation records the version it was made under."
)


#: Font size steps of Markdown headings in the narrow panel (Qt's own run up to
#: xx-large, which wraps "Annotation guidelines" over three lines there).
HEADING_SIZE = {1: 1, 2: 0}


def tame_headings(document: QTextDocument) -> None:
    """Make the headings of a Markdown document only a little larger than its text."""
    cursor = QTextCursor(document)
    block = document.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level:
            cursor.setPosition(block.position())
            cursor.setPosition(
                block.position() + block.length() - 1, QTextCursor.MoveMode.KeepAnchor
            )
            size = QTextCharFormat()
            size.setProperty(QTextFormat.Property.FontSizeAdjustment, HEADING_SIZE.get(level, 0))
            cursor.mergeCharFormat(size)
        block = block.next()


class GuidelinesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.version = QLabel()
        self.browser = QTextBrowser()
        self.browser.setObjectName("guidelines")
        self.browser.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.version)
        layout.addWidget(self.browser, 1)

    def show_guidelines(self, current: tuple[int, str] | None) -> None:
        if current is None:
            self.version.setText("No guidelines")
            self.browser.setMarkdown(EMPTY)
        else:
            self.version.setText(f"Version {current[0]}")
            self.browser.setMarkdown(current[1])
        tame_headings(self.browser.document())


class GuidelinesEditor(QDialog):
    """Edit the Markdown of the guidelines; saving stores a new version."""

    def __init__(self, markdown: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit guidelines")
        self.editor = QPlainTextEdit(markdown)
        self.editor.setObjectName("guidelinesEditor")
        self.preview = QTextBrowser()
        self.editor.textChanged.connect(lambda: self.preview.setMarkdown(self.editor.toPlainText()))
        self.preview.setMarkdown(markdown)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Markdown"))
        layout.addWidget(self.editor, 2)
        layout.addWidget(QLabel("Preview"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(buttons)
        self.resize(720, 640)

    def markdown(self) -> str:
        return self.editor.toPlainText()
