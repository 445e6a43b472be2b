"""An annotator's working session: the open document, its set, labelling actions.

The window calls this; nothing here knows about Qt. Every change goes through
:meth:`AnnotationSession.apply`, which commits it before returning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.edits import (
    AddRelation,
    AddSpan,
    Compound,
    Edit,
    RemoveRelation,
    RemoveSpan,
    SetAttr,
    SetLabel,
    apply,
)
from annotator.core.errors import AnnotationError
from annotator.core.fragments import span_text
from annotator.core.language import document_language
from annotator.core.model import AnnotationSet, Document, Relation, Span, new_span_id
from annotator.core.scheme import Scheme
from annotator.services.claims import ATTRIBUTION, CLAIMANT, CUE, UNATTRIBUTED

if TYPE_CHECKING:
    from annotator.nlp.tokens import TokenBounds
    from annotator.store.corpus import Corpus


def snapping_bounds(text: str, language: str) -> TokenBounds:
    """The token boundaries selections snap to, for ``text`` in ``language`` (spaCy's
    tokenizer; slow the first time a language is used, as spaCy loads: call it off the
    GUI thread). The one place the window's snapping reaches the tokenizer."""
    from annotator.nlp.tokens import TokenBounds

    return TokenBounds(text, language)


def has_word(text: str) -> bool:
    """Whether ``text`` holds a letter or digit: a selection of only spaces or
    punctuation (``,``, ``«``, ``—``) is no annotation."""
    return any(c.isalnum() for c in text)


@dataclass(frozen=True, slots=True)
class KeyBinding:
    layer: str
    label: str


