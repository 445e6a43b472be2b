"""A document's annotation sets as spaCy training examples: the mapping of DESIGN §5.

One ``Doc`` per exported annotation set, tokenized by the corpus language's blank
pipeline:

- the entity layer (the layer named ``entity``, else the first layer without overlaps)
  goes to ``doc.ents``; spans that overlap there are listed in the audit's ``overlapping``
  (they stay in ``doc.spans`` and ``user_data``);
- every span layer with spans goes to ``doc.spans[layer]`` (empty layers get no group);
- the child spans of CLAIMANT relations go to ``doc.spans["claimant"]`` with their own
  labels, and spans with a ``stance`` attribute to ``doc.spans["claim_stance"]``
  labelled with the stance value;
- every answered question gives ``doc.cats`` entries ``"question:value"`` for *all* its
  values, 1.0 for the answers and 0.0 for the others (``textcat_multilabel`` reads an
  absent cat as unknown, not as 0); an unanswered question gives no entry at all;
- ``doc.user_data["annotator"]`` holds the whole set (:mod:`annotator.nlp.user_data`).

A discontinuous span goes into ``doc.ents``/``doc.spans`` as its fragments, one span
each with its label (its claimant and stance likewise); ``user_data`` keeps it whole,
and the audit counts it in ``split``.

A span whose offsets are not token boundaries (``doc.char_span`` gives None), or that
starts or ends with a whitespace token (spaCy refuses those as entities), is listed in
the audit's ``misaligned`` with what ``contract`` and ``expand`` would make of it;
``strict`` leaves it out of ``doc.ents``/``doc.spans`` (its tokens are marked unknown to
the entity recognizer, not "outside"), the other modes place the snapped span. A span
the mode cannot place (``contract`` finds no whole non-space token inside) is listed in
``dropped`` too: it stays in ``user_data`` with its relations, nowhere else.

Only finished work is training data: a set is exported when it is marked done, or is the
gold layer; other sets are listed in ``skipped`` with their status, unless
``include_unfinished`` (then a set still to do with nothing in it is skipped all the
same: it is not an annotation yet). Every token nobody labelled is written as "outside",
so an unfinished set would teach the model that the entities still to do are none.
"""

from __future__ import annotations

from typing import Any, Final

from spacy.tokens import Span as TokenSpan

from annotator.core.actors import resolve
from annotator.core.errors import AnnotatorError
from annotator.core.fragments import in_pieces
from annotator.core.model import GOLD, AnnotationSet, Document, Span
from annotator.core.scheme import Scheme
from annotator.nlp import user_data
from annotator.nlp.report import Alignment, Audit, SkippedSet, SpanIssue

CLAIMANT_RELATION: Final = "CLAIMANT"
CLAIMANT_GROUP: Final = "claimant"
STANCE_ATTRIBUTE: Final = "stance"
STANCE_GROUP: Final = "claim_stance"
DERIVED_GROUPS: Final = (CLAIMANT_GROUP, STANCE_GROUP)
NOT_DONE: Final = "not marked done"


def entity_layer(scheme: Scheme) -> str | None:
    """The layer exported to ``doc.ents``: ``entity``, else the first non-overlap layer."""
    if scheme.layer("entity") is not None:
        return "entity"
    return next((layer.name for layer in scheme.span_layers if not layer.overlap), None)


def cat_name(question: str, value: str) -> str:
    """The ``doc.cats`` key of one answer; question names never contain ``:``."""
    return f"{question}:{value}"


def exported_set(aset: AnnotationSet, include_suggestions: bool) -> AnnotationSet:
    """``aset`` without suggestions (unless asked) and the relations that touched them."""
    if include_suggestions or not any(s.suggested for s in aset.spans):
        return aset
    spans = [s for s in aset.spans if not s.suggested]
    kept = {s.id for s in spans}
    relations = [r for r in aset.relations if r.head in kept and r.child in kept]
    return AnnotationSet(
        aset.annotator,
        aset.status,
        spans,
        relations,
        aset.doc_labels,
        aset.guideline_version,
        aset.created_at,
        aset.updated_at,
    )


