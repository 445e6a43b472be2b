"""Review mode: every annotator's version of a document, decided into gold by key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import QApplication

from annotator.core.errors import AnnotatorError
from annotator.ui.window_base import WindowBase

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from annotator.core.edits import Edit
    from annotator.core.model import Span

T = TypeVar("T")


class ReviewActions(WindowBase):
    """Review and adjudication actions of the main window."""

    def toggle_review(self) -> None:
        """Show every annotator's version of the document, or go back to annotating."""
        from PySide6.QtCore import Qt

        from annotator.services.adjudicating import reasons

        document = self.session.document
        self.reviewing = self.review_action.isChecked() and document is not None
        self.review_action.setChecked(self.reviewing)
        if not self.reviewing or document is None:
            self.review_dock.hide()
            self.claims_dock.show()
            self.links_dock.show()
            self.view.spans_at = self.session.spans_at
            self.view.describe_at = self._describe_at
            if document is not None:
                self.view.show_document(document.text, self.session.aset.spans, self.styles)
            self._update_status()
            return
        self.review.set_reasons(reasons(self.corpus))
        self.curation = None
        self.claims_dock.hide()
        self.links_dock.hide()
        self.review_dock.show()
        self.resizeDocks([self.review_dock], [280], Qt.Orientation.Vertical)
        self._load_review()
        self.review.table.setFocus()

    def _load_review(self) -> None:
        from annotator.core.model import Span
        from annotator.services.review import items, reviewers
        from annotator.store.actors import actors
        from annotator.store.adjudication import decisions
        from annotator.ui.highlighting import SpanStyles

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
        self.review_items = items(document, self.corpus.scheme, actors(self.corpus))
        self._refresh_review(document.text, decisions(self.corpus, document.id), names)

    def _refresh_review(self, text: str, decided: dict[str, Any], names: list[str]) -> None:
        from annotator.services.adjudicating import curation_progress

        self.review.show_items(text, self.review_items, decided)
        settled = sum(1 for i in self.review_items if i.key in decided)
        # The corpus-wide count reads every document: once per review session, then only
        # this document's entry follows the decisions taken here.
        if self.curation is None:
            self.curation = curation_progress(self.corpus)
        overview = self.curation
        if len(names) >= 2 and self.session.document is not None:
            overview[self.session.document.id] = (settled, len(self.review_items))
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
        self.view.set_highlighted(ids)
        # A boundary disagreement: each version's extent drawn apart, numbered as listed.
        extents = []
        if item.kind == "span" and item.what() == "boundary":
            extents = [
                (span.start, span.end, str(number))
                for number, version in enumerate(item.versions, start=1)
                for span in version.spans
            ]
        self.view.decorations.set_extents(extents)
        self.view.viewport().update()
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
        from annotator.core.edits import Compound
        from annotator.services.adjudicating import decide_item
        from annotator.ui.commands import DecisionCommand

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
            self.statusBar().showMessage(self._decide_first(item) or str(error), 8000)
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

    def _decide_first(self, item: Any) -> str | None:
        """For an attribute or link refused because its span is undecided: name that
        span by its text and row, and select it."""
        if item.kind not in ("attribute", "link") or self.session.document is None:
            return None
        key = f"span:{item.layer}:{item.start}-{item.end}"
        row = next((i for i, it in enumerate(self.review_items) if it.key == key), None)
        if row is None:
            return None
        words = " ".join(self.session.document.text[item.start : item.end].split())
        excerpt = words if len(words) <= 50 else words[:49] + "…"
        self.review.select_row(row)
        return (
            f"Decide the {item.layer} «{excerpt}» first (row {row + 1}, now selected): its "
            f"{item.detail} goes into gold once gold has that {item.layer}"
        )

    def mark_item_edited(self, row: int) -> None:
        from annotator.core.edits import Compound
        from annotator.services.adjudicating import mark_edited
        from annotator.ui.commands import DecisionCommand

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
        self.statusBar().showMessage(self._items_summary(doc_id, report.items), 8000)
        if self.reviewing:
            self._reload_review_decisions()
        self.model.refresh_document(doc_id)

    def _items_summary(self, doc_id: str, copied: int) -> str:
        """What a take of agreed items did, in counts that add up with the item list:
        copied now + decided before + left = every item."""
        from annotator.services.review import items
        from annotator.store.actors import actors
        from annotator.store.adjudication import decisions

        document = self.corpus.document(doc_id)
        found = items(document, self.corpus.scheme, actors(self.corpus))
        decided = decisions(self.corpus, doc_id)
        left = [i for i in found if i.key not in decided]
        waiting = sum(1 for i in left if i.agreed)
        settled = len(found) - len(left)
        text = (
            f"Took {copied} agreed items into gold; {settled - copied} were decided before; "
            f"{len(left)} of {len(found)} left to decide"
        )
        if waiting:
            text += f" ({waiting} agreed, waiting for their span to be decided first)"
        return text

    def auto_adjudicate_corpus(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from annotator.services.adjudicating import auto_adjudicate

        annotator = self.session.annotator
        report = self._run(
            "Adjudicating",
            lambda progress: auto_adjudicate(self.corpus, decided_by=annotator, progress=progress),
        )
        self.undo_stack.clear()
        if report is not None:
            from annotator.services.adjudicating import curation_progress

            overview = curation_progress(self.corpus)
            total = sum(n for _, n in overview.values())
            decided = sum(d for d, _ in overview.values())
            QMessageBox.information(
                self,
                "Auto-adjudication",
                f"{report.documents} documents with two or more annotators, {total} items: "
                f"{report.items} agreed items copied into gold now, {decided - report.items} "
                f"decided before, {total - decided} left to review.",
            )
        if self.reviewing:
            self.curation = None  # every document may have changed
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

    def agreement_dashboard(self) -> None:
        """Agreement figures, heatmaps and the documents by disagreement; opening one
        reviews it."""
        from annotator.services.agreement import compute_agreement
        from annotator.ui.agreement_dashboard import AgreementDashboard

        report = self._run(
            "Computing agreement", lambda progress: compute_agreement(self.corpus, progress)
        )
        if report is None:
            return
        dashboard = AgreementDashboard(report, self)
        dashboard.openDocument.connect(lambda doc_id: self.review_document(doc_id, dashboard))
        self.dashboard = dashboard
        dashboard.exec()

    def review_document(self, doc_id: str, dashboard: QDialog | None = None) -> None:
        if dashboard is not None:
            dashboard.accept()
        self.open_document(doc_id)
        self.review_action.setChecked(True)
        self.toggle_review()
