"""What every part of the main window shares: its state, and committing edits.

The window is assembled from mixins (claims, suggestions, review, corpus tools), each a
subclass of :class:`WindowBase`; the attributes and the methods one part calls on
another are declared here, so that each part type-checks on its own.

These modules load before the window's first paint (:mod:`annotator.ui.shell`): each
imports at its top only Qt's basics and what a class statement needs, and a method
imports the rest (panels, edits, services, dialogs) where it uses it. The startup test
(``tests/ui/test_session.py``) and ``tests/perf/bench_startup.py`` catch a heavy import
put back at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow

from annotator.core.errors import AnnotatorError, ConnectionLost, EditConflict, StorageError

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from annotator.core.edits import Edit
    from annotator.core.model import Span
    from annotator.services.annotating import AnnotationSession
    from annotator.services.progress import Progress
    from annotator.store.corpus import Corpus
    from annotator.ui.actors.controller import ActorsController
    from annotator.ui.browser import BrowserPanel, DocumentTableModel
    from annotator.ui.claims_panel import ClaimsPanel
    from annotator.ui.document_view import DocumentView
    from annotator.ui.guidelines_panel import GuidelinesPanel
    from annotator.ui.highlighting import SpanStyles
    from annotator.ui.palette import LabelPalette
    from annotator.ui.questions_panel import QuestionsPanel
    from annotator.ui.read_only import ReadOnlyNotice
    from annotator.ui.relations.controller import RelationsController
    from annotator.ui.review_panel import ReviewPanel

T = TypeVar("T")


class WindowBase(QMainWindow):
    """State and edit plumbing of the main window (see :class:`MainWindow`)."""

    settings: QSettings
    corpus: Corpus
    session: AnnotationSession
    undo_stack: QUndoStack
    selected: Span | None
    character_mode: bool
    picking: tuple[str, str] | None
    reviewing: bool
    review_items: list[Any]
    overlay: dict[str, tuple[Span, tuple[str, ...]]]
    theme: str
    styles: SpanStyles
    view: DocumentView
    model: DocumentTableModel
    browser: BrowserPanel
    label_palette: LabelPalette
    questions: QuestionsPanel
    guidelines: GuidelinesPanel
    claims: ClaimsPanel
    claims_dock: QDockWidget
    links_dock: QDockWidget
    relations: RelationsController
    actors: ActorsController
    review: ReviewPanel
    review_dock: QDockWidget
    review_action: QAction
    offline: tuple[str, Edit, str, int] | None
    curation: dict[str, tuple[int, int]] | None  # corpus curation progress, while reviewing
    connection_label: QLabel
    read_only_notice: ReadOnlyNotice
    links_told: bool = False  # the status bar tells what the last edit did to links
    reconnect_timer: QTimer

    # -- provided by MainWindow ------------------------------------------------------------

    def open_document(self, doc_id: str) -> None:
        raise NotImplementedError

    def _select(self, span_id: str | None) -> None:
        raise NotImplementedError

    def _show_links(self) -> None:
        raise NotImplementedError

    def _refresh_panels(self) -> None:
        raise NotImplementedError

    def _update_status(self, progress: bool = True) -> None:
        raise NotImplementedError

    def switch_to(self, name: str, remember: bool = True) -> None:
        raise NotImplementedError

    def deselect(self) -> None:
        raise NotImplementedError

    # -- provided by the other parts -------------------------------------------------------

    def _describe_at(self, offset: int) -> str:
        raise NotImplementedError

    def accept_selected(self) -> None:
        raise NotImplementedError

    # -- edits and undo --------------------------------------------------------------------

    def do(self, edit: Edit, text: str) -> bool:
        """Commit ``edit`` on the current document and push it on the undo stack."""
        from annotator.core.edits import Compound, SetStatus
        from annotator.ui.commands import EditCommand

        document = self.session.document
        self.links_told = False
        if document is None or self.read_only_notice.refused():
            return False
        if self.offline is not None:
            offline = self.connection_label.text().startswith("● offline")
            self.statusBar().showMessage(
                ("Offline" if offline else "Not saved yet")
                + ": your last change is kept and is saved as soon as the corpus takes it; "
                "this one is refused meanwhile",
                6000,
            )
            QApplication.beep()
            return False
        if self.session.aset.status == "todo" and not isinstance(edit, SetStatus):
            edit = Compound((edit, SetStatus("in_progress")))
        try:
            inverse = self.commit(document.id, edit)
        except EditConflict:
            self._reload_after_conflict()
            return False
        except ConnectionLost as error:
            self._go_offline(document.id, edit, text, str(error))
            return False
        except StorageError as error:
            self._keep_unsaved(document.id, edit, text, error)
            return False
        except AnnotatorError as error:
            self.statusBar().showMessage(str(error), 8000)
            QApplication.beep()
            return False
        self.undo_stack.push(EditCommand(self._commit_from_stack, document.id, edit, inverse, text))
        return True

    # -- two windows, lost connections ------------------------------------------------------

    def _reload_after_conflict(self) -> None:
        """Another window changed this document: show its current state, say so."""
        self.session.reload()
        document = self.session.document
        if document is not None:
            self.view.show_document(document.text, self.session.aset.spans, self.styles)
        self.selected = None
        self._refresh_panels()
        self.undo_stack.clear()
        QApplication.beep()
        self.statusBar().showMessage(
            "This document was changed in another window: it is shown as it is now; "
            "do your last action again",
            10000,
        )

    def _go_offline(self, doc_id: str, edit: Edit, text: str, why: str) -> None:
        """Keep the unacknowledged edit, show the window offline and try to reconnect."""
        self.offline = (doc_id, edit, text, self.session.revision)
        self.connection_label.setText("● offline — reconnecting")
        self.connection_label.setStyleSheet("color: #d62728; font-weight: bold;")
        self.connection_label.setToolTip(why)
        self.statusBar().showMessage(
            "The corpus does not answer: your last change is kept, not yet saved", 10000
        )
        self.reconnect_timer.start()

    def _keep_unsaved(self, doc_id: str, edit: Edit, text: str, error: StorageError) -> None:
        """The corpus cannot take the edit now (disk full, read-only, damaged, server
        busy): keep it, unacknowledged, marked not saved; say what to do; retry."""
        from PySide6.QtWidgets import QMessageBox

        self._hold_unsaved(doc_id, edit, text, self.session.revision, error)
        self.statusBar().showMessage(f"Your last change is kept, not saved: {error}", 15000)
        QMessageBox.warning(
            self,
            "Your last change is not saved",
            f"{error}\n\nThe change is kept and saved as soon as the corpus takes it; "
            "until then the window refuses further changes.",
        )

    def _hold_unsaved(
        self, doc_id: str, edit: Edit, text: str, revision: int, error: StorageError
    ) -> None:
        """Keep the edit, show it as not saved (and why), and retry."""
        self.offline = (doc_id, edit, text, revision)
        self.connection_label.setText("● not saved — " + _storage_problem(error))
        self.connection_label.setStyleSheet("color: #d62728; font-weight: bold;")
        self.connection_label.setToolTip(str(error))
        self.reconnect_timer.start()

    def refused_while_unsaved(self, what: str) -> bool:
        """Say so and return True when an edit is kept unsaved: the window must not
        ``what`` (switch annotator, open another corpus), or the edit would be saved under
        another name or into another corpus."""
        from PySide6.QtWidgets import QMessageBox

        if self.offline is None:
            return False
        QMessageBox.warning(
            self,
            "Your last change is not saved",
            f"Your last change is not saved yet, so the window cannot {what} now: it would "
            "be saved under another name or in another corpus. Free the corpus (see the "
            "status bar), wait until it says the change is saved, then try again.",
        )
        return True

    def _try_reconnect(self) -> None:
        """Ping the corpus; once it answers, save the kept edit (at most once)."""
        from PySide6.QtWidgets import QMessageBox

        from annotator.ui.commands import EditCommand

        if self.offline is None:
            self.reconnect_timer.stop()
            return
        try:
            self.corpus.reconnect()
        except (ConnectionLost, StorageError):
            return  # still unreachable, or still unusable: keep the edit, try again later
        doc_id, edit, text, revision = self.offline
        self.offline = None
        self.reconnect_timer.stop()
        self.connection_label.setText("")
        self.connection_label.setStyleSheet("")
        try:
            # The expected revision makes a retry of an edit that did commit fail
            # rather than apply twice.
            inverse = self.corpus.apply_edit(
                doc_id, self.session.annotator, edit, expected_revision=revision
            )
        except EditConflict:
            self._reload_after_conflict()
            self.statusBar().showMessage(
                "Back online. Your last change may have been saved before the connection "
                "dropped: the document is shown as stored; check it",
                10000,
            )
            return
        except ConnectionLost as error:
            self._go_offline(doc_id, edit, text, str(error))
            return
        except StorageError as error:
            # Still not writable: stay as we were (the user was told once).
            self._hold_unsaved(doc_id, edit, text, revision, error)
            return
        except AnnotatorError as error:
            # The corpus answers but refuses the edit (the document or the scheme changed
            # meanwhile): it cannot be saved; say so rather than drop it in silence.
            self._reload_after_conflict()
            QMessageBox.warning(self, "Your last change could not be saved", str(error))
            return
        self.session.reload()
        if self.session.document is not None and self.session.document.id == doc_id:
            self.view.show_document(
                self.session.document.text, self.session.aset.spans, self.styles
            )
            self._refresh_panels()
        self.undo_stack.push(EditCommand(self._commit_from_stack, doc_id, edit, inverse, text))
        self.statusBar().showMessage("Your last change is saved now", 6000)

    def commit(self, doc_id: str, edit: Edit) -> Edit:
        """Apply ``edit`` to ``doc_id`` (opening it first), then redraw what changed."""
        from annotator.core.model import AnnotationSet

        if self.session.document is None or self.session.document.id != doc_id:
            self.open_document(doc_id)
        before = {s.id: s for s in self.session.aset.spans}
        linked = AnnotationSet(
            self.session.annotator,
            spans=list(self.session.aset.spans),
            relations=list(self.session.aset.relations),
        )
        inverse = self.session.apply(doc_id, edit)
        changes = self.session.link_changes(linked) if linked.relations else []
        if changes:
            # An edit that moves or removes a link says so (it stays one undo step).
            self.statusBar().showMessage(
                _sentence("; ".join(changes)) + " (Ctrl+Z undoes it)", 12000
            )
            self.links_told = True
        after = {s.id: s for s in self.session.aset.spans}
        removed = [s for i, s in before.items() if after.get(i) != s]
        added = [s for i, s in after.items() if before.get(i) != s]
        self.view.update_spans(removed, added)
        if self.selected is not None:
            self.selected = self.session.aset.span(self.selected.id)
        self._show_links()
        self._refresh_panels()
        self.model.refresh_document(doc_id)
        # Counting finished documents costs a query over the corpus: only when it can change.
        self._update_status(progress=_changes_status(edit))
        return inverse

    def _commit_from_stack(self, doc_id: str, edit: Edit) -> Edit:
        try:
            return self.commit(doc_id, edit)
        except AnnotatorError as error:
            # Another window changed this document: the history no longer applies.
            QTimer.singleShot(0, self.undo_stack.clear)
            self.statusBar().showMessage(f"Cannot undo or redo: {error}", 8000)
            return edit

    def _run(self, title: str, work: Callable[[Progress], T]) -> T | None:
        from PySide6.QtWidgets import QMessageBox

        from annotator.services.progress import Cancelled
        from annotator.ui.worker import run_with_progress

        try:
            return run_with_progress(self, title, work)
        except Cancelled:
            self.statusBar().showMessage(f"{title} cancelled; nothing was half-done", 6000)
        except AnnotatorError as error:
            QMessageBox.warning(self, title, str(error))
        return None

    def _try(self, work: Callable[[], T]) -> T | None:
        from PySide6.QtWidgets import QMessageBox

        try:
            return work()
        except AnnotatorError as error:
            QMessageBox.warning(self, "Annotator", str(error))
            return None

    def _try_edit(self, build: Callable[[], Edit]) -> Edit | None:
        try:
            return build()
        except AnnotatorError as error:
            self.statusBar().showMessage(str(error), 6000)
            QApplication.beep()
            return None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _storage_problem(error: StorageError) -> str:
    """A few words for the status bar; the full message (what to do) is its tooltip."""
    from annotator.core.errors import CorpusDamaged, CorpusReadOnly, DiskFull, ServerBusy

    for kind, words in (
        (DiskFull, "disk full"),
        (CorpusReadOnly, "corpus read-only"),
        (CorpusDamaged, "corpus damaged"),
        (ServerBusy, "server busy"),
    ):
        if isinstance(error, kind):
            return words
    return "corpus not writable"


def _changes_status(edit: Edit) -> bool:
    from annotator.core.edits import Compound, SetStatus

    if isinstance(edit, SetStatus):
        return True
    return isinstance(edit, Compound) and any(_changes_status(e) for e in edit.edits)
