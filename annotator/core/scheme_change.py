"""Scheme changes as plain data, and how one annotation set follows a change.

A :class:`SchemeChange` is the new scheme, the names it renames, and (in the change that
undoes another) what to put back. The store applies it to every annotation set in one
transaction (:func:`annotator.store.scheme_changes.apply_scheme_change`); this module is
the pure part: which old name becomes which new one (:class:`SchemeMap`), how a set
migrates (:func:`migrate_set`) and how what a change took away is restored
(:func:`restore_set`).

Identity of names: a rename's ``old`` name and ``within`` path are names of the scheme
being changed; its ``new`` name is one of the new scheme. A name kept by the new scheme
keeps its annotations, unless it is the target of a rename: then it names the renamed
thing, and the annotations of the old one under that name go (deleting ``B`` and
renaming ``A`` to ``B`` in one change removes the old ``B`` spans and relabels ``A``).
Layers can be renamed like labels; a label cannot move to another layer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

from annotator.core.errors import SchemeError
from annotator.core.model import AnnotationSet, DocLabels, Relation, Span
from annotator.core.scheme import Scheme

RenameKind = Literal[
    "layer", "label", "attribute", "attribute_value", "relation", "question", "question_value"
]
#: How many parent names (``within``) each kind of rename needs.
WITHIN: Final[dict[str, int]] = {
    "layer": 0, "label": 1, "attribute": 1, "attribute_value": 2,
    "relation": 0, "question": 0, "question_value": 1,
}  # fmt: skip

Answer = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rename:
    """One name changed in place, its annotations following it.

    ``within`` holds the parents' names in the scheme being changed: ``(layer,)`` for a
    label or an attribute, ``(layer, attribute)`` for an attribute value, ``(question,)``
    for an answer value, ``()`` otherwise. ``Rename("label", "CLAIM", "ASSERTION",
    ("claim",))`` relabels every ``claim/CLAIM`` span.
    """

    kind: RenameKind
    old: str
    new: str
    within: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SetRestore:
    """What a change took from one annotation set, with positions, to put back on undo.

    ``spans`` are original spans (removed, or changed beyond a rename such as losing an
    attribute), ``doc_labels`` original answers, each with its index in the set's list
    before the change, so that restoring keeps the order the set had.
    """

    doc_id: str
    annotator: str
    spans: tuple[tuple[int, Span], ...] = ()
    relations: tuple[tuple[int, Relation], ...] = ()
    doc_labels: tuple[tuple[int, str, Answer], ...] = ()
    actor_links: tuple[tuple[str, str], ...] = ()
    """``(span id, actor id)``: the actor links of the removed spans (issue 23)."""
    span_keys: tuple[int, ...] = ()
    relation_keys: tuple[int, ...] = ()
    """The store's row keys of ``spans`` and ``relations``, one each, when a set-wise
    change removed them: its undo writes them back in place, in one statement for every
    set (empty: the undo restores set by set, at the indexes)."""


@dataclass(frozen=True, slots=True)
class SchemeChange:
    """Replace the corpus scheme by ``scheme``, renaming ``renames`` in every set.

    ``restores`` is empty in a change a user asked for; the inverse returned by applying
    a change carries there what the change removed.
    """

    scheme: Scheme
    renames: tuple[Rename, ...] = ()
    restores: tuple[SetRestore, ...] = ()


@dataclass
class Impact:
    """What a change does to existing annotations, counted under the current scheme's names.

    ``problems`` lists annotations the new scheme cannot hold and the change cannot
    remove by itself (overlapping spans in a layer made non-overlapping).
    """

    spans_removed: Counter[tuple[str, str]] = field(default_factory=Counter)
    spans_renamed: Counter[tuple[str, str]] = field(default_factory=Counter)
    relations_removed: Counter[str] = field(default_factory=Counter)
    answers_removed: Counter[str] = field(default_factory=Counter)
    attributes_removed: Counter[tuple[str, str]] = field(default_factory=Counter)
    sets_changed: int = 0
    problems: list[str] = field(default_factory=list)

    def removes_anything(self) -> bool:
        return bool(
            self.spans_removed
            or self.relations_removed
            or self.answers_removed
            or self.attributes_removed
        )

    def removals(self) -> list[str]:
        """One line per kind of annotation removed, e.g. ``"12 spans entity/PER"``."""
        lines = [
            _count(n, "span") + f" {lay}/{lab}" for (lay, lab), n in self.spans_removed.items()
        ]
        lines += [_count(n, "relation") + f" {rel}" for rel, n in self.relations_removed.items()]
        lines += [
            _count(n, "answer") + f" to question '{q}'" for q, n in self.answers_removed.items()
        ]
        lines += [
            _count(n, "value") + f" of attribute '{att}' on {lay} spans"
            for (lay, att), n in self.attributes_removed.items()
        ]
        return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class SchemeMap:
    """Where each name of the ``old`` scheme goes in the ``new`` one (None: deleted).

    Raises:
        SchemeError: from the constructor, when a rename names something that does not
            exist, is given twice, or targets a name the new scheme lacks.
    """

    def __init__(self, old: Scheme, new: Scheme, renames: Iterable[Rename] = ()) -> None:
        self.old, self.new = old, new
        self._renames: dict[tuple[str, tuple[str, ...], str], str] = {}
        self._targets: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        self._known: dict[tuple[str, tuple[str, ...], str], str | None] = {}
        self.renames = tuple(renames)
        for rename in self.renames:
            key = (rename.kind, rename.within, rename.old)
            targets = self._targets.setdefault((rename.kind, rename.within), set())
            if key in self._renames or rename.new in targets:
                raise SchemeError(f"{_what(rename)} is renamed twice, or two things to one name")
            self._renames[key] = rename.new
            targets.add(rename.new)
        for rename in self.renames:
            self._check(rename)

    def _check(self, rename: Rename) -> None:
        needed = WITHIN.get(rename.kind)
        if needed != len(rename.within):
            raise SchemeError(
                f"{_what(rename)}: a {rename.kind} rename needs {needed} parent names"
            )
        if rename.old not in self._old_names(rename.kind, rename.within):
            raise SchemeError(f"{_what(rename)}: there is no such {rename.kind} in the scheme")
        if self._map(rename.kind, rename.within, rename.old) is None:
            raise SchemeError(
                f"{_what(rename)}: the new scheme has no {rename.kind} '{rename.new}' there"
            )

    # -- names -----------------------------------------------------------------------------

    def _map(self, kind: str, within: tuple[str, ...], old: str) -> str | None:
        """The new name of ``old``, memoised: a migration asks once per span."""
        key = (kind, within, old)
        if key not in self._known:
            self._known[key] = self._find(kind, within, old)
        return self._known[key]

    def _find(self, kind: str, within: tuple[str, ...], old: str) -> str | None:
        new_within = self._new_within(kind, within)
        if new_within is None:
            return None
        names = _names(self.new, kind, new_within)
        target = self._renames.get((kind, within, old))
        if target is not None:
            return target if target in names else None
        if old in names and old not in self._targets.get((kind, within), ()):
            return old
        return None

    def _new_within(self, kind: str, within: tuple[str, ...]) -> tuple[str, ...] | None:
        if not within:
            return ()
        parent = (
            self.layer(within[0])
            if kind in ("label", "attribute", "attribute_value")
            else self.question(within[0])
        )
        if parent is None:
            return None
        if kind != "attribute_value":
            return (parent,)
        attribute = self.attribute(within[0], within[1])
        return None if attribute is None else (parent, attribute)

    def _old_names(self, kind: str, within: tuple[str, ...]) -> Collection[str]:
        return _names(self.old, kind, within)

    def layer(self, name: str) -> str | None:
        return self._map("layer", (), name)

    def label(self, layer: str, name: str) -> str | None:
        return self._map("label", (layer,), name)

    def attribute(self, layer: str, name: str) -> str | None:
        return self._map("attribute", (layer,), name)

    def attribute_value(self, layer: str, attribute: str, value: str) -> str | None:
        return self._map("attribute_value", (layer, attribute), value)

    def relation(self, name: str) -> str | None:
        return self._map("relation", (), name)

    def question(self, name: str) -> str | None:
        return self._map("question", (), name)

    def question_value(self, question: str, value: str) -> str | None:
        return self._map("question_value", (question,), value)

    def inverse_renames(self) -> tuple[Rename, ...]:
        """The renames that take the new scheme's names back to the old ones."""
        inverse = []
        for rename in self.renames:
            within = self._new_within(rename.kind, rename.within)
            assert within is not None  # checked by the constructor
            inverse.append(Rename(rename.kind, rename.new, rename.old, within))
        return tuple(inverse)

    # -- what may need migrating (lets the store skip untouched sets) ----------------------

    def forbids_overlaps(self) -> bool:
        """Whether a layer that allowed overlapping spans no longer does."""
        for lay in self.old.span_layers:
            new = self.new.layer(self.layer(lay.name) or "")
            if lay.overlap and new is not None and not new.overlap:
                return True
        return False

    def touched_layers(self) -> list[str]:
        """Old layers whose spans may change or need checking: renamed, deleted, with
        labels, attributes or values renamed or deleted, or no longer allowing overlaps."""
        touched = []
        for lay in self.old.span_layers:
            new = self.new.layer(self.layer(lay.name) or "")
            same = (
                new is not None
                and new.name == lay.name
                and (new.overlap or not lay.overlap)
                and all(self.label(lay.name, lab.name) == lab.name for lab in lay.labels)
                and all(
                    self.attribute(lay.name, att.name) == att.name
                    and all(self.attribute_value(lay.name, att.name, v) == v for v in att.values)
                    for att in lay.attributes
                )
            )
            if not same:
                touched.append(lay.name)
        return touched

    def touched_relations(self) -> list[str]:
        touched = []
        for rel in self.old.relations:
            new = self.new.relation(self.relation(rel.name) or "")
            same = (
                new is not None
                and new.name == rel.name
                and all(self.layer(head) in new.head for head in rel.head)
                and all(self.layer(child) in new.child for child in rel.child)
            )
            if not same:
                touched.append(rel.name)
        return touched

    def touched_questions(self) -> list[str]:
        touched = []
        for question in self.old.questions:
            new = self.new.question(self.question(question.name) or "")
            same = (
                new is not None
                and new.name == question.name
                and new.multi == question.multi
                and all(self.question_value(question.name, v) == v for v in question.values)
            )
            if not same:
                touched.append(question.name)
        return touched