def skip_reason(aset: AnnotationSet, include_unfinished: bool = False) -> str | None:
    """Why a set gives no training example, or None when it gives one."""
    if aset.status == "skipped":
        return "the annotator marked the document skipped"
    if aset.status == "done" or aset.annotator == GOLD:
        return None
    if aset.is_empty():
        return f"no annotations yet (status {aset.status})"
    if not include_unfinished:
        return (
            f"{NOT_DONE} (status {aset.status}); mark it done, or export with --include-unfinished"
        )
    return None


class ExampleBuilder:
    """Builds the ``Doc`` of each annotation set of a document, and audits its spans.

    Args:
        nlp: the blank pipeline whose tokenizer the examples use.
        scheme: the corpus scheme (entity layer, questions).
        alignment: what to do with spans that are not on token boundaries.
        include_suggestions: export model suggestions as if accepted.
        include_unfinished: also export sets not marked done, as they are.
    """

    def __init__(
        self,
        nlp: Any,
        scheme: Scheme,
        alignment: Alignment,
        include_suggestions: bool,
        include_unfinished: bool = False,
    ) -> None:
        clashing = [g for g in DERIVED_GROUPS if scheme.layer(g) is not None]
        if clashing:
            raise AnnotatorError(
                f"the scheme has a span layer named {clashing[0]!r}, the name of the span "
                "group the spaCy export writes for claimants or claim stance; rename the layer"
            )
        self.nlp = nlp
        self.scheme = scheme
        self.alignment = alignment
        self.include_suggestions = include_suggestions
        self.include_unfinished = include_unfinished
        self.entity_layer = entity_layer(scheme)

    def build(self, document: Document) -> tuple[list[Any], Audit]:
        """The examples of ``document`` (one per exported set) and what the audit found."""
        audit = Audit()
        sets = []
        for aset in document.annotations:
            chosen = exported_set(aset, self.include_suggestions)
            reason = skip_reason(chosen, self.include_unfinished)
            if reason is None:
                sets.append(chosen)
            else:
                unfinished = reason.startswith(NOT_DONE)
                audit.skipped.append(
                    SkippedSet(document.id, aset.annotator, reason, aset.status, unfinished)
                )
        if not sets:
            return [], audit
        first = self.nlp.make_doc(document.text)
        docs = [first] + [first.copy() for _ in sets[1:]]
        for doc, aset in zip(docs, sets, strict=True):
            self._annotate(doc, document, aset, audit)
        return docs, audit

    def _annotate(self, doc: Any, document: Document, aset: AnnotationSet, audit: Audit) -> None:
        whole = aset
        aset, split = in_pieces(aset)  # a discontinuous span goes in as its fragments
        audit.split += split
        placed: dict[str, Any] = {}
        unplaced: list[Span] = []
        for span in aset.spans:
            token_span = self._place(doc, document, aset.annotator, span, audit)
            if token_span is None:
                unplaced.append(span)
            else:
                placed[span.id] = token_span
        for span_id, kb_id in _kb_ids(document, aset).items():
            if span_id in placed:
                placed[span_id].kb_id_ = kb_id  # Span.kb_id_ of linked spans
        if self.entity_layer is not None:
            self._set_ents(doc, document, aset, placed, unplaced, audit)
        for key, spans in _span_groups(doc, aset, placed).items():
            doc.spans[key] = spans
        doc.cats = self._cats(aset)
        doc.user_data[user_data.KEY] = user_data.encode(document, whole)

    def _place(
        self, doc: Any, document: Document, annotator: str, span: Span, audit: Audit
    ) -> Any | None:
        token_span = doc.char_span(span.start, span.end, label=span.label)
        if token_span is not None and len(token_span) and not _space_at_an_edge(token_span):
            return token_span
        issue = _issue(doc, document, annotator, span)
        audit.misaligned.append(issue)
        if self.alignment == "strict":
            return None
        snapped = issue.contract if self.alignment == "contract" else issue.expand
        if snapped is None:
            audit.dropped.append(issue)
            return None
        return doc.char_span(snapped[0], snapped[1], label=span.label)

    def _set_ents(
        self,
        doc: Any,
        document: Document,
        aset: AnnotationSet,
        placed: dict[str, Any],
        unplaced: list[Span],
        audit: Audit,
    ) -> None:
        """Accepted spans first, then left to right, longest first; the rest overlap."""
        layer = self.entity_layer
        candidates = sorted(
            (s for s in aset.spans if s.layer == layer and s.id in placed),
            key=lambda s: (s.suggested, placed[s.id].start, -placed[s.id].end),
        )
        taken = bytearray(len(doc))
        ents = []
        for span in candidates:
            token_span = placed[span.id]
            if any(taken[token_span.start : token_span.end]):
                audit.overlapping.append(_issue(doc, document, aset.annotator, span))
                continue
            taken[token_span.start : token_span.end] = b"\x01" * len(token_span)
            ents.append(token_span)
        # Tokens of an entity that could not be placed are unknown, not "outside".
        missing = []
        for span in unplaced:
            if span.layer != layer:
                continue
            around = doc.char_span(span.start, span.end, alignment_mode="expand")
            if around is not None and len(around) and not any(taken[around.start : around.end]):
                taken[around.start : around.end] = b"\x01" * len(around)
                missing.append(around)
        doc.set_ents(sorted(ents, key=lambda e: e.start), missing=missing, default="outside")

    def _cats(self, aset: AnnotationSet) -> dict[str, float]:
        cats: dict[str, float] = {}
        for question in self.scheme.questions:
            answer = aset.doc_labels.get(question.name)
            if answer is None:
                continue
            chosen = set(answer) if isinstance(answer, list) else {answer}
            for value in (*question.values, *sorted(chosen - set(question.values))):
                cats[cat_name(question.name, value)] = 1.0 if value in chosen else 0.0
        return cats


