"""Span agreement of two annotators on one layer: exact and overlap F1 (DESIGN §8).

For a pair (A, B), over the documents both annotated:

- **exact**: a span of A matches a span of B with the same (start, end, label) and,
  for a discontinuous span, the same fragments; spans are a multiset, so two identical
  spans of A need two in B.
  ``F1 = 2·matched / (|A| + |B|)``, the harmonic mean of precision and recall, counts
  summed over documents first (micro-average).
- **overlap**: precision = share of B's spans sharing a character with a same-label span
  of A, recall = share of A's spans sharing a character with a same-label span of B,
  ``F1 = 2PR/(P+R)``. When one annotator has no spans and the other has some, F1 is 0.
  A discontinuous span shares the characters of its fragments, not of the gaps.

Both are undefined (None) when neither annotator has a span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.agreement.data import AgreementData, BoolArray, IntArray


@dataclass(frozen=True, slots=True)
class PairCounts:
    """The counts of one pair on one layer; per-label arrays are indexed by label code."""

    first: str
    second: str
    matched: IntArray
    first_spans: IntArray
    second_spans: IntArray
    first_overlapping: IntArray
    second_overlapping: IntArray
    doc_spans: IntArray
    """Per document: |A| + |B|."""
    doc_unmatched: IntArray
    """Per document: spans of A or B without an exact counterpart in the other set."""

    def f1_exact(self, label: int | None = None) -> float | None:
        pick = slice(None) if label is None else slice(label, label + 1)
        total = int(self.first_spans[pick].sum() + self.second_spans[pick].sum())
        return None if total == 0 else 2 * int(self.matched[pick].sum()) / total

    def f1_overlap(self, label: int | None = None) -> float | None:
        pick = slice(None) if label is None else slice(label, label + 1)
        first, second = int(self.first_spans[pick].sum()), int(self.second_spans[pick].sum())
        if first + second == 0:
            return None
        if first == 0 or second == 0:
            return 0.0
        precision = int(self.second_overlapping[pick].sum()) / second
        recall = int(self.first_overlapping[pick].sum()) / first
        if precision + recall == 0:
            return 0.0
        return 2 * precision * recall / (precision + recall)


def pair_counts(data: AgreementData, layer: str, first: str, second: str) -> PairCounts:
    """Exact and overlap counts of ``first`` against ``second`` on ``layer``."""
    shared = data.shared(first, second)
    a_doc, a_start, a_end, a_label, a_shape, a_cover = _restricted(data, layer, first, shared)
    b_doc, b_start, b_end, b_label, b_shape, b_cover = _restricted(data, layer, second, shared)
    labels = len(data.labels[layer]) + 1
    documents = len(data.doc_ids)
    matched_keys, key_label, key_doc = _exact_matches(
        np.concatenate((a_label, b_label)),
        np.concatenate((a_start, b_start)),
        np.concatenate((a_end, b_end)),
        np.concatenate((a_doc, b_doc)),
        len(a_doc),
        None if a_cover is None and b_cover is None else np.concatenate((a_shape, b_shape)),
    )
    stride = data.size + 1
    first_lane = _lanes(a_cover, a_start, a_end, a_label, stride)
    second_lane = _lanes(b_cover, b_start, b_end, b_label, stride)
    doc_spans = _count(a_doc, documents) + _count(b_doc, documents)
    doc_matched = _count(key_doc, documents, matched_keys)
    return PairCounts(
        first,
        second,
        matched=_count(key_label, labels, matched_keys),
        first_spans=_count(a_label, labels),
        second_spans=_count(b_label, labels),
        first_overlapping=_count(
            a_label[_any_piece(a_cover, _overlapping(second_lane, first_lane), len(a_doc))],
            labels,
        ),
        second_overlapping=_count(
            b_label[_any_piece(b_cover, _overlapping(first_lane, second_lane), len(b_doc))],
            labels,
        ),
        doc_spans=doc_spans,
        doc_unmatched=doc_spans - 2 * doc_matched,
    )


Cover = tuple[IntArray, IntArray, IntArray]
"""The characters spans cover, as pieces: (owner span index, start, end); None where
no span has fragments (each span covers its own extent)."""


def _restricted(
    data: AgreementData, layer: str, annotator: str, documents: BoolArray
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, Cover | None]:
    """The spans on ``documents``: doc, start, end, label, shape (0 for one piece), and
    the pieces covering their characters (None when no span has fragments)."""
    spans = data.layer_spans(layer, annotator)
    keep = documents[spans.doc] if len(spans.doc) else np.zeros(0, np.bool_)
    start, end = spans.start[keep], spans.end[keep]
    cover: Cover | None = None
    if spans.shape is None or spans.pieces is None:
        shape = np.zeros(len(start), np.int64)
    else:
        shape = spans.shape[keep]
        renumbered = np.cumsum(keep) - 1  # old span index -> index among the kept
        pieces = spans.pieces
        kept_piece = keep[pieces.owner]
        cover = (
            renumbered[pieces.owner[kept_piece]],
            pieces.start[kept_piece],
            pieces.end[kept_piece],
        )
    return spans.doc[keep], start, end, spans.label[keep], shape, cover


def _lanes(
    cover: Cover | None, start: IntArray, end: IntArray, label: IntArray, stride: int
) -> tuple[IntArray, IntArray]:
    """The pieces (or the spans, without ``cover``) in lane coordinates: label × stride
    + offset, so that only same-label spans can meet."""
    if cover is None:
        return label * stride + start, label * stride + end
    owner, piece_start, piece_end = cover
    lane = label[owner] * stride
    return lane + piece_start, lane + piece_end


def _any_piece(cover: Cover | None, hit: BoolArray, spans: int) -> BoolArray:
    """Per span: whether any of its pieces is ``hit`` (``hit`` itself without pieces)."""
    if cover is None:
        return hit
    result = np.zeros(spans, dtype=np.bool_)
    result[cover[0][hit]] = True
    return result


def _count(values: IntArray, size: int, weights: IntArray | None = None) -> IntArray:
    counted = np.bincount(values, weights=weights, minlength=size)
    return counted.astype(np.int64)


def _exact_matches(
    label: IntArray,
    start: IntArray,
    end: IntArray,
    doc: IntArray,
    first: int,
    shape: IntArray | None = None,
) -> tuple[IntArray, IntArray, IntArray]:
    """Per distinct (label, start, end, fragment set): how many spans of each side it
    matches, and the key's label and document. Spans ``[:first]`` are A's, the rest B's;
    ``shape`` tells fragment sets apart (None: no span has fragments)."""
    if not len(label):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    keys = (end, start, label) if shape is None else (shape, end, start, label)
    order = np.lexsort(keys)
    s_label, s_start, s_end = label[order], start[order], end[order]
    new = np.ones(len(order), dtype=np.bool_)
    new[1:] = (
        (s_label[1:] != s_label[:-1]) | (s_start[1:] != s_start[:-1]) | (s_end[1:] != s_end[:-1])
    )
    if shape is not None:
        s_shape = shape[order]
        new[1:] |= s_shape[1:] != s_shape[:-1]
    group = np.cumsum(new) - 1
    key_of = np.empty(len(order), dtype=np.int64)
    key_of[order] = group
    size = int(group[-1]) + 1
    from_first = np.bincount(key_of[:first], minlength=size)
    from_second = np.bincount(key_of[first:], minlength=size)
    return np.minimum(from_first, from_second), s_label[new], doc[order][new]


def _overlapping(
    reference: tuple[IntArray, IntArray], query: tuple[IntArray, IntArray]
) -> BoolArray:
    """Which query spans share a character with some reference span (lane coordinates:
    label × stride + offset, so only same-label spans can meet)."""
    ref_start, ref_end = reference
    start, end = query
    if not len(ref_start) or not len(start):
        return np.zeros(len(start), dtype=np.bool_)
    order = np.argsort(ref_start, kind="stable")
    sorted_start = ref_start[order]
    furthest_end = np.maximum.accumulate(ref_end[order])
    # Reference spans starting before the query's end: does any of them end after its start?
    before = np.searchsorted(sorted_start, end, side="left")
    hit = before > 0
    hit[hit] = furthest_end[before[hit] - 1] > start[hit]
    return hit