def _names(scheme: Scheme, kind: str, within: tuple[str, ...]) -> Collection[str]:
    if kind == "layer":
        return {lay.name for lay in scheme.span_layers}
    if kind == "relation":
        return {rel.name for rel in scheme.relations}
    if kind == "question":
        return {q.name for q in scheme.questions}
    if kind == "question_value":
        question = scheme.question(within[0])
        return question.values if question else ()
    layer = scheme.layer(within[0])
    if layer is None:
        return ()
    if kind == "label":
        return {lab.name for lab in layer.labels}
    if kind == "attribute":
        return {att.name for att in layer.attributes}
    attribute = layer.attribute(within[1])
    return attribute.values if attribute else ()


def _what(rename: Rename) -> str:
    where = "/".join((*rename.within, rename.old))
    return f"renaming {rename.kind} '{where}' to '{rename.new}'"


# -- one annotation set --------------------------------------------------------------------


def migrate_set(
    doc_id: str, aset: AnnotationSet, smap: SchemeMap, impact: Impact
) -> tuple[AnnotationSet, SetRestore | None]:
    """``aset`` under the new scheme (a new object), and what undoing must put back.

    Spans of deleted layers or labels go with their relations; relations of deleted
    types, or whose ends no longer fit their type, go; attribute values and answers the
    new scheme lacks go. Renames follow :class:`SchemeMap`. Counts go to ``impact``.
    """
    spans: list[Span] = []
    lost_spans: list[tuple[int, Span]] = []
    for index, span in enumerate(aset.spans):
        moved = _migrate_span(span, smap, impact)
        if moved is None:
            impact.spans_removed[(span.layer, span.label)] += 1
            lost_spans.append((index, span))
            continue
        if (moved.layer, moved.label) != (span.layer, span.label):
            impact.spans_renamed[(span.layer, span.label)] += 1
        if len(moved.attrs) < len(span.attrs):
            lost_spans.append((index, span))
        spans.append(moved)
    kept = {span.id: span for span in spans}
    relations: list[Relation] = []
    lost_relations: list[tuple[int, Relation]] = []
    for index, rel in enumerate(aset.relations):
        name = smap.relation(rel.label)
        kind = smap.new.relation(name) if name else None
        head, child = kept.get(rel.head), kept.get(rel.child)
        if (
            kind is None
            or head is None
            or child is None
            or head.layer not in kind.head
            or child.layer not in kind.child
        ):
            impact.relations_removed[rel.label] += 1
            lost_relations.append((index, rel))
            continue
        relations.append(Relation(rel.head, rel.child, kind.name))
    labels, lost_labels = _migrate_labels(aset.doc_labels, smap, impact)
    after = replace_contents(aset, spans, relations, labels)
    if (after.spans, after.relations, after.doc_labels) != (
        aset.spans,
        aset.relations,
        aset.doc_labels,
    ):
        impact.sets_changed += 1
    if not (lost_spans or lost_relations or lost_labels):
        return after, None
    lost_links = tuple(
        (span.id, aset.actor_links[span.id])
        for _, span in lost_spans
        if span.id in aset.actor_links and span.id not in kept
    )
    restore = SetRestore(
        doc_id,
        aset.annotator,
        tuple(lost_spans),
        tuple(lost_relations),
        tuple(lost_labels),
        lost_links,
    )
    return after, restore


