"""Growing a scheme to cover imported data (``--extend-scheme``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from annotator.core.model import AnnotationSet
from annotator.core.scheme import Attribute, Question, RelationType, Scheme


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
    relations = list(scheme.relations)
    for name, (heads, children) in found.items():
        if scheme.relation(name) is not None or len(heads) != 1:
            continue  # an unknown relation with several head layers stays an error
        relations.append(RelationType(name, next(iter(heads)), tuple(sorted(children))))
    return replace(scheme, relations=tuple(relations))


def _with_questions(scheme: Scheme, found: dict[str, tuple[list[str], bool]]) -> Scheme:
    questions = list(scheme.questions)
    for name, (values, multi) in found.items():
        current = scheme.question(name)
        if current is None:
            questions.append(Question(name, tuple(dict.fromkeys(values)), multi))
        else:
            new = tuple(v for v in dict.fromkeys(values) if v not in current.values)
            questions[questions.index(current)] = replace(current, values=current.values + new)
    return replace(scheme, questions=tuple(questions))
