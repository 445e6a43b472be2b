"""The main window: corpus browser, document view, label palette, menus, status bar."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QWidget

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.ui import settings as ui_settings
from annotator.ui.shell import build_shell, dock_name
from annotator.ui.theme import apply_theme
from annotator.ui.window_base import WindowBase
from annotator.ui.window_claims import ClaimActions
from annotator.ui.window_review import ReviewActions
from annotator.ui.window_suggestions import SuggestionActions
from annotator.ui.window_tools import CorpusTools

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
    from PySide6.QtWidgets import QScrollArea

    from annotator.core.model import Span
    from annotator.store.corpus import Corpus

T = TypeVar("T")

CORPUS_SUFFIX = ".annotator"  # annotator.services.corpora.CORPUS_SUFFIX, without SQLAlchemy


class MainWindow(ClaimActions, SuggestionActions, ReviewActions, CorpusTools, WindowBase):
    """One corpus, one annotator, one document at a time.

    The window can be built before its corpus is open (``corpus=None``), so that it
    paints at once and opens the corpus after (:meth:`attach_corpus`); until then its
    actions are disabled.

    Args:
        corpus: the open corpus, or None to attach one later.
        annotator: whose annotations are shown and edited; None to take the package's
            owner or the remembered name, asked once when there is none.
        settings: the window's settings.

    Signals:
        corpusOpened(): the corpus is attached and its first document shown.
    """

    corpusOpened = Signal()  # noqa: N815 - Qt signal naming

    def __init__(
        self,
        corpus: Corpus | None,
        annotator: str | None,
        settings: QSettings,
        filled: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.wanted_annotator = annotator
        self.undo_stack = QUndoStack(self)
        self.selected: Span | None = None
        self.character_mode = False
        self.picking: tuple[str, str] | None = None  # (relation, claim id) being linked
        self.offline = None  # an edit kept while the corpus does not answer
        self.curation = None
        self.reconnect_timer = QTimer(self)
        self.reconnect_timer.setInterval(2000)
        self.reconnect_timer.timeout.connect(self._try_reconnect)
        # Rolling backups: every ten minutes while something changed, and on close.
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(10 * 60 * 1000)
        self.backup_timer.timeout.connect(self._backup_in_background)
        self.backup_timer.start()
        self.reviewing = False
        self.review_items: list[Any] = []
        self.overlay: dict[str, tuple[Span, tuple[str, ...]]] = {}
        self.theme = str(settings.value("theme", "light"))
        self.filled = False

        # The frame the first paint shows, laid out as the filled window will be.
        apply_theme(QApplication.instance(), self.theme)  # type: ignore[arg-type]
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:  # a first start: 1280×800, or the screen when it is smaller
            screen = self.screen().availableGeometry()
            self.resize(min(1280, screen.width()), min(800, screen.height()))
        state = settings.value("windowState")
        self.menus = build_shell(self, state)
        if state is None:
            self._size_side_docks(self.width())
        self._build_status_bar()
        if filled or corpus is not None:
            self.fill()
        if corpus is not None:
            self.attach_corpus(corpus)

    def fill(self) -> None:
        """Build the panels and the menus' actions into the frame (once).

        :func:`annotator.ui.app.start_window` calls it after the first paint; a window
        built with ``filled=True`` (the default) is filled at once.
        """
        if self.filled:
            return
        self.filled = True
        from PySide6.QtCore import Qt

        from annotator.ui.actors.controller import ActorsController
        from annotator.ui.browser import BrowserPanel, DocumentTableModel
        from annotator.ui.claims_panel import ClaimsPanel
        from annotator.ui.document_view import DocumentView
        from annotator.ui.guidelines_panel import GuidelinesPanel
        from annotator.ui.palette import LabelPalette
        from annotator.ui.questions_panel import QuestionsPanel
        from annotator.ui.relations.controller import RelationsController
        from annotator.ui.review_panel import ReviewPanel
        from annotator.ui.view.pieces import PiecesController
        from annotator.ui.view.snapping import SnappingPreparer

        self.view = DocumentView()
        self.view.describe_at = self._describe_at
        self.setCentralWidget(self.view)  # in place of the shell's pane
        self.view.show()  # at once, not at the next turn: the docks keep their sizes
        self.model = DocumentTableModel(None, self.wanted_annotator or "", self)
        self.browser = BrowserPanel(self.model)
        self.label_palette = LabelPalette()
        self.browser_dock = self._dock(
            "Documents", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.palette_dock = self._dock(
            "Labels", _scrolling(self.label_palette), Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.questions = QuestionsPanel()
        self.questions_dock = self._dock(
            "Questions", _scrolling(self.questions), Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.guidelines = GuidelinesPanel()
        self.guidelines_dock = self._dock(
            "Guidelines", self.guidelines, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.claims = ClaimsPanel()
        self.claims_dock = self._dock("Claims", self.claims, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.relations = RelationsController(self)
        self.pieces = PiecesController(self)
        self.actors = ActorsController(self)
        self.links_dock = self._dock(
            "Links", self.relations.panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        from annotator.ui.model.controller import ModelController

        self.model_loop = ModelController(self)
        self.model_dock = self._dock(
            "Model", self.model_loop.panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.review = ReviewPanel()
        self.review_dock = self._dock("Review", self.review, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._build_menus()
        self.snapping = SnappingPreparer(lambda: self.session, parent=self)
        self.snapping.failed.connect(lambda message: self.statusBar().showMessage(message, 10000))

        self.view.labelKey.connect(self._on_label_key)
        self.view.spanClicked.connect(self._on_span_clicked)
        self.view.command.connect(self._on_view_command)
        self.view.spanMenu.connect(self.relations.show_span_menu)
        self.label_palette.labelChosen.connect(self.label_selection)
        self.questions.answered.connect(self.answer)
        self.claims.claimChosen.connect(self._select)
        self.review.itemChosen.connect(self._show_item)
        self.review.decide.connect(self.decide)
        self.review.markEdited.connect(self.mark_item_edited)
        self.review.acceptAgreed.connect(self.accept_agreed)
        self.browser.documentActivated.connect(self.open_document)

        self.view.set_point_size(float(str(self.settings.value("zoom", 12.0))))
        if self.settings.value("windowState") is None:
            self._size_side_docks(self.width())
        self._set_actions_enabled(self.has_corpus())

    def _size_side_docks(self, width: int) -> None:
        """Side docks that leave the article most of the window: at 1280 px the
        documents take about 300 px, at 1024 px about 240 (the article keeps ~560)."""
        from PySide6.QtCore import Qt

        documents = max(230, min(int(width * 0.235), 340))
        labels = 180 if width < 1200 else 200
        palette_dock, questions_dock = self._docked("Labels"), self._docked("Questions")
        self.resizeDocks(
            [self._docked("Documents"), palette_dock],
            [documents, labels],
            Qt.Orientation.Horizontal,
        )
        # The labels get the height their buttons need, the questions the rest.
        wanted = (self.label_palette.sizeHint().height() if self.filled else 0) + 30
        height = max(self.height(), 400)
        self.resizeDocks(
            [palette_dock, questions_dock],
            [min(wanted, int(height * 0.6)), max(height - wanted, int(height * 0.3))],
            Qt.Orientation.Vertical,
        )

    def _set_actions_enabled(self, enabled: bool) -> None:
        for action in self.all_actions:
            if action not in self.undo_actions:  # the undo stack enables those
                action.setEnabled(enabled)
        self.menuBar().setEnabled(enabled)

    def has_corpus(self) -> bool:
        return hasattr(self, "corpus")

    def attach_corpus(self, corpus: Corpus) -> None:
        """Show ``corpus``: the first one (after the first paint) or another one."""
        from annotator.services.annotating import AnnotationSession
        from annotator.ui.identity import ask_annotator

        self.fill()
        owner = package_owner(corpus)
        current = self.session.annotator if hasattr(self, "session") else None
        # A work package is annotated under its annotator's name, whoever opens it.
        name = owner or current or self.wanted_annotator or ask_annotator(self.settings)
        self.corpus = corpus
        self.session = AnnotationSession(corpus, name)
        self.view.spans_at = self.session.spans_at
        self.model.set_corpus(corpus, name)
        self._show_corpus()
        if self.settings.value("windowState") is None:
            # Once the palette's new buttons are laid out (its size is known then).
            QTimer.singleShot(0, lambda: self._size_side_docks(self.width()))
        self._set_actions_enabled(True)
        self.read_only_notice.show_for(corpus, self.all_actions)
        QTimer.singleShot(0, _import_edit_path)
        self.corpusOpened.emit()

    # -- building ----------------------------------------------------------------------------

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """The dock titled ``title`` holding ``widget``: the shell's, or a new one."""
        dock = self.findChild(QDockWidget, dock_name(title))
        if dock is None:
            dock = QDockWidget(title, self)
            dock.setObjectName(dock_name(title))
            if not self.restoreDockWidget(dock):  # where the saved window state has it
                self.addDockWidget(area, dock)
        dock.setWidget(widget)
        return dock

    def _docked(self, title: str) -> QDockWidget:
        dock = self.findChild(QDockWidget, dock_name(title))
        assert dock is not None, f"no dock {title!r}"
        return dock

    def _build_status_bar(self) -> None:
        self.status_annotator = QLabel()
        self.status_document = QLabel()
        self.status_progress = QLabel()
        self.status_mode = QLabel()
        self.connection_label = QLabel()
        self.connection_label.setObjectName("connection")
        self.statusBar().addPermanentWidget(self.connection_label)
        from annotator.ui.read_only import ReadOnlyNotice  # PySide6 only: cheap before the paint

        self.read_only_notice = ReadOnlyNotice(self)
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
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(lambda _checked=False: slot())
        action.setData(getattr(slot, "__name__", ""))  # e.g. read_only.WRITING_COMMANDS
        if menu is not None:
            menu.addAction(action)  # type: ignore[attr-defined]
        self.addAction(action)
        self.all_actions.append(action)
        return action

    def _build_menus(self) -> None:
        from PySide6.QtGui import QKeySequence

        from annotator.services.claims import CLAIMANT, CUE

        self.all_actions: list[QAction] = []
        bar = self.menus  # the shell's menus, filled here
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
        self.undo_actions = (undo, redo)
        for action in (undo, redo):
            edit.addAction(action)
            self.addAction(action)
            self.all_actions.append(action)
        edit.addSeparator()
        self._action(edit, "&Delete span\tDel", self.delete_selected)
        self._action(edit, "Add &piece to span\t+", self.pieces.add_piece)
        self._action(edit, "Remove piece of span\t-", self.pieces.remove_piece)
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
        self._action(go, "Near-&copies of this document", self.show_near_copies, "Ctrl+Shift+C")

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
        claims.addSeparator()
        self._action(
            claims, "&Link the selected span (any relation)…", self.relations.link_selected,
            "Ctrl+K",
        )  # fmt: skip
        self._action(
            claims, "Link the selected span to an &actor…", self.actors.link_selected,
            "Ctrl+Shift+K",
        )  # fmt: skip
        self._action(claims, "Ac&tors — who claims what…", self.actors.open_view, "F6")

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
        self.model_loop.build_menus(bar, go)

        review = bar.addMenu("&Review")
        self.review_action = self._action(
            review, "&Review this document (all annotators)", self.toggle_review, "F7",
            checkable=True,
        )  # fmt: skip
        self._action(review, "Take every &agreed item of this document\tA", self.accept_agreed)
        self._action(review, "Auto-adjudicate the &whole corpus", self.auto_adjudicate_corpus)
        self._action(review, "&Next document to review", self.next_to_review, "Ctrl+F7")
        self._action(review, "&Edit the gold layer of this document", self.edit_gold)
        review.addSeparator()
        self._action(review, "Agreement &dashboard…", self.agreement_dashboard, "Ctrl+Shift+G")

        corpus_menu = bar.addMenu("C&orpus")
        self._action(corpus_menu, "Edit the &scheme…", self.edit_scheme)
        self._action(corpus_menu, "Edit &guidelines…", self.edit_guidelines)
        self._action(corpus_menu, "&Statistics", self.show_statistics)

        view = bar.addMenu("&View")
        zoom_in = [*QKeySequence.keyBindings(QKeySequence.StandardKey.ZoomIn)]
        zoom_in += [QKeySequence("Ctrl+="), QKeySequence("Ctrl++")]
        self._action(view, "Zoom &in", lambda: self.zoom(1.1), _unique(zoom_in))  # type: ignore[arg-type]
        self._action(
            view, "Zoom &out", lambda: self.zoom(1 / 1.1), QKeySequence.StandardKey.ZoomOut
        )
        self._action(view, "&Reset zoom", lambda: self.zoom(0), "Ctrl+0")
        self.dark_action = self._action(
            view, "&Dark theme", self.toggle_theme, "Ctrl+Shift+D", checkable=True
        )
        self.dark_action.setChecked(self.theme == "dark")
        self.links_action = self._action(
            view, "Show every &link (arcs from claims to claimants, cues…)",
            self.toggle_all_links, "Ctrl+Shift+L", checkable=True,
        )  # fmt: skip
        self.links_action.setChecked(ui_settings.flag(self.settings, "show-all-links"))
        self.view.show_all_links(self.links_action.isChecked())
        view.addSeparator()
        view.addAction(self.browser_dock.toggleViewAction())
        view.addAction(self.palette_dock.toggleViewAction())
        view.addAction(self.claims_dock.toggleViewAction())
        view.addAction(self.links_dock.toggleViewAction())
        view.addAction(self.model_dock.toggleViewAction())
        view.addAction(self.questions_dock.toggleViewAction())
        view.addAction(self.guidelines_dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "&About Annotator", self.about)

    # -- corpus ------------------------------------------------------------------------------

    def _show_corpus(self) -> None:
        """Fill every panel from the current corpus (at start and after switching)."""
        from annotator.ui.highlighting import SpanStyles

        self.label_palette.set_scheme(self.corpus.scheme)
        self.questions.set_scheme(self.corpus.scheme)
        self.guidelines.show_guidelines(self.corpus.guidelines())
        self.styles = SpanStyles(self.corpus.scheme, dark=self.theme == "dark")
        ui_settings.remember_corpus(self.settings, self.corpus.location)
        self._fill_recent_menu()
        self.undo_stack.clear()
        self.session.document = None
        last = self.settings.value(ui_settings.last_document_key(self.corpus.location))
        first = self.model.doc_id(0)
        target = str(last) if last and self.model.row_of(str(last)) is not None else first
        if target is not None:
            self.open_document(target)
        else:
            self.view.show_document("", [], self.styles)
        self._update_status()

    def switch_corpus(self, corpus: Corpus) -> None:
        if self.refused_while_unsaved("open another corpus"):
            corpus.close()
            return
        old = self.corpus
        self.attach_corpus(corpus)
        self._backup_on_close(old)
        old.close()

    def new_corpus(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(
            self, "New corpus", str(Path.home() / f"corpus{CORPUS_SUFFIX}"),
            f"Annotator corpus (*{CORPUS_SUFFIX})",
        )  # fmt: skip
        if path:
            from annotator.services.corpora import init_corpus

            self._try(lambda: self.switch_corpus(init_corpus(path)))

    def open_corpus_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Open corpus", "", f"Annotator corpus (*{CORPUS_SUFFIX});;All files (*)"
        )
        if path:
            self.open_location(path)

    def open_location(self, location: str) -> None:
        from annotator.services.corpora import open_for_editing

        self._try(lambda: self.switch_corpus(open_for_editing(location)))

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
        self.snapping.forget_pending()
        self.snapping.prepare()  # the first label key must not wait for spaCy
        if self.corpus.scheme.questions and not self.questions_dock.isHidden():
            # A document's questions are shown on opening it, even after the Guidelines
            # tab was raised over them for the last one.
            self.questions_dock.raise_()
        self._refresh_panels()
        self.browser.select_document(doc_id)
        self.settings.setValue(ui_settings.last_document_key(self.corpus.location), doc_id)
        title = document.meta.get("title") or doc_id
        owner = package_owner(self.corpus)
        where = Path(self.corpus.location).name + (f" (package for {owner})" if owner else "")
        where += " (read-only)" if self.corpus.read_only else ""
        self.setWindowTitle(f"{title} — {where} — Annotator")
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
        from PySide6.QtWidgets import QMessageBox

        from annotator.core.edits import SetStatus
        from annotator.services.claims import claim_rows

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
        if self.session.aset.status != status and self.do(
            SetStatus(status), f"Mark {status.replace('_', ' ')}"
        ):
            self.model_loop.on_status(status)
        if status in ("done", "skipped"):
            self.step_document(1)

    # -- labelling ---------------------------------------------------------------------------

    def _on_label_key(self, key: str) -> None:
        from annotator.services.claims import CLAIMANT, CUE

        if self.reviewing:
            self.review._key(key.lower())
            return
        if self.relations.handle_key(key) or self.pieces.handle_key(key):
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
        from annotator.core.edits import Compound, Edit, SetLabel, SetSpanState
        from annotator.core.model import Span, new_span_id

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
                moved = Span(
                    new_span_id(), layer, span.start, span.end, label, origin="manual",
                    fragments=span.fragments,
                )  # fmt: skip
                if self.do(self.session.replace_edit([span.id], moved), f"Make {label}"):
                    self._select(moved.id)
            return
        if chosen is None:
            self.statusBar().showMessage("Select some text first, then press a label key", 4000)
            return
        start, end = chosen
        if self.character_mode:
            self._label_range(start, end, layer, label)
        elif not self.snapping.when_ready(lambda: self._label_range(start, end, layer, label)):
            self.statusBar().showMessage(
                "Preparing word boundaries for this language… the label follows in a moment",
                4000,
            )

    def _label_range(self, start: int, end: int, layer: str, label: str) -> None:
        """Label the stored range ``[start, end)`` (snapped to words unless in character
        mode), or link it when a claimant or cue is being picked."""
        from annotator.core.edits import AddSpan, Compound, SetLabel
        from annotator.services.annotating import has_word

        document = self.session.document
        if document is None:
            return
        if not self.character_mode:
            snapped = self.session.snap(start, end)
            if snapped is None:
                self.statusBar().showMessage(
                    "The selection holds no word to label (only spaces or punctuation)", 4000
                )
                return
            start, end = snapped
        elif not has_word(document.text[start:end]):
            self.statusBar().showMessage(
                "The selection holds no word to label (only spaces or punctuation)", 4000
            )
            return
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
        from annotator.core.edits import RemoveSpan

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
        if span is not None and self.picking is None and not self.links_told:
            from annotator.core.fragments import span_text

            text = span_text(span, self.session.document.text) if self.session.document else ""
            attrs = "".join(f" [{k}={v}]" for k, v in span.attrs.items())
            self.statusBar().showMessage(f"{span.layer}/{span.label}{attrs}: {text[:80]}", 5000)

    def _show_links(self) -> None:
        """Highlight the selected span with the spans it is linked to (claimant, cue...)."""
        from annotator.services.claims import related_spans

        if self.view.highlighter is None:
            return
        ids = []
        if self.selected is not None:
            ids = [self.selected.id, *related_spans(self.session.aset, self.selected.id)]
        if self.picking is not None:
            ids.append(self.picking[1])
        self.view.set_relations(self.session.aset.relations)
        self.view.set_highlighted(ids)

    def _refresh_panels(self) -> None:
        from annotator.services.claims import claim_rows

        document = self.session.document
        if document is None:
            self.claims.show_rows("", [])
            self.questions.show_answers({})
            return
        rows = claim_rows(self.session.aset, self.corpus.scheme)
        self.claims.show_rows(document.text, rows, self.actors.claimant_names())
        self.relations.refresh()
        self.questions.show_answers(self.session.aset.doc_labels)
        self.claims.select_claim(self.selected.id if self.selected else None)
        self.model_loop.refresh()

    # -- view --------------------------------------------------------------------------------

    def zoom(self, factor: float) -> None:
        size = 12.0 if factor == 0 else self.view.point_size() * factor
        self.view.set_point_size(size)
        self.settings.setValue("zoom", self.view.point_size())

    def toggle_theme(self) -> None:
        from annotator.ui.highlighting import SpanStyles

        self.theme = "dark" if self.dark_action.isChecked() else "light"
        self.settings.setValue("theme", self.theme)
        apply_theme(QApplication.instance(), self.theme)  # type: ignore[arg-type]
        self.label_palette.set_scheme(self.corpus.scheme)  # its style sheet reads the palette
        self.styles = SpanStyles(self.corpus.scheme, dark=self.theme == "dark")
        self.view.set_styles(self.styles)

    def toggle_all_links(self) -> None:
        """Draw every link of the document, not only the selected span's (remembered)."""
        shown = self.links_action.isChecked()
        self.settings.setValue("show-all-links", shown)
        self.view.show_all_links(shown)

    def toggle_character_mode(self) -> None:
        self.character_mode = self.character_action.isChecked()
        self._update_status()

    def show_near_copies(self) -> None:
        """Ctrl+Shift+C: the Documents list shows the cluster of near-copies (wire copies) of
        the document chosen in the list when it has the focus, else of the open document."""
        table = self.browser.table
        if table.hasFocus() and table.currentIndex().isValid():
            doc_id = self.model.doc_id(table.currentIndex().row())
        else:
            doc_id = self.session.document.id if self.session.document is not None else None
        if doc_id is None:
            return
        self.browser_dock.show()
        if not self.browser.show_cluster(str(doc_id)):
            self.statusBar().showMessage(f"{doc_id} has no near-copies in this corpus", 5000)

    def focus_search(self) -> None:
        self.browser_dock.show()
        self.browser.search.setFocus()
        self.browser.search.selectAll()

    def show_shortcuts(self) -> None:
        keys = [
            (key, f"{binding.label} ({binding.layer})")
            for key, binding in self.session.key_bindings().items()
        ]
        from annotator.ui.dialogs import ShortcutsSheet

        ShortcutsSheet(self.all_actions, keys, self).exec()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

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
            from annotator.store.browse import progress as annotator_progress

            done, total = annotator_progress(self.corpus, annotator)
            self.status_progress.setText(f"{done}/{total} done")
        self.status_mode.setText("Characters" if self.character_mode else "Tokens")

    # -- identity ----------------------------------------------------------------------------

    def switch_annotator(self) -> None:
        """Annotate under another name (never the reserved ``gold``: the reason is shown)."""
        from annotator.ui.identity import ask_name

        current = self.session.annotator
        name = ask_name(self, "Switch annotator", "" if current == "gold" else current)
        if name is not None and name != current:
            self.switch_to(name)

    def switch_to(self, name: str, remember: bool = True) -> None:
        """Annotate as ``name`` from now on (``remember``: also at the next start)."""
        from annotator.services.annotating import AnnotationSession

        if self.refused_while_unsaved("switch annotator"):
            return
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

    # -- closing -----------------------------------------------------------------------------

    def _backup_in_background(self) -> None:
        """A timer backup, off the GUI thread (a large corpus takes a moment to copy)."""
        from annotator.services.backups import maybe_backup

        corpus = self.corpus
        threading.Thread(target=_quiet(maybe_backup), args=(corpus,), daemon=True).start()

    def _backup_on_close(self, corpus: Corpus) -> None:
        from annotator.services.backups import maybe_backup

        try:
            maybe_backup(corpus, min_interval_s=0, reason="close")
        except (AnnotatorError, OSError) as error:
            self.statusBar().showMessage(f"No backup on close: {error}", 5000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        from PySide6.QtWidgets import QMessageBox

        if self.offline is not None:
            self._try_reconnect()  # one last try to save the kept edit
        if self.offline is not None:
            answer = QMessageBox.question(
                self,
                "Your last change is not saved",
                "Your last change could not be saved yet (see the status bar). Close the "
                "window and lose it?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.sync()
        self.backup_timer.stop()
        if self.filled:
            self.model_loop.cancel()
            self.model_loop.wait()
        if self.has_corpus():
            self._backup_on_close(self.corpus)
        super().closeEvent(event)


def package_owner(corpus: Corpus) -> str | None:
    """The annotator a work package belongs to, or None for an ordinary corpus."""
    from annotator.services.packages import package_info

    info = package_info(corpus)
    return info.annotator if info else None


def _import_edit_path() -> None:
    """The modules the first edit needs, imported as soon as the window is idle after
    opening its corpus, so that the first label key does not wait for them (the window's
    start leaves them out of the first paint)."""
    import annotator.core.edits
    import annotator.ui.commands  # noqa: F401


def _scrolling(panel: QWidget) -> QScrollArea:
    """``panel`` in a scroll area, so that a long scheme never makes the window taller
    than a 640-pixel screen."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFrame, QScrollArea

    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def _unique(sequences: list[QKeySequence]) -> list[QKeySequence]:
    seen: list[QKeySequence] = []
    for sequence in sequences:
        if sequence not in seen:
            seen.append(sequence)
    return seen


def _quiet(work: Callable[..., object]) -> Callable[..., None]:
    """``work`` for a background thread: a failed backup must not kill the process; the
    next timer or the close tries again."""

    def run(*args: object) -> None:
        with contextlib.suppress(AnnotatorError, OSError):
            work(*args)

    return run