def _migrate_span(span: Span, smap: SchemeMap, impact: Impact) -> Span | None:
    layer = smap.layer(span.layer)
    label = smap.label(span.layer, span.label) if layer is not None else None
    if layer is None or label is None:
        return None
    attrs = {}
    for name, value in span.attrs.items():
        new_name = smap.attribute(span.layer, name)
        new_value = smap.attribute_value(span.layer, name, value) if new_name else None
        if new_name is None or new_value is None:
            impact.attributes_removed[(span.layer, name)] += 1
        else:
            attrs[new_name] = new_value
    if layer == span.layer and label == span.label and attrs == span.attrs:
        return span
    # Built directly rather than with dataclasses.replace: a rename may touch every span.
    return Span(
        span.id, layer, span.start, span.end, label, attrs, span.origin, span.state, span.fragments
    )


def _migrate_labels(
    labels: DocLabels, smap: SchemeMap, impact: Impact
) -> tuple[DocLabels, list[tuple[int, str, Answer]]]:
    migrated: DocLabels = {}
    lost: list[tuple[int, str, Answer]] = []
    for index, (question, answer) in enumerate(labels.items()):
        values = answer if isinstance(answer, list) else [answer]
        name = smap.question(question)
        kind = smap.new.question(name) if name else None
        kept = [
            new
            for value in values
            if kind is not None and (new := smap.question_value(question, value)) is not None
        ]
        if kind is not None and not kind.multi and len(kept) > 1:
            kept = []  # several answers cannot become one
        if len(kept) < len(values):
            impact.answers_removed[question] += len(values) - len(kept)
            lost.append((index, question, tuple(answer) if isinstance(answer, list) else answer))
        if kind is not None and kept:
            migrated[kind.name] = kept if kind.multi else kept[0]
    return migrated, lost


