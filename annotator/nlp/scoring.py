"""A trained pipeline's predictions with their scores, and how uncertain it is of a text.

Scores come from the components that give probabilities:

- each ``spancat_<key>`` scores every candidate span of its suggester for every label;
  the spans it keeps (over its threshold) are the suggestions of that group, each with
  its probability;
- ``ner`` gives none: an entity gets the probability the entity layer's span categorizer
  (trained beside it, :mod:`annotator.nlp.learning`) gives to the same span and label,
  or ``None`` when that span is beyond the categorizer's n-gram range;
- ``textcat``/``textcat_multilabel`` give one probability per label (``doc.cats``).

A probability ``p`` is uncertain in the measure ``1 - |2p - 1|`` (1 at 0.5, 0 at 0 or 1).
A text's uncertainty is the mean of the :data:`TOP` most uncertain decisions the model
took on it: every candidate span and label of every span categorizer (below the
threshold too: a span nearly proposed is a question worth asking), and every category.
Taking the top ones, not all, keeps a long text of easy tokens from looking certain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

TOP: Final = 10


@dataclass(frozen=True, slots=True)
class ScoredSpan:
    start: int
    end: int
    label: str
    score: float | None


@dataclass(slots=True)
class Prediction:
    """What a pipeline predicts on one text.

    Attributes:
        entities: ``doc.ents``, scored by the entity layer's span categorizer.
        groups: per span key (other than the entity layer), the spans kept.
        cats: ``doc.cats``.
        uncertainty: from 0 (sure of everything) to 1 (:func:`uncertainty`).
    """

    entities: list[ScoredSpan] = field(default_factory=list)
    groups: dict[str, list[ScoredSpan]] = field(default_factory=dict)
    cats: dict[str, float] = field(default_factory=dict)
    uncertainty: float = 0.0


def doubt(probability: float) -> float:
    """``1 - |2p - 1|``: how far a probability is from a decision."""
    return 1.0 - abs(2.0 * probability - 1.0)


def predict(nlp: Any, texts: Iterable[str], entity_key: str | None) -> Iterator[Prediction]:
    """A :class:`Prediction` for each text, in order."""
    import numpy

    texts = list(texts)
    if texts:
        nlp.max_length = max(nlp.max_length, max(len(t) for t in texts) + 1)
    spancats = [(name, pipe) for name, pipe in nlp.pipeline if name.startswith("spancat")]
    for doc in nlp.pipe(texts, batch_size=8):
        found = Prediction(cats=dict(doc.cats))
        doubts: list[float] = [doubt(p) for p in doc.cats.values()]
        by_bounds: dict[tuple[int, int, str], float] = {}
        for _name, pipe in spancats:
            key = pipe.cfg["spans_key"]
            indices, scores = pipe.predict([doc])
            offsets = pipe.model.ops.to_numpy(indices.dataXd)
            probabilities = pipe.model.ops.to_numpy(scores)
            if len(probabilities):
                doubts += list(numpy.ravel(1.0 - numpy.abs(2.0 * probabilities - 1.0)))
            if key == entity_key:
                labels = pipe.labels
                for (start, end), row in zip(offsets, probabilities, strict=True):
                    span = doc[int(start) : int(end)]
                    for label, p in zip(labels, row, strict=True):
                        by_bounds[(span.start_char, span.end_char, label)] = float(p)
            group = doc.spans.get(key)
            if group is None or key == entity_key:
                continue
            kept_scores = group.attrs.get("scores")
            found.groups[key] = [
                ScoredSpan(
                    s.start_char,
                    s.end_char,
                    s.label_,
                    float(kept_scores[i]) if kept_scores is not None else None,
                )
                for i, s in enumerate(group)
            ]
        if nlp.has_pipe("ner"):
            found.entities = [
                ScoredSpan(e.start_char, e.end_char, e.label_, by_bounds.get(_bounds(e)))
                for e in doc.ents
            ]
        elif entity_key is not None and entity_key in doc.spans:
            found.entities = _without_overlaps(doc.spans[entity_key])
        found.uncertainty = uncertainty(doubts)
        yield found


def uncertainty(doubts: list[float]) -> float:
    """The mean of the :data:`TOP` largest doubts (0 for none)."""
    if not doubts:
        return 0.0
    top = sorted(doubts, reverse=True)[:TOP]
    return round(sum(top) / len(top), 4)


def _bounds(span: Any) -> tuple[int, int, str]:
    return (span.start_char, span.end_char, span.label_)


def _without_overlaps(group: Any) -> list[ScoredSpan]:
    """The most probable spans of a group that do not overlap (for a layer without)."""
    scores = group.attrs.get("scores")
    ranked = sorted(
        range(len(group)), key=lambda i: -(float(scores[i]) if scores is not None else 0.0)
    )
    chosen: list[ScoredSpan] = []
    for i in ranked:
        span = group[i]
        if all(span.end_char <= c.start or c.end <= span.start_char for c in chosen):
            score = float(scores[i]) if scores is not None else None
            chosen.append(ScoredSpan(span.start_char, span.end_char, span.label_, score))
    return sorted(chosen, key=lambda s: (s.start, s.end))