class AnnotationSession:
    """One annotator working through a corpus.

    Args:
        corpus: the open corpus.
        annotator: whose annotation set is read and edited.
    """

    def __init__(self, corpus: Corpus, annotator: str) -> None:
        self.corpus = corpus
        self.annotator = annotator
        self.document: Document | None = None
        self.aset = AnnotationSet(annotator)
        self.revision = 0  # the set's revision as read: edits expect it (two windows)
        self._tokens: TokenBounds | None = None

    @property
    def scheme(self) -> Scheme:
        return self.corpus.scheme

    def key_bindings(self) -> dict[str, KeyBinding]:
        """Label keys of the scheme: key -> (layer, label)."""
        return {
            label.key: KeyBinding(layer.name, label.name)
            for layer in self.scheme.span_layers
            for label in layer.labels
            if label.key
        }

    def open(self, doc_id: str) -> Document:
        """Make ``doc_id`` the current document and load this annotator's set on it."""
        self.document = self.corpus.document(doc_id, annotators=[self.annotator])
        self.aset, self.revision = self.corpus.annotation_set_and_revision(doc_id, self.annotator)
        self._tokens = None
        return self.document

    def reload(self) -> None:
        """Re-read the current set from the corpus (after another window changed it)."""
        if self.document is not None:
            self.aset, self.revision = self.corpus.annotation_set_and_revision(
                self.document.id, self.annotator
            )

    def apply(self, doc_id: str, edit: Edit) -> Edit:
        """Commit ``edit`` on ``doc_id``; return its inverse. The current set follows.

        An edit of the open document expects the set as this session read it, so a
        change made meanwhile in another window is never overwritten unseen.

        Raises:
            EditConflict: the set changed elsewhere; call :meth:`reload` and redo.
            ConnectionLost: the server did not answer; nothing is acknowledged.
        """
        current = self.document is not None and doc_id == self.document.id
        inverse = self.corpus.apply_edit(
            doc_id, self.annotator, edit, expected_revision=self.revision if current else None
        )
        if current:
            # The store applied the same edit to the set we hold (the revision check
            # proved they were equal), so follow it here instead of reading it back.
            apply(self.aset, edit)
            self.revision += 1
        return inverse

    # -- building edits ---------------------------------------------------------------------

    @property
    def language(self) -> str:
        """The open document's language (``meta.lang``, else the corpus language)."""
        if self.document is None:
            return self.scheme.language
        return document_language(self.document, self.scheme.language)

    def snapping_ready(self) -> bool:
        """Whether :meth:`snap` answers at once (the document's tokens are known)."""
        return self._tokens is not None

    def use_tokens(self, doc_id: str, tokens: TokenBounds) -> bool:
        """Take token boundaries prepared elsewhere (a background thread) for ``doc_id``;
        False, and ignored, when another document is open by now."""
        if self.document is None or self.document.id != doc_id:
            return False
        self._tokens = tokens
        return True

    def snap(self, start: int, end: int) -> tuple[int, int] | None:
        """The selection widened to whole tokens of the document's language (spaCy,
        loaded here when :meth:`use_tokens` was not given them first).

        Returns None when the selection holds no word: only white space or punctuation.
        """
        if self.document is None:
            return None
        if self._tokens is None:
            self._tokens = snapping_bounds(self.document.text, self.language)
        snapped = self._tokens.snap(start, end)
        if snapped is None or not has_word(self.document.text[snapped[0] : snapped[1]]):
            return None
        return snapped

    def label_edit(self, start: int, end: int, layer: str, label: str) -> Edit | None:
        """The edit that labels ``[start, end)``: a relabel when a span of that layer has
        exactly these bounds, else a new span (replacing the spans it overlaps in a layer
        that allows no overlap, as one undoable step)."""
        if start >= end:
            return None
        same = [s for s in self.aset.spans if s.layer == layer and (s.start, s.end) == (start, end)]
        if same:
            return SetLabel(same[0].id, label) if same[0].label != label else None
        span = Span(new_span_id(), layer, start, end, label, origin="manual")
        layer_def = self.scheme.layer(layer)
        if layer_def is not None and not layer_def.overlap:
            replaced = [
                s.id
                for s in self.aset.spans
                if s.layer == layer and not s.suggested and s.overlaps(span)
            ]
            if replaced:
                return self.replace_edit(replaced, span)
        return AddSpan(span)

    def replace_edit(self, replaced: list[str], span: Span) -> Edit:
        """Remove spans ``replaced`` and add ``span`` in their place, carrying their links
        to it wherever the scheme allows the new span in that role (a claimant relabelled
        or re-cut stays the claimant); links it cannot carry are removed (the window
        says which, from :func:`link_changes`)."""
        carried: list[Relation] = []
        for relation in self.aset.relations:
            head = span.id if relation.head in replaced else relation.head
            child = span.id if relation.child in replaced else relation.child
            if (head, child) == (relation.head, relation.child) or head == child:
                continue
            moved = Relation(head, child, relation.label)
            kind = self.scheme.relation(relation.label)
            if kind is None or moved in carried:
                continue
            role_layers = kind.head if head == span.id else kind.child
            if span.layer in _layers(role_layers):
                carried.append(moved)
        return Compound((*(RemoveSpan(i) for i in replaced), AddSpan(span, tuple(carried))))

    def link_edit(self, relation: str, head_id: str, child_id: str) -> Edit:
        """Link ``head_id`` to ``child_id`` by any ``relation`` of the scheme. A claim has
        one claimant and one cue: linking those replaces the claim's previous one; other
        relations add a link (the same link twice is refused).

        Raises:
            AnnotationError: the scheme has no such relation between these layers.
        """
        kind = self.scheme.relation(relation)
        head, child = self.aset.span(head_id), self.aset.span(child_id)
        if kind is None or head is None or child is None:
            raise AnnotationError(f"the scheme has no {relation} relation for these spans")
        if head.layer not in kind.head:
            raise AnnotationError(
                f"a {relation} link starts from a span of {', '.join(kind.head)}, not {head.layer}"
            )
        if child.layer not in kind.child:
            raise AnnotationError(
                f"a {relation} must be a span of {', '.join(kind.child)}, not {child.layer}"
            )
        if head_id == child_id:
            raise AnnotationError("a span cannot be linked to itself")
        new = Relation(head_id, child_id, relation)
        single = relation in (CLAIMANT, CUE)
        if not single and new in self.aset.relations:
            raise AnnotationError(f"these spans are already linked by {relation}")
        edits: list[Edit] = [
            RemoveRelation(r)
            for r in self.aset.relations
            if single and r.head == head_id and r.label == relation
        ]
        if relation == CLAIMANT and head.attrs.get(ATTRIBUTION) is not None:
            edits.append(SetAttr(head_id, ATTRIBUTION, None))
        edits.append(AddRelation(Relation(head_id, child_id, relation)))
        return Compound(tuple(edits))

    def create_and_link_edit(
        self, relation: str, head_id: str, start: int, end: int, layer: str, label: str
    ) -> Edit:
        """Label ``[start, end)`` and link it to claim ``head_id`` in one undoable step."""
        made = self.label_edit(start, end, layer, label)
        existing = [
            s for s in self.aset.spans if s.layer == layer and (s.start, s.end) == (start, end)
        ]
        if existing:
            link = self.link_edit(relation, head_id, existing[0].id)
            return Compound((made, link)) if made is not None else link
        assert made is not None
        added = made if isinstance(made, AddSpan) else None
        if isinstance(made, Compound):
            added = next(e for e in made.edits if isinstance(e, AddSpan))
        assert added is not None
        # Validate the link against a preview of the set with the new span in it.
        preview = AnnotationSession(self.corpus, self.annotator)
        preview.aset = AnnotationSet(
            self.annotator,
            spans=[*self.aset.spans, added.span],
            relations=list(self.aset.relations),
        )
        return Compound((made, preview.link_edit(relation, head_id, added.span.id)))

    def relations_from(self, span_id: str) -> list[str]:
        """The scheme relations a link from ``span_id`` can be (its layer is their head)."""
        span = self.aset.span(span_id)
        if span is None:
            return []
        return [r.name for r in self.scheme.relations if span.layer in r.head]

    def relabel_choices(self, relation: Relation) -> list[str]:
        """The other relations that could join the same two spans."""
        head, child = self.aset.span(relation.head), self.aset.span(relation.child)
        if head is None or child is None:
            return []
        return [
            r.name
            for r in self.scheme.relations
            if r.name != relation.label and head.layer in r.head and child.layer in r.child
        ]

    def relabel_link_edit(self, relation: Relation, label: str) -> Edit:
        """Make ``relation`` a ``label`` link between the same spans (one undo step)."""
        if relation not in self.aset.relations:
            raise AnnotationError("this link is not in the annotation any more")
        if label not in self.relabel_choices(relation):
            raise AnnotationError(f"these spans cannot be linked by {label}")
        preview = AnnotationSession(self.corpus, self.annotator)
        preview.aset = AnnotationSet(
            self.annotator,
            spans=self.aset.spans,
            relations=[r for r in self.aset.relations if r != relation],
        )
        return Compound(
            (RemoveRelation(relation), preview.link_edit(label, relation.head, relation.child))
        )

    def unlink_edit(self, relation: Relation) -> Edit:
        if relation not in self.aset.relations:
            raise AnnotationError("this link is not in the annotation any more")
        return RemoveRelation(relation)

    def unattributed_edit(self, claim_id: str) -> Edit:
        """Mark claim ``claim_id`` as having no claimant in the text."""
        claim = self.aset.span(claim_id)
        layer = self.scheme.layer(claim.layer) if claim else None
        if claim is None or layer is None or layer.attribute(ATTRIBUTION) is None:
            raise AnnotationError(
                "this scheme has no 'attribution' attribute on claims to mark them unattributed"
            )
        edits: list[Edit] = [
            RemoveRelation(r)
            for r in self.aset.relations
            if r.head == claim_id and r.label == CLAIMANT
        ]
        edits.append(SetAttr(claim_id, ATTRIBUTION, UNATTRIBUTED))
        return Compound(tuple(edits))

    def attribute_edit(self, span_id: str, index: int) -> Edit | None:
        """Set the first choice attribute of the span's layer (the stance for claims) to its
        ``index``-th value (0-based); None when there is no such value."""
        span = self.aset.span(span_id)
        layer = self.scheme.layer(span.layer) if span else None
        if span is None or layer is None:
            return None
        choices = [a for a in layer.attributes if a.name != ATTRIBUTION]
        if not choices or not 0 <= index < len(choices[0].values):
            return None
        attribute = choices[0]
        value = attribute.values[index]
        if span.attrs.get(attribute.name) == value:
            return None
        return SetAttr(span_id, attribute.name, value)

    # -- reading -------------------------------------------------------------------------------

    def link_changes(self, before: AnnotationSet) -> list[str]:
        """What an edit did to links, from the set ``before`` it to the current one:
        one line per link carried to another span or removed, naming both ends by text."""
        text = self.document.text if self.document is not None else ""
        spans_before = {s.id: s for s in before.spans}
        spans_now = {s.id: s for s in self.aset.spans}
        now = set(self.aset.relations)
        lines = []
        for relation in before.relations:
            if relation in now:
                continue
            head, child = spans_before.get(relation.head), spans_before.get(relation.child)
            if head is None or child is None:
                continue
            carried = next(
                (
                    r
                    for r in now
                    if r.label == relation.label
                    and r not in before.relations
                    and (r.head == relation.head or r.child == relation.child)
                ),
                None,
            )
            ends = f"«{_quote(text, head)}» → «{_quote(text, child)}»"
            what = f"the {relation.label.lower()} link {ends}"
            if carried is not None:
                target = spans_now.get(
                    carried.child if carried.head == relation.head else carried.head
                )
                if target is not None:
                    lines.append(f"moved {what} to «{_quote(text, target)}»")
                    continue
            lines.append(f"removed {what}")
        return lines

    def spans_at(self, offset: int) -> list[Span]:
        """Spans containing ``offset``, innermost (shortest) first; a span in pieces
        contains the characters of its pieces, not those of the gaps."""
        found = [
            s
            for s in self.aset.spans
            if s.start <= offset < s.end
            and (s.fragments is None or any(a <= offset < b for a, b in s.fragments))
        ]
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    def ordered_spans(self) -> list[Span]:
        return sorted(self.aset.spans, key=lambda s: (s.start, -s.end, s.layer))

    def neighbour_span(self, current: Span | None, offset: int, forward: bool) -> Span | None:
        """The span after (or before) ``current``, or after ``offset`` when none is selected."""
        ordered = self.ordered_spans()
        if not ordered:
            return None
        if current is not None and current in ordered:
            index = ordered.index(current) + (1 if forward else -1)
            return ordered[index % len(ordered)]
        if forward:
            return next((s for s in ordered if s.start >= offset), ordered[0])
        return next((s for s in reversed(ordered) if s.start < offset), ordered[-1])


def _layers(names: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


def _quote(text: str, span: Span, limit: int = 40) -> str:
    excerpt = " ".join(span_text(span, text).split())
    return excerpt if len(excerpt) <= limit else excerpt[: limit - 1] + "…"
