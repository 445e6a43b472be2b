"""Growing a scheme to cover imported data (``--extend-scheme``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from annotator.core.model import AnnotationSet
from annotator.core.scheme import Attribute, Question, RelationType, Scheme

YES_NO = ("yes", "no")


def extend_for(scheme: Scheme, sets: Iterable[AnnotationSet]) -> Scheme:
    """Return ``scheme`` plus every layer, label, attribute value, relation and question
    answer that ``sets`` use and it lacks (new layers allow overlaps)."""
    labels: dict[str, list[str]] = {}
    attributes: dict[str, dict[str, list[str]]] = {}
    relation_ends: dict[str, tuple[set[str], set[str]]] = {}
    answers: dict[str, tuple[list[str], bool]] = {}
    for aset in sets:
        layer_of = {s.id: s.layer for s in aset.spans}
        for span in aset.spans:
            labels.setdefault(span.layer, []).append(span.label)
            for name, value in span.attrs.items():
                if isinstance(value, str):
                    attributes.setdefault(span.layer, {}).setdefault(name, []).append(value)
        for rel in aset.relations:
            heads, children = relation_ends.setdefault(rel.label, (set(), set()))
            if rel.head in layer_of:
                heads.add(layer_of[rel.head])
            if rel.child in layer_of:
                children.add(layer_of[rel.child])
        for question, answer in aset.doc_labels.items():
            values, multi = answers.get(question, ([], False))
            values.extend(answer if isinstance(answer, list) else [answer])
            answers[question] = (values, multi or isinstance(answer, list))
    scheme = scheme.with_labels(labels)
    scheme = _with_attributes(scheme, attributes)
    scheme = _with_relations(scheme, relation_ends)
    return _with_questions(scheme, answers)


def _with_attributes(scheme: Scheme, found: dict[str, dict[str, list[str]]]) -> Scheme:
    layers = []
    for layer in scheme.span_layers:
        attrs = list(layer.attributes)
        for name, values in found.get(layer.name, {}).items():
            current = layer.attribute(name)
            if current is None:
                attrs.append(Attribute(name, tuple(dict.fromkeys(values))))
            else:
                new = tuple(v for v in dict.fromkeys(values) if v not in current.values)
                attrs[attrs.index(current)] = Attribute(name, current.values + new)
        layers.append(replace(layer, attributes=tuple(attrs)))
    return replace(scheme, span_layers=tuple(layers))


def _with_relations(scheme: Scheme, found: dict[str, tuple[set[str], set[str]]]) -> Scheme:
    """New relations, and the head and child layers known relations join in the data."""
    relations = list(scheme.relations)
    for name, (heads, children) in found.items():
        current = scheme.relation(name)
        if current is None:
            if heads and children:
                relations.append(RelationType(name, tuple(sorted(heads)), tuple(sorted(children))))
            continue
        new_heads = tuple(sorted(heads - set(current.head)))
        new_children = tuple(sorted(children - set(current.child)))
        if new_heads or new_children:
            relations[relations.index(current)] = replace(
                current, head=current.head + new_heads, child=current.child + new_children
            )
    return replace(scheme, relations=tuple(relations))


def _with_questions(scheme: Scheme, found: dict[str, tuple[list[str], bool]]) -> Scheme:
    questions = list(scheme.questions)
    for name, (values, multi) in found.items():
        current = scheme.question(name)
        if current is None:
            new_values = tuple(dict.fromkeys(values))
            if not multi and set(new_values) <= set(YES_NO):
                new_values = YES_NO  # a binary answer (Prodigy's accept/reject) has both
            questions.append(Question(name, new_values, multi))
        else:
            new = tuple(v for v in dict.fromkeys(values) if v not in current.values)
            questions[questions.index(current)] = replace(current, values=current.values + new)
    return replace(scheme, questions=tuple(questions))
