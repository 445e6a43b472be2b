"""Adjudication: turning the annotators' versions of a document into its gold layer.

A decision on an item (see :mod:`annotator.services.review`) is an edit of the gold set
plus a record of the decision, committed together and undoable together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from annotator.core.actors import Actor
from annotator.core.edits import (
    AddRelation,
    AddSpan,
    Compound,
    Edit,
    LinkActor,
    RemoveRelation,
    RemoveSpan,
    SetAttr,
    SetDocLabel,
)
from annotator.core.errors import AnnotationError
from annotator.core.fragments import fragment_key
from annotator.core.model import GOLD, AnnotationSet, Document, Relation, Span, new_span_id
from annotator.core.scheme import Scheme
from annotator.services.progress import Progress, no_progress
from annotator.services.review import ABSENT, Item, Version, items, reviewers
from annotator.store.actors import actors
from annotator.store.adjudication import Decision, decide, decided_counts, decisions
from annotator.store.corpus import Corpus

DEFAULT_REASONS = ("guideline", "boundary", "label", "error", "other")
REASONS_SETTING = "adjudication_reasons"
_ORDER = {"span": 0, "attribute": 1, "actor": 2, "link": 3, "question": 4}


@dataclass(slots=True)
class AutoReport:
    documents: int = 0
    items: int = 0
    spans: int = 0
    links: int = 0
    attributes: int = 0
    actors: int = 0
    answers: int = 0
    left: int = 0
    per_document: dict[str, int] = field(default_factory=dict)


def reasons(corpus: Corpus) -> list[str]:
    """The reasons a lead can give for a decision (configurable per corpus)."""
    stored = corpus.setting(REASONS_SETTING)
    return list(stored) if stored else list(DEFAULT_REASONS)


def gold_of(document: Document) -> AnnotationSet:
    return document.annotation_set(GOLD) or AnnotationSet(GOLD)


def decision_edit(
    document: Document,
    gold: AnnotationSet,
    item: Item,
    version: Version | None,
    with_attrs: bool = True,
) -> Edit:
    """The gold edit that takes ``version`` of ``item`` (None: reject the item).

    A span version comes with its attributes unless ``with_attrs`` is false (automatic
    adjudication: attributes are items of their own, copied only where all agree).
    """
    if item.kind == "span":
        return _span_edit(document, gold, item, version, with_attrs)
    if item.kind == "attribute":
        head = _gold_head(gold, item)
        value = None if version is None or version.value == ABSENT else version.value
        return SetAttr(head.id, item.detail, value)
    if item.kind == "actor":
        head = _gold_head(gold, item)
        value = None if version is None or version.value == ABSENT else version.value
        return LinkActor(head.id, value)
    if item.kind == "link":
        return _link_edit(document, gold, item, version)
    source = document.annotation_set(version.annotators[0]) if version else None
    answer = source.doc_labels.get(item.detail) if source else None
    return SetDocLabel(item.detail, answer)


def _span_edit(
    document: Document, gold: AnnotationSet, item: Item, version: Version | None, with_attrs: bool
) -> Edit:
    edits: list[Edit] = [
        RemoveSpan(s.id)
        for s in gold.spans
        if s.layer == item.layer and s.start < item.end and item.start < s.end
    ]
    for span in version.spans if version else ():
        copy = _copy(span)
        edits.append(AddSpan(copy if with_attrs else replace(copy, attrs={})))
        edits.extend(_actor_link(document, version, span, copy))
    return Compound(tuple(edits))


def _actor_link(
    document: Document, version: Version | None, original: Span, copy: Span
) -> list[Edit]:
    """The copy's link to the actor the original is linked to, when every annotator of
    the version who has that span links it to the same actor (followed through merges).
    When they differ, gold takes no link: the span's actor item says who linked what,
    for the lead to decide."""
    found: set[str | None] = set()
    for name in version.annotators if version else ():
        source = document.annotation_set(name)
        if source is None:
            continue
        twin = _twin(source, original)
        if twin is not None:
            found.add(source.actor_links.get(twin.id))
    if len(found) == 1 and None not in found:
        [actor_id] = found
        assert actor_id is not None
        return [LinkActor(copy.id, actor_id)]
    return []


def _twin(aset: AnnotationSet, span: Span) -> Span | None:
    """``aset``'s span with the same layer, pieces and label as ``span`` (the version's)."""
    key = fragment_key(span)
    return next(
        (
            s
            for s in aset.spans
            if s.layer == span.layer and s.label == span.label and fragment_key(s) == key
        ),
        None,
    )


def _copy(span: Span) -> Span:
    return replace(span, id=new_span_id(), origin="manual", state="accepted")


def _gold_head(gold: AnnotationSet, item: Item) -> Span:
    heads = [
        s
        for s in gold.spans
        if s.layer == item.layer and s.start < item.end and item.start < s.end and not s.suggested
    ]
    if len(heads) != 1:
        raise AnnotationError(
            f"decide the {item.layer} span at {item.start}-{item.end} first: gold needs "
            "exactly one span there before its attributes and links"
        )
    return heads[0]


def _link_edit(
    document: Document, gold: AnnotationSet, item: Item, version: Version | None
) -> Edit:
    head = _gold_head(gold, item)
    edits: list[Edit] = [
        RemoveRelation(r) for r in gold.relations if r.head == head.id and r.label == item.detail
    ]
    if item.detail == "CLAIMANT" and head.attrs.get("attribution") is not None:
        edits.append(SetAttr(head.id, "attribution", None))
    value = version.value if version else None
    if value == "unattributed":
        edits.append(SetAttr(head.id, "attribution", "UNATTRIBUTED"))
    elif value not in (None, ABSENT):
        assert version is not None and value is not None
        source = document.annotation_set(version.annotators[0])
        for child_key in value.split("; "):
            layer, _, bounds = child_key.partition(":")
            start, end = (int(x) for x in bounds.split("-"))
            child = next(
                (s for s in gold.spans if (s.layer, s.start, s.end) == (layer, start, end)), None
            )
            if child is None:
                original = next(
                    s
                    for s in (source.spans if source else [])
                    if (s.layer, s.start, s.end) == (layer, start, end)
                )
                child = _copy(original)
                edits.append(AddSpan(child))
                edits.extend(_actor_link(document, version, original, child))
            edits.append(AddRelation(Relation(head.id, child.id, item.detail)))
    return Compound(tuple(edits))


def decide_item(
    corpus: Corpus,
    doc_id: str,
    item: Item,
    version: Version | None,
    reason: str,
    decided_by: str,
) -> tuple[Edit, dict[str, Decision | None]]:
    """Take ``version`` of ``item`` into gold (None rejects it) and record why and who."""
    document = corpus.document(doc_id)
    edit = decision_edit(document, gold_of(document), item, version)
    what = "rejected" if version is None else "accepted:" + ",".join(version.annotators)
    return decide(corpus, doc_id, {item.key: Decision(what, reason, decided_by)}, edit)


def mark_edited(
    corpus: Corpus, doc_id: str, item: Item, reason: str, decided_by: str
) -> tuple[Edit, dict[str, Decision | None]]:
    """Record that the lead settled ``item`` by editing gold by hand."""
    return decide(corpus, doc_id, {item.key: Decision("edited", reason, decided_by)}, None)


def auto_adjudicate(
    corpus: Corpus,
    doc_ids: list[str] | None = None,
    decided_by: str = "auto",
    progress: Progress = no_progress,
) -> AutoReport:
    """Copy into gold what all annotators of a document agree on (documents with two or
    more annotators); items already decided are left alone."""
    scheme = corpus.scheme
    registry = actors(corpus)
    report = AutoReport()
    ids = doc_ids if doc_ids is not None else corpus.document_ids()
    for number, doc_id in enumerate(ids):
        progress(number, len(ids), "documents")
        document = corpus.document(doc_id)
        if len(reviewers(document)) < 2:
            continue
        report.documents += 1
        copied = _auto_document(corpus, document, scheme, registry, decided_by, report)
        report.per_document[doc_id] = copied
    progress(len(ids), len(ids), "documents")
    return report


def _auto_document(
    corpus: Corpus,
    document: Document,
    scheme: Scheme,
    registry: Mapping[str, Actor],
    decided_by: str,
    report: AutoReport,
) -> int:
    done = decisions(corpus, document.id)
    found = sorted(items(document, scheme, registry), key=lambda i: (_ORDER[i.kind], i.start))
    report.left += sum(1 for i in found if not i.agreed and i.key not in done)
    agreed = [i for i in found if i.agreed and i.key not in done]
    copied = 0
    gold = gold_of(document)
    # One kind at a time: links and attributes need the gold spans decided before them.
    for kind in ("span", "attribute", "actor", "link", "question"):
        batch = [i for i in agreed if i.kind == kind]
        if not batch:
            continue
        edits = []
        settle: dict[str, Decision | None] = {}
        for item in batch:
            try:
                edits.append(
                    decision_edit(document, gold, item, item.versions[0], with_attrs=False)
                )
            except AnnotationError:
                continue  # its head span is disputed: left for review
            settle[item.key] = Decision("auto", "agreement", decided_by)
            count = len(item.versions[0].spans) if kind == "span" else 1
            if kind == "span":
                report.spans += count
            elif kind == "link":
                report.links += 1
            elif kind == "attribute":
                report.attributes += 1
            elif kind == "actor":
                report.actors += 1
            else:
                report.answers += 1
            copied += 1
        if settle:
            decide(corpus, document.id, settle, Compound(tuple(edits)))
            document = corpus.document(document.id)
            gold = gold_of(document)
    report.items += copied
    return copied


def curation_progress(corpus: Corpus) -> dict[str, tuple[int, int]]:
    """``{doc_id: (decided items, items)}`` for documents with two or more annotators."""
    scheme = corpus.scheme
    registry = actors(corpus)
    counts = decided_counts(corpus)
    result = {}
    for document in corpus.documents():
        if len(reviewers(document)) < 2:
            continue
        keys = {i.key for i in items(document, scheme, registry)}
        # Decisions on items that no longer exist (annotations changed since) do not count.
        decided = len(keys & set(decisions(corpus, document.id))) if counts.get(document.id) else 0
        result[document.id] = (decided, len(keys))
    return result
