"""What a DocBin we exported shows, when someone edited it after the export.

The stored annotation set (``user_data``, :mod:`annotator.nlp.user_data`) says what was
exported; the ``Doc`` itself shows the entities, span groups and cats a script or a tool
may have changed since. The visible annotation wins where the two differ (DESIGN §5):

- each layer's spans are those of the span group named after it (a layer whose group
  is gone lost its spans); the entity layer also follows ``doc.ents``: an entity added
  there is added, one removed there (that the export had put there) is removed;
- a stored span that the Doc shows, by its character offsets and label, keeps its id,
  attributes, origin and relations; a shown span that matches none is a new span
  (origin ``import``); a stored span that the export could not place on tokens was never
  shown and is kept;
- the answers to each question follow the ``question:value`` cats when the Doc has any
  cat of that question;
- relations that lose an end are dropped with it; the derived groups (claimants, claim
  stance) are not annotations of their own and are not read.

A discontinuous span shows as its fragments (one span each in its layer's group): it is
kept while every fragment is shown.

Comparing keys ``(start, end, label)`` per layer costs one pass over the spans; an
unedited Doc gives its stored set back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from annotator.core.fragments import pieces
from annotator.core.model import AnnotationSet, Span
from annotator.core.scheme import Scheme
from annotator.nlp.examples import DERIVED_GROUPS, entity_layer

Key = tuple[int, int, str]


def visible_set(doc: Any, stored: AnnotationSet, scheme: Scheme | None) -> AnnotationSet:
    """``stored`` as the Doc shows it now (see the module docstring)."""
    layers = dict.fromkeys(s.layer for s in stored.spans)
    layers.update(dict.fromkeys(k for k in doc.spans if k not in DERIVED_GROUPS))
    ents_layer = entity_layer(scheme) if scheme is not None else "entity"
    shown: dict[str, set[Key]] = {}
    for layer in layers:
        shown[layer] = _keys(doc.spans.get(layer, ()))
    if ents_layer is not None:
        placed = [
            piece
            for s in stored.spans
            if s.layer == ents_layer
            for piece in pieces(s)
            if _aligned(doc, piece)
        ]
        exported = _exported_ents(placed)
        now = _keys(doc.ents)
        layer_keys = shown.setdefault(ents_layer, set())
        layer_keys |= now - exported
        layer_keys -= exported - now
    spans: list[Span] = []
    kept: set[tuple[str, Key]] = set()
    for span in stored.spans:
        if span.fragments is not None:
            found = _pieces_shown(doc, span, shown.get(span.layer, set()))
            if found is not None:
                kept.update((span.layer, key) for key in found)
                spans.append(span)
            continue
        key = (span.start, span.end, span.label)
        if key in shown.get(span.layer, set()):
            kept.add((span.layer, key))
            spans.append(span)
        elif not _aligned(doc, span):
            spans.append(span)  # never shown as it is: the export could not place it
            for snapped in _snapped(doc, span):  # ... or placed it snapped
                kept.add((span.layer, snapped))
    taken = {s.id for s in spans}
    for layer, keys in shown.items():
        for start, end, label in sorted(keys - {k for lay, k in kept if lay == layer}):
            span_id = _free_id(taken, len(spans) + 1)
            taken.add(span_id)
            spans.append(Span(span_id, layer, start, end, label))
    if len(spans) == len(stored.spans) and all(
        a is b for a, b in zip(spans, stored.spans, strict=True)
    ):
        labels = _answers(doc.cats, stored.doc_labels, scheme)
        return stored if labels == stored.doc_labels else replace(stored, doc_labels=labels)
    ids = {s.id for s in spans}
    relations = [r for r in stored.relations if r.head in ids and r.child in ids]
    labels = _answers(doc.cats, stored.doc_labels, scheme)
    links = {i: actor for i, actor in stored.actor_links.items() if i in ids}
    return replace(stored, spans=spans, relations=relations, doc_labels=labels, actor_links=links)


def _pieces_shown(doc: Any, span: Span, shown: set[Key]) -> list[Key] | None:
    """The keys by which the Doc shows each fragment of discontinuous ``span`` (the
    export put each in the span group), or None when one of them is gone: the span was
    edited, and the fragments still shown are new spans."""
    found: list[Key] = []
    for piece in pieces(span):
        key = (piece.start, piece.end, piece.label)
        if key in shown:
            found.append(key)
        elif not _aligned(doc, piece):
            found += _snapped(doc, piece)
        else:
            return None
    return found


def _keys(group: Iterable[Any]) -> set[Key]:
    return {(s.start_char, s.end_char, s.label_) for s in group}


def _aligned(doc: Any, span: Span) -> bool:
    """Whether the export placed ``span`` as it is (the rule of
    :class:`~annotator.nlp.examples.ExampleBuilder`: on token boundaries, and not
    starting or ending on a whitespace token)."""
    placed = doc.char_span(span.start, span.end)
    return placed is not None and len(placed) > 0 and not _space_at_an_edge(placed)


def _blank(token: Any) -> bool:
    # By its text: a Doc read back with an empty Vocab has no lexeme flags (is_space).
    return bool(token.text.isspace())


def _space_at_an_edge(token_span: Any) -> bool:
    return _blank(token_span[0]) or _blank(token_span[-1])


def _trimmed(token_span: Any | None) -> Any | None:
    """``token_span`` without whitespace tokens at its edges, as the export trims it."""
    if token_span is None:
        return None
    start, end, doc = token_span.start, token_span.end, token_span.doc
    while start < end and _blank(doc[start]):
        start += 1
    while end > start and _blank(doc[end - 1]):
        end -= 1
    return doc[start:end]


def _snapped(doc: Any, span: Span) -> list[Key]:
    """Where ``--alignment contract`` or ``expand`` would have placed a misaligned span
    (snapped, then trimmed of whitespace tokens at its edges, as the export does)."""
    keys = []
    for mode in ("contract", "expand"):
        placed = _trimmed(doc.char_span(span.start, span.end, alignment_mode=mode))
        if placed is not None and len(placed):
            keys.append((placed.start_char, placed.end_char, span.label))
    return keys


def _exported_ents(spans: list[Span]) -> set[Key]:
    """The entities the export put in ``doc.ents``: accepted first, left to right,
    longest first, none overlapping (as :class:`~annotator.nlp.examples.ExampleBuilder`)."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.suggested, s.start, -s.end)):
        if not any(span.overlaps(other) for other in chosen):
            chosen.append(span)
    return {(s.start, s.end, s.label) for s in chosen}


def _free_id(taken: set[str], number: int) -> str:
    while f"s{number}" in taken:
        number += 1
    return f"s{number}"


def _answers(
    cats: dict[str, float], stored: dict[str, str | list[str]], scheme: Scheme | None
) -> dict[str, str | list[str]]:
    """``stored`` with each question that has ``question:value`` cats answered by them."""
    chosen: dict[str, list[str]] = {}
    for name, score in cats.items():
        question, colon, value = name.partition(":")
        if colon and question and value:
            values = chosen.setdefault(question, [])
            if score >= 0.5:
                values.append(value)
    answers = dict(stored)
    for question, values in chosen.items():
        known = scheme.question(question) if scheme is not None else None
        multi = isinstance(stored.get(question), list) or (known is not None and known.multi)
        if not values and not multi:
            answers.pop(question, None)
        elif not values:
            answers[question] = []  # "none of these" is an answer to a multi-valued question
        else:
            answers[question] = values if multi or len(values) > 1 else values[0]
    return answers
