"""Claims in the window: linking claimants and cues, stance, questions."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from annotator.ui.window_base import WindowBase

if TYPE_CHECKING:
    from annotator.core.model import Span

T = TypeVar("T")


class ClaimActions(WindowBase):
    """Claim, claimant, cue and stance actions of the main window."""

    def _selected_claim(self) -> Span | None:
        from annotator.services.claims import claim_layer

        layer = claim_layer(self.corpus.scheme)
        if self.selected is not None and self.selected.layer == layer:
            return self.selected
        return None

    def start_linking(self, relation: str) -> None:
        """Wait for the claimant (or cue) of the selected claim: a click on a span, Tab then
        Enter, or a text selection and a label key; 0 for unattributed; Esc cancels."""
        from annotator.services.claims import CLAIMANT

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
        if self.relations.cancel():
            return
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
        from annotator.services.claims import claim_rows

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

    def _describe_at(self, offset: int) -> str:
        from annotator.ui.document_view import describe_spans

        spans = self.session.spans_at(offset)
        if not spans or self.session.document is None:
            return ""
        text = self.session.document.text
        lines = [describe_spans(spans)]
        for span in spans:
            lines.extend(self.actors.describe(span))
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

    def answer(self, question: str, value: object) -> None:
        from annotator.core.edits import SetDocLabel

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