def restore_set(aset: AnnotationSet, restore: SetRestore) -> AnnotationSet:
    """``aset`` with what ``restore`` holds put back at its former places (a new object),
    the removed spans with their actor links.

    An item still present (a span by id, an answer by question) is replaced in place;
    one that is gone is inserted at its former index, in increasing order, which gives
    back the order the set had before the change.
    """
    spans = list(aset.spans)
    for index, span in restore.spans:
        where = next((i for i, s in enumerate(spans) if s.id == span.id), None)
        if where is None:
            spans.insert(index, span)
        else:
            spans[where] = span
    relations = list(aset.relations)
    for index, rel in restore.relations:
        if rel not in relations:
            relations.insert(index, rel)
    items = list(aset.doc_labels.items())
    for index, question, answer in restore.doc_labels:
        value: str | list[str] = list(answer) if isinstance(answer, tuple) else answer
        where = next((i for i, (q, _) in enumerate(items) if q == question), None)
        if where is None:
            items.insert(index, (question, value))
        else:
            items[where] = (question, value)
    restored = replace_contents(aset, spans, relations, dict(items))
    present = {span.id for span in spans}
    for span_id, actor_id in restore.actor_links:
        if span_id in present:  # the link goes back with its span
            restored.actor_links[span_id] = actor_id
    return restored


def replace_contents(
    aset: AnnotationSet, spans: list[Span], relations: list[Relation], labels: DocLabels
) -> AnnotationSet:
    """A copy of ``aset`` (status, times, guideline version) holding other annotations;
    the actor links of the spans it keeps stay."""
    kept = {span.id for span in spans}
    return AnnotationSet(
        aset.annotator,
        aset.status,
        spans,
        relations,
        labels,
        aset.guideline_version,
        aset.created_at,
        aset.updated_at,
        {i: actor for i, actor in aset.actor_links.items() if i in kept},
    )
