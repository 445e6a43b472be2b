"""A corpus the window may only read: shown as such, and edits refused at once.

The window opens a corpus that cannot be written (a read-only file, folder or mount)
read-only rather than not at all (``services.corpora.open_for_editing``): it can still be
read, searched, reviewed and exported. This part of the window says so in the status bar
(and the title says "read-only"), greys out the commands that would write to it, and
refuses an edit when it is made, with what to do, instead of keeping it as "not saved"
and retrying a write that can never succeed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from annotator.store.corpus import Corpus

WRITING_COMMANDS = frozenset(
    {
        "import_dialog",
        "preannotate_dialog",
        "auto_adjudicate_corpus",
        "edit_scheme",
        "edit_guidelines",
    }
)
"""The window's commands (by the name of their method) that write to the corpus as a
whole: they are disabled while it is read-only (an edit of a document is refused in
``WindowBase.do``)."""


def describe(corpus: Corpus) -> str:
    """What the window tells about a corpus opened read-only, and what to do."""
    return (
        f"{corpus.shown} is open read-only: its file or folder cannot be written. You can "
        "read, review and export it; to annotate, make the file and its folder writable "
        "(or copy the corpus somewhere writable) and open it again"
    )


class ReadOnlyNotice:
    """The status-bar mark of a read-only corpus, the commands it disables, and the
    refusal of edits."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.label = QLabel("● read-only")
        self.label.setObjectName("read-only")
        self.label.setStyleSheet("color: #d62728; font-weight: bold;")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        self.corpus: Corpus | None = None

    @property
    def active(self) -> bool:
        return self.corpus is not None and self.corpus.read_only

    def show_for(self, corpus: Corpus, actions: list[QAction]) -> None:
        """Mark the window for ``corpus`` (after every action was enabled for it)."""
        self.corpus = corpus
        self.label.setVisible(corpus.read_only)
        self.label.setToolTip(describe(corpus) if corpus.read_only else "")
        for action in actions:
            if action.data() in WRITING_COMMANDS:
                action.setEnabled(not corpus.read_only)
        if corpus.read_only:
            self.window.statusBar().showMessage(describe(corpus), 15000)

    def refused(self) -> bool:
        """True (and the user told why, with a beep) when the corpus is read-only."""
        if not self.active:
            return False
        assert self.corpus is not None
        self.window.statusBar().showMessage(f"Not changed: {describe(self.corpus)}", 10000)
        QApplication.beep()
        return True
