"""Krippendorff's α (nominal), and the token labels it is computed over for span layers.

α follows Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011): the
coincidence matrix ``o`` sums, over units with ``m ≥ 2`` values, every ordered pair of
values given by two different coders, weighted ``1/(m-1)``; then
``α = 1 - (n-1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k`` with ``n_c = Σ_k o_ck``.

Here ``o`` is assembled from one table per pair of coders: how many units they coded
(a, b), split by the unit's number of coders ``m`` (:func:`pair_tables`). The same tables
summed over ``m`` are the label confusion matrices of the report, so the span layers get
both from one ``bincount`` per pair. The ``krippendorff`` package computes α from a
units × values × values array instead, which for 3.8 million tokens needs gigabytes; the
tests check the two agree. Questions, one unit per document, use the package itself
(:func:`annotator.agreement.questions.krippendorff_alpha`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from annotator.agreement.data import AgreementData, IntArray

PairTable = NDArray[np.int64]
"""Counts ``[m, a, b]``: units with ``m`` coders that one coder coded a, the other b."""


def pair_tables(
    codes: Mapping[str, IntArray], coders: IntArray, values: int
) -> dict[tuple[str, str], PairTable]:
    """The :data:`PairTable` of every pair of coders (in the order of ``codes``).

    Args:
        codes: per coder, a value code per unit, below ``values`` (-1: missing).
        coders: per unit, how many coders coded it.
        values: the number of distinct values.
    """
    side = values + 1  # code + 1, so that 0 stands for "missing"
    most = int(coders.max()) if len(coders) else 0
    offset = coders * (side * side) + (side + 1)  # the m index, and the +1 of both codes
    tables = {}
    for first, second in combinations(codes, 2):
        key = codes[first] * side
        key += codes[second]
        key += offset
        counts = np.bincount(key, minlength=(most + 1) * side * side)
        tables[(first, second)] = counts.reshape(most + 1, side, side)[:, 1:, 1:]
    return tables


def alpha_from_tables(tables: Sequence[PairTable]) -> float | None:
    """Nominal α from the :func:`pair_tables` of every pair of coders (None if undefined:
    no unit coded twice, or a single value used)."""
    if not tables:
        return None
    values = tables[0].shape[1]
    half = np.zeros((values, values))
    for table in tables:
        weights = 1.0 / np.maximum(np.arange(len(table)) - 1, 1)  # m < 2 never has a pair
        half += (table * weights[:, None, None]).sum(axis=0)  # no BLAS: its threads spin
    coincidences = half + half.T
    per_value = coincidences.sum(axis=0)
    total = per_value.sum()
    observed = coincidences.sum() - np.trace(coincidences)
    expected = total**2 - (per_value**2).sum()
    if total <= 1 or expected <= 0:
        return None
    return float(1.0 - (total - 1) * observed / expected)


def nominal_alpha(codes: Sequence[IntArray], values: int) -> float | None:
    """Nominal α from each coder's value code per unit (-1: missing), codes < ``values``."""
    if len(codes) < 2:
        return None
    coders = np.sum([coder >= 0 for coder in codes], axis=0)
    tables = pair_tables({str(i): coder for i, coder in enumerate(codes)}, coders, values)
    return alpha_from_tables(list(tables.values()))


def value_counts(codes: Sequence[IntArray], values: int) -> NDArray[np.int32]:
    """Units × values counts from each coder's value code per unit (-1: missing)."""
    units = len(codes[0]) if codes else 0
    counts = np.zeros(units * values, dtype=np.int64)
    for coder in codes:
        given = coder >= 0
        counts += np.bincount(
            np.flatnonzero(given) * values + coder[given], minlength=units * values
        )
    return counts.reshape(units, values).astype(np.int32)


def token_labels(
    data: AgreementData, layer: str, annotator: str, outside: IntArray | None = None
) -> IntArray:
    """The label code of every token for one annotator: 0 outside spans, -1 where the
    annotator has no set on the token's document.

    A token takes the label of the span covering its first character (a discontinuous
    span covers the characters of its fragments, not the gap). In a layer whose
    spans may overlap, the span starting last wins (then the shortest, then the label
    defined last in the scheme): the innermost span is the most specific.

    ``outside`` is :func:`outside_spans` of the annotator, when the caller has it already.
    """
    count = len(data.token_starts)
    base = outside_spans(data, annotator) if outside is None else outside
    spans = data.layer_spans(layer, annotator)
    if not len(spans.start):
        return base.copy()
    start, end, label = spans.start, spans.end, spans.label
    first, stop = spans.first_token, spans.stop_token
    if spans.pieces is not None:  # discontinuous spans label the tokens of their pieces
        pieces = spans.pieces
        start, end, label = pieces.start, pieces.end, label[pieces.owner]
        first, stop = pieces.first_token, pieces.stop_token
    order = np.lexsort((label, -end, start))
    first, stop = first[order], stop[order]
    label = label[order]
    covered = stop > first
    if not np.any(first[covered][1:] < stop[covered][:-1]):
        # Token ranges are disjoint: each span adds its label from its first token on and
        # takes it away after its last one.
        steps = np.zeros(count + 1, dtype=np.int64)
        steps[first[covered]] = label[covered]  # each index once: the ranges are disjoint
        steps[stop[covered]] -= label[covered]
        labels = np.cumsum(steps[:count])
        labels += base
        return labels
    # Spans share tokens (a layer that allows overlaps): per token, keep the span that
    # comes last in priority order.
    lengths = np.where(covered, stop - first, 0)
    rank = np.repeat(np.arange(len(lengths)), lengths)
    offsets = np.cumsum(lengths) - lengths
    tokens = np.repeat(first - offsets, lengths) + np.arange(int(lengths.sum()))
    by_token = np.lexsort((rank, tokens))
    tokens, rank = tokens[by_token], rank[by_token]
    last = np.append(tokens[1:] != tokens[:-1], True)
    labels = base.copy()
    labels[tokens[last]] = label[rank[last]]
    return labels


def outside_spans(data: AgreementData, annotator: str) -> IntArray:
    """Per token: 0 where the annotator has a set on the document, -1 elsewhere."""
    return data.per_token(np.where(data.has_set[annotator], 0, -1))