def _kb_ids(document: Document, aset: AnnotationSet) -> dict[str, str]:
    """Span id -> the knowledge-base id of the actor it is linked to (the registry
    entries come with the document, :attr:`Document.actors`)."""
    if not aset.actor_links or not document.actors:
        return {}
    registry = {actor.id: actor for actor in document.actors}
    found = {}
    for span_id, actor_id in aset.actor_links.items():
        actor = registry.get(resolve(actor_id, registry))
        if actor is not None and actor.kb_id:
            found[span_id] = actor.kb_id
    return found


def _span_groups(doc: Any, aset: AnnotationSet, placed: dict[str, Any]) -> dict[str, list[Any]]:
    """The placed spans by layer, then the claimants and the claims labelled by stance."""
    groups: dict[str, list[Any]] = {}
    for span in aset.spans:
        if span.id in placed:
            groups.setdefault(span.layer, []).append(placed[span.id])
    claimants = dict.fromkeys(
        r.child for r in aset.relations if r.label == CLAIMANT_RELATION and r.child in placed
    )
    if claimants:
        groups[CLAIMANT_GROUP] = [placed[span_id] for span_id in claimants]
    stances = []
    for span in aset.spans:
        stance = span.attrs.get(STANCE_ATTRIBUTE)
        if span.id in placed and isinstance(stance, str):
            token_span = placed[span.id]
            stances.append(TokenSpan(doc, token_span.start, token_span.end, label=stance))
    if stances:
        groups[STANCE_GROUP] = stances
    return groups


def _issue(doc: Any, document: Document, annotator: str, span: Span) -> SpanIssue:
    return SpanIssue(
        document=document.id,
        annotator=annotator,
        span_id=span.id,
        layer=span.layer,
        label=span.label,
        start=span.start,
        end=span.end,
        text=document.text[span.start : span.end],
        contract=_bounds(_trimmed(doc.char_span(span.start, span.end, alignment_mode="contract"))),
        expand=_bounds(_trimmed(doc.char_span(span.start, span.end, alignment_mode="expand"))),
    )


def _space_at_an_edge(token_span: Any) -> bool:
    return bool(token_span[0].is_space or token_span[-1].is_space)


def _trimmed(token_span: Any | None) -> Any | None:
    """``token_span`` without the whitespace tokens at its edges (``4\u00a0`` gives ``4``):
    neither mode yields a span that starts or ends with whitespace (``expand`` loses no
    visible character by it)."""
    if token_span is None:
        return None
    start, end = token_span.start, token_span.end
    doc = token_span.doc
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    return doc[start:end]


def _bounds(token_span: Any | None) -> tuple[int, int] | None:
    if token_span is None or not len(token_span):
        return None
    return int(token_span.start_char), int(token_span.end_char)
