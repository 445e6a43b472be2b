"""Edits: every change to an annotation set, as plain data.

An edit is applied by :func:`apply`, which changes the set in place and returns the edit
that undoes it. The store records edits in one transaction each; the window's undo stack
only keeps the (edit, inverse) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from annotator.core.errors import AnnotationError
from annotator.core.fragments import fragments_of, with_pieces
from annotator.core.model import AnnotationSet, Fragments, Relation, Span


@dataclass(frozen=True, slots=True)
class AddSpan:
    span: Span
    relations: tuple[Relation, ...] = ()
    """Relations restored with the span (used when undoing a :class:`RemoveSpan`)."""


@dataclass(frozen=True, slots=True)
class RemoveSpan:
    span_id: str


@dataclass(frozen=True, slots=True)
class SetLabel:
    span_id: str
    label: str


@dataclass(frozen=True, slots=True)
class SetBounds:
    span_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SetPieces:
    """Make a span of ``pieces`` (sorted, apart): a piece added to a quote cut by its
    attribution, or taken away; one piece makes it an ordinary span again."""

    span_id: str
    pieces: Fragments


@dataclass(frozen=True, slots=True)
class SetAttr:
    span_id: str
    name: str
    value: Any  # None removes the attribute


@dataclass(frozen=True, slots=True)
class SetSpanState:
    span_id: str
    state: str
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class AddRelation:
    relation: Relation


@dataclass(frozen=True, slots=True)
class RemoveRelation:
    relation: Relation


@dataclass(frozen=True, slots=True)
class SetDocLabel:
    question: str
    value: str | list[str] | None  # None removes the answer


@dataclass(frozen=True, slots=True)
class SetStatus:
    status: str


@dataclass(frozen=True, slots=True)
class LinkActor:
    """Link span ``span_id`` to actor ``actor_id`` of the registry (None unlinks it)."""

    span_id: str
    actor_id: str | None


@dataclass(frozen=True, slots=True)
class Compound:
    """Several edits applied as one (one undo step, one transaction)."""

    edits: tuple[Edit, ...]


Edit = (
    AddSpan | RemoveSpan | SetLabel | SetBounds | SetPieces | SetAttr | SetSpanState | AddRelation
    | RemoveRelation | SetDocLabel | SetStatus | LinkActor | Compound
)  # fmt: skip


def apply(aset: AnnotationSet, edit: Edit) -> Edit:
    """Apply ``edit`` to ``aset`` in place and return the edit that undoes it.

    Raises:
        AnnotationError: the edit refers to a span or relation that is not there.
    """
    match edit:
        case AddSpan(span, relations):
            if aset.span(span.id) is not None:
                raise AnnotationError(f"span id {span.id!r} already exists")
            aset.spans.append(span)
            aset.relations.extend(relations)
            return RemoveSpan(span.id)
        case RemoveSpan(span_id):
            span = _span(aset, span_id)
            touching = tuple(r for r in aset.relations if span_id in (r.head, r.child))
            aset.spans.remove(span)
            aset.relations[:] = [r for r in aset.relations if r not in touching]
            actor = aset.actor_links.pop(span_id, None)
            if actor is not None:  # the link goes with its span, and comes back with it
                return Compound((AddSpan(span, touching), LinkActor(span_id, actor)))
            return AddSpan(span, touching)
        case SetLabel(span_id, label):
            old = _replace_span(aset, span_id, label=label)
            return SetLabel(span_id, old.label)
        case SetBounds(span_id, start, end):
            old = _replace_span(aset, span_id, start=start, end=end)
            return SetBounds(span_id, old.start, old.end)
        case SetPieces(span_id, pieces):
            if not pieces:
                raise AnnotationError(f"span {span_id!r} needs at least one piece")
            old = _span(aset, span_id)
            aset.spans[aset.spans.index(old)] = with_pieces(old, pieces)
            return SetPieces(span_id, fragments_of(old))
        case SetAttr(span_id, name, value):
            span = _span(aset, span_id)
            attrs = dict(span.attrs)
            previous = attrs.pop(name, None)
            if value is not None:
                attrs[name] = value
            _replace_span(aset, span_id, attrs=attrs)
            return SetAttr(span_id, name, previous)
        case SetSpanState(span_id, state, origin):
            old = _replace_span(
                aset, span_id, state=state, **({"origin": origin} if origin else {})
            )
            return SetSpanState(span_id, old.state, old.origin)
        case AddRelation(relation):
            if relation in aset.relations:
                raise AnnotationError(f"relation {relation.label} already exists")
            _span(aset, relation.head)  # a dangling relation could never be undone
            _span(aset, relation.child)
            aset.relations.append(relation)
            return RemoveRelation(relation)
        case RemoveRelation(relation):
            if relation not in aset.relations:
                raise AnnotationError(f"relation {relation.label} does not exist")
            aset.relations.remove(relation)
            return AddRelation(relation)
        case SetDocLabel(question, value):
            previous = aset.doc_labels.pop(question, None)
            if value is not None:
                aset.doc_labels[question] = value
            return SetDocLabel(question, previous)
        case SetStatus(status):
            previous_status = aset.status
            aset.status = status
            return SetStatus(previous_status)
        case LinkActor(span_id, actor_id):
            _span(aset, span_id)
            previous_actor = aset.actor_links.pop(span_id, None)
            if actor_id is not None:
                aset.actor_links[span_id] = actor_id
            return LinkActor(span_id, previous_actor)
        case Compound(edits):
            inverses: list[Edit] = []
            try:
                for part in edits:
                    inverses.append(apply(aset, part))
            except AnnotationError:
                # Applied as one: a failing part leaves the set as it was.
                for inverse in reversed(inverses):
                    apply(aset, inverse)
                raise
            return Compound(tuple(reversed(inverses)))
    raise TypeError(f"not an edit: {edit!r}")


def _span(aset: AnnotationSet, span_id: str) -> Span:
    span = aset.span(span_id)
    if span is None:
        raise AnnotationError(f"span {span_id!r} does not exist")
    return span


def _replace_span(aset: AnnotationSet, span_id: str, **changes: Any) -> Span:
    old = _span(aset, span_id)
    aset.spans[aset.spans.index(old)] = replace(old, **changes)
    return old
