"""Documents flattened into arrays once, so that every metric is a few numpy operations.

The kept documents are laid end to end in one coordinate space: document ``i`` occupies
``[bases[i], bases[i] + len(text))`` followed by one separator position. A span becomes
a (global start, global end) pair and spans of different documents can never overlap,
so the metrics need no loop over documents.

Which annotation sets take part (:func:`takes_part`): a set counts unless it was
skipped, or is still "todo" with nothing accepted in it (a set created for an assignment
or holding only model suggestions is not an annotation; counting it would read as an
annotator who found nothing). Suggested spans are always left out.

:func:`annotator.agreement.collect.collect` builds an :class:`AgreementData`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from annotator.core.model import AnnotationSet, Fragments
from annotator.core.scheme import Scheme

# The claim vocabulary, as annotator.services.claims defines it (agreement may import
# only core; a test keeps the two equal).
CLAIMANT = "CLAIMANT"
CUE = "CUE"
STANCE = "stance"
ATTRIBUTION = "attribution"
UNATTRIBUTED = "UNATTRIBUTED"

OUTSIDE = "O"
"""The value of a token covered by no span of a layer (label code 0)."""

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def takes_part(aset: AnnotationSet) -> bool:
    """Whether an annotation set counts as one annotator's annotation of its document."""
    if aset.status == "skipped":
        return False
    if aset.status != "todo":
        return True
    return bool(aset.doc_labels or aset.relations or any(not s.suggested for s in aset.spans))


@dataclass(frozen=True, slots=True)
class Pieces:
    """The pieces of one annotator's spans of one layer (a discontinuous span has
    several, an ordinary one its own extent): ``owner`` is the span's index."""

    owner: IntArray
    start: IntArray
    end: IntArray
    first_token: IntArray
    stop_token: IntArray


@dataclass(frozen=True, slots=True)
class SpanArrays:
    """One annotator's accepted spans of one layer; labels are codes from 1 (0 is O).

    ``first_token`` is the first token starting at or after ``start``, ``stop_token``
    the first starting at or after ``end``: the span covers the tokens in between.
    ``start``/``end`` are a discontinuous span's hull; when the annotator has any such
    span here, ``shape`` gives each span's fragment set (0: one piece, else a code of
    :attr:`AgreementData.shapes`) and ``pieces`` the characters covered, which the
    metrics then compare; both are None otherwise.
    """

    doc: IntArray
    start: IntArray
    end: IntArray
    label: IntArray
    first_token: IntArray
    stop_token: IntArray
    shape: IntArray | None = None
    pieces: Pieces | None = None


@dataclass(frozen=True, slots=True)
class ClaimArrays:
    """One annotator's claims: extent, claimant decision, stance, label and cue (-1 where
    none). ``label`` is the claim's label code in its layer."""

    doc: IntArray
    start: IntArray
    end: IntArray
    claimant_start: IntArray
    claimant_end: IntArray
    unattributed: BoolArray
    stance: IntArray
    label: IntArray
    cue_start: IntArray
    cue_end: IntArray
    shape: IntArray | None = None
    """Per claim, its fragment set (0: one piece, else a code of
    :attr:`AgreementData.shapes`); None when no claim here is discontinuous."""

    def select(self, keep: BoolArray | IntArray) -> ClaimArrays:
        """The claims ``keep`` picks (a mask or indices), every column alike."""
        return ClaimArrays(
            self.doc[keep],
            self.start[keep],
            self.end[keep],
            self.claimant_start[keep],
            self.claimant_end[keep],
            self.unattributed[keep],
            self.stance[keep],
            self.label[keep],
            self.cue_start[keep],
            self.cue_end[keep],
            None if self.shape is None else self.shape[keep],
        )

    @classmethod
    def empty(cls) -> ClaimArrays:
        none = np.zeros(0, np.int64)
        return cls(none, none, none, none, none, np.zeros(0, np.bool_), none, none, none, none)


@dataclass(slots=True)
class AgreementData:
    """The documents annotated by two or more annotators, as arrays.

    Attributes:
        doc_ids: the kept documents, in corpus order; array index = position here.
        doc_annotators: per document, the annotators whose set takes part.
        bases: global offset of each document's first character.
        size: the length of the global coordinate space.
        annotators: everyone with a set that takes part (gold included), sorted.
        has_set: per annotator, which documents they annotated.
        labels: per span layer, its labels; a label's code is its index + 1.
        spans: per layer, per annotator, their spans.
        questions: per question, its answer values; a value's code is its index.
        answers: per question, per annotator, the answer code per document (-1: none).
        claim_layer: the head layer of the CLAIMANT relation, if the scheme has claims.
        stances: the stance values; a stance's code is its index.
        claims: per annotator, their claims.
        shapes: the pieces of discontinuous spans (see :class:`SpanArrays`).
        token_starts: global offset of every token's first character.
        token_counts: the number of tokens of every document.
    """

    doc_ids: list[str] = field(default_factory=list)
    doc_annotators: list[list[str]] = field(default_factory=list)
    bases: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    size: int = 0
    annotators: list[str] = field(default_factory=list)
    has_set: dict[str, BoolArray] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)
    spans: dict[str, dict[str, SpanArrays]] = field(default_factory=dict)
    questions: dict[str, list[str]] = field(default_factory=dict)
    answers: dict[str, dict[str, IntArray]] = field(default_factory=dict)
    claim_layer: str | None = None
    stances: list[str] = field(default_factory=list)
    claims: dict[str, ClaimArrays] = field(default_factory=dict)
    token_starts: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    token_counts: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    shapes: list[Fragments] = field(default_factory=lambda: [()])
    """The fragment sets of discontinuous spans, in global offsets; code 0 is unused
    (an ordinary span)."""

    def layer_spans(self, layer: str, annotator: str) -> SpanArrays:
        empty = np.zeros(0, np.int64)
        return self.spans[layer].get(
            annotator, SpanArrays(empty, empty, empty, empty, empty, empty)
        )

    def per_token(self, values: IntArray) -> IntArray:
        """One value per document spread over the document's tokens.

        Written as a running sum of the changes at each document's first token, which is
        several times faster than ``np.repeat`` over millions of tokens.
        """
        nonempty = self.token_counts > 0
        firsts = (np.cumsum(self.token_counts) - self.token_counts)[nonempty]
        steps = np.zeros(len(self.token_starts), dtype=np.int64)
        steps[firsts] = np.diff(np.asarray(values, dtype=np.int64)[nonempty], prepend=0)
        return np.cumsum(steps)

    def shared(self, first: str, second: str) -> BoolArray:
        """The documents both annotators annotated."""
        return self.has_set[first] & self.has_set[second]


def default_claim_layer(scheme: Scheme) -> str | None:
    """The claims' layer, resolved as annotator.services.claims.claim_layer does."""
    relation = scheme.relation(CLAIMANT)
    if relation is not None:
        return "claim" if "claim" in relation.head else relation.head[0]
    return "claim" if scheme.layer("claim") is not None else None
