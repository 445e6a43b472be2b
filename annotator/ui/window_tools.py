"""Corpus-wide work from the window: import, export (spaCy too), scheme, guidelines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QTimer

from annotator.core.errors import AnnotatorError
from annotator.ui.window_base import WindowBase

if TYPE_CHECKING:
    from annotator.core.edits import Edit
    from annotator.ui.dialogs import ExportDialog

T = TypeVar("T")


class CorpusTools(WindowBase):
    """Corpus tools of the main window (File and Corpus menus)."""

    def show_statistics(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from annotator.services.stats import format_statistics, statistics

        QMessageBox.information(self, "Statistics", format_statistics(statistics(self.corpus)))

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
        from annotator.services.progress import Cancelled
        from annotator.store.scheme_changes import apply_scheme_change
        from annotator.ui.worker import run_with_progress

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
        from annotator.ui.highlighting import SpanStyles

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
        from annotator.ui.guidelines_panel import GuidelinesEditor

        editor = GuidelinesEditor(current[1] if current else "# Guidelines\n\n", self)
        if not editor.exec():
            return
        if current is not None and editor.markdown() == current[1]:
            return
        version = self.corpus.add_guidelines(editor.markdown(), self.session.annotator)
        self.guidelines.show_guidelines(self.corpus.guidelines())
        self.statusBar().showMessage(f"Guidelines saved as version {version}", 5000)

    def import_dialog(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from annotator.services.importing import import_paths
        from annotator.ui.dialogs import ImportDialog

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
        copies = None
        if report is not None and any(f.documents for f in report.files):
            from annotator.services import near_copies

            copies = self._run(  # wire copies: the new documents against the corpus
                "Comparing for near-copies",
                lambda progress: near_copies.update(self.corpus, progress),
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
            if copies is not None and copies.compared:
                lines.append(
                    copies.sentence().replace(
                        "annotator duplicates CORPUS", "the Copies filter of Documents"
                    )
                )
            QMessageBox.information(self, "Import finished", "\n".join(lines))
        if self.session.document is None and self.model.doc_id(0):
            self.open_document(str(self.model.doc_id(0)))
        self._update_status()  # "n/N done" counts the imported documents

    def export_dialog(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from annotator.services.exporting import export

        annotators = self.corpus.annotators()
        from annotator.services.exporting import ALL
        from annotator.ui.dialogs import ExportDialog

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
            if report.split:
                message += f"\n{report.split_note(fmt).capitalize()}."
            if report.left_out:
                details = ", ".join(f"{n} {what}" for what, n in report.left_out.items())
                message += f"\nLeft out (the format cannot express them): {details}"
            QMessageBox.information(self, "Export finished", message)

    def export_spacy(self, dialog: ExportDialog, out: Path, source: str, include: bool) -> None:
        """Export training data; show the alignment audit and offer to snap the spans."""
        from PySide6.QtWidgets import QMessageBox

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
                include_unfinished=options.include_unfinished.isChecked(),
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
        from annotator.ui.training_dialogs import AuditDialog

        review = AuditDialog(audit.misaligned, audit.overlapping, message, self)
        review.exec()
        if review.choice is not None:
            self.snap_spans(audit.misaligned, review.choice)

    def snap_spans(self, issues: list[Any], mode: str) -> None:
        """Move misaligned spans onto token boundaries, in every set, as one undo step."""
        from PySide6.QtWidgets import QMessageBox

        from annotator.services.training import snap_edits
        from annotator.ui.commands import SetsCommand

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
