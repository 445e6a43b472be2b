"""What the agreement figures need, added up batch of documents after batch, so that a
corpus of any size is read once with memory bounded by the batch.

Every figure of :mod:`annotator.agreement.report` is a function of sums over documents:
span counts per label (:class:`~annotator.agreement.spans.PairCounts`), token pair tables
(:data:`~annotator.agreement.alpha.PairTable`), label support, the decisions of matched
claims (:class:`~annotator.agreement.claims.ClaimPair`), and per document answers and
disagreement counts. :meth:`Tally.add` computes them on one batch's
:class:`~annotator.agreement.data.AgreementData` with the same functions as before, and
keeps only them; :meth:`Tally.totals` puts the batches together. Integer sums and arrays
laid end to end are exact, so the figures are the same whatever the batches (a test
checks it).

A pair of annotators is tallied in every batch where both appear; a pair that never
shares a document gets zeros, as it would over the whole corpus. Per-document values are
kept with the position of their batch and laid out over all documents at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from annotator.agreement.alpha import PairTable, outside_spans, pair_tables, token_labels
from annotator.agreement.claims import ClaimPair, claim_pair
from annotator.agreement.data import AgreementData, BoolArray, IntArray
from annotator.agreement.spans import PairCounts, pair_counts

Pair = tuple[str, str]
A = TypeVar("A", bound=np.generic)


@dataclass(slots=True)
class _PerDocument:
    """Per-document arrays of the batches, each at the position of its first document."""

    parts: list[tuple[int, NDArray[np.generic]]] = field(default_factory=list)

    def add(self, offset: int, values: NDArray[np.generic]) -> None:
        self.parts.append((offset, values))

    def whole(self, documents: int, dtype: type[np.generic], missing: int | bool) -> NDArray[A]:
        """The values over all ``documents`` (``missing`` where a batch had none)."""
        result = np.full(documents, missing, dtype=dtype)
        for offset, values in self.parts:
            result[offset : offset + len(values)] = values
        return result


@dataclass(slots=True)
class Totals:
    """The tally put together: the inputs of :func:`annotator.agreement.report.report_from`.

    Attributes:
        documents: the documents of every batch, without their spans (doc ids,
            annotators, answers and who annotated what: what questions and the ranking
            read), as one :class:`AgreementData`.
        annotators: the non-gold annotators with a document in scope, sorted.
        scope: the documents with two or more non-gold annotation sets.
        span_counts: per layer, per pair of :attr:`annotators`, their span counts.
        tables: per layer, per pair, its token pair table.
        support: per layer, per label code, the annotators' spans on documents in scope.
        claims: per pair, their matched claims (empty without a claim layer).
        gold_counts: per (annotator, layer), their span counts against gold.
        gold_claims: per annotator, their claims matched against gold's.
    """

    documents: AgreementData
    annotators: list[str]
    scope: BoolArray
    span_counts: dict[str, list[PairCounts]]
    tables: dict[str, dict[Pair, PairTable]]
    support: dict[str, IntArray]
    claims: list[ClaimPair]
    gold_counts: dict[tuple[str, str], PairCounts]
    gold_claims: dict[str, ClaimPair]


class Tally:
    """Sums of one corpus's batches (see the module docstring)."""

    def __init__(self, gold: str) -> None:
        self.gold = gold
        self.count = 0  # documents so far
        self.doc_ids: list[str] = []
        self.doc_annotators: list[list[str]] = []
        self.has_set: dict[str, _PerDocument] = {}
        self.answers: dict[str, dict[str, _PerDocument]] = {}
        self.in_scope = _PerDocument()
        self.last: AgreementData = AgreementData()
        self.span_counts: dict[tuple[str, Pair], list[tuple[int, PairCounts]]] = {}
        self.tables: dict[tuple[str, Pair], PairTable] = {}
        self.support: dict[str, IntArray] = {}
        self.claims: dict[Pair, list[tuple[int, ClaimPair]]] = {}
        self.gold_counts: dict[tuple[str, str], list[tuple[int, PairCounts]]] = {}
        self.gold_claims: dict[str, list[tuple[int, ClaimPair]]] = {}

    def add(self, data: AgreementData) -> None:
        """Tally one batch of documents (then ``data`` may be dropped)."""
        offset = self.count
        self.count += len(data.doc_ids)
        self.last = data  # its labels, questions and stances are the latest codes
        self.doc_ids += data.doc_ids
        self.doc_annotators += data.doc_annotators
        for name, has in data.has_set.items():
            self.has_set.setdefault(name, _PerDocument()).add(offset, has)
        for question, columns in data.answers.items():
            for name, codes in columns.items():
                self.answers.setdefault(question, {}).setdefault(name, _PerDocument()).add(
                    offset, codes
                )
        scope = _scope(data, self.gold)
        self.in_scope.add(offset, scope)
        names = [n for n in data.annotators if n != self.gold]
        self._spans(data, offset, names, scope)
        if data.claim_layer:
            for first, second in combinations(names, 2):
                pair = claim_pair(data, first, second)
                self.claims.setdefault((first, second), []).append((offset, pair))
        self._gold(data, offset)

    def _spans(self, data: AgreementData, offset: int, names: list[str], scope: BoolArray) -> None:
        """Span counts, token tables and support of every layer, for every pair."""
        pairs = list(combinations(names, 2))
        coders = np.zeros(len(data.doc_ids), dtype=np.int64)
        for name in names:
            coders += data.has_set[name]
        token_coders = data.per_token(coders)
        outside = {name: outside_spans(data, name) for name in names}
        for layer, labels in data.labels.items():
            for first, second in pairs:
                counts = pair_counts(data, layer, first, second)
                self.span_counts.setdefault((layer, (first, second)), []).append((offset, counts))
            support = _support(data, layer, names, scope)
            self.support[layer] = _sum(self.support.get(layer), support)
            if support.any():
                tokens = {name: token_labels(data, layer, name, outside[name]) for name in names}
                tables = pair_tables(tokens, token_coders, len(labels) + 1)
            else:  # nobody used the layer: every shared token is O for both
                tables = _outside_only(data, pairs, coders, len(labels) + 1)
            for pair, table in tables.items():
                self.tables[(layer, pair)] = _sum(self.tables.get((layer, pair)), table)

    def _gold(self, data: AgreementData, offset: int) -> None:
        if self.gold not in data.has_set:
            return
        for name in data.annotators:
            if name == self.gold or not data.shared(name, self.gold).any():
                continue
            for layer in data.labels:
                counts = pair_counts(data, layer, name, self.gold)
                self.gold_counts.setdefault((name, layer), []).append((offset, counts))
            if data.claim_layer:
                pair = claim_pair(data, name, self.gold)
                self.gold_claims.setdefault(name, []).append((offset, pair))

    def totals(self) -> Totals:
        """Every batch put together."""
        count = self.count
        last = self.last
        documents = AgreementData(
            doc_ids=self.doc_ids,
            doc_annotators=self.doc_annotators,
            annotators=sorted(self.has_set),
            has_set={n: h.whole(count, np.bool_, False) for n, h in self.has_set.items()},
            labels=last.labels,
            questions=last.questions,
            answers={
                question: {
                    name: codes.whole(count, np.int64, -1)
                    for name, codes in self.answers.get(question, {}).items()
                }
                for question in last.questions
            },
            claim_layer=last.claim_layer,
            stances=last.stances,
        )
        scope: BoolArray = self.in_scope.whole(count, np.bool_, False)
        annotators = [
            n
            for n in documents.annotators
            if n != self.gold and bool((documents.has_set[n] & scope).any())
        ]
        pairs = list(combinations(annotators, 2))
        span_counts = {
            layer: [
                _merge_counts(self.span_counts.get((layer, pair), []), pair, labels, count)
                for pair in pairs
            ]
            for layer, labels in last.labels.items()
        }
        tables = {
            layer: {pair: self._table(layer, pair, len(labels) + 1) for pair in pairs}
            for layer, labels in last.labels.items()
        }
        support = {
            layer: _padded(self.support.get(layer, np.zeros(0, np.int64)), len(labels) + 1)
            for layer, labels in last.labels.items()
        }
        claims = (
            [_merge_claims(self.claims.get(pair, []), pair, count) for pair in pairs]
            if last.claim_layer
            else []
        )
        gold_counts = {
            (name, layer): _merge_counts(parts, (name, self.gold), last.labels[layer], count)
            for (name, layer), parts in self.gold_counts.items()
        }
        gold_claims = {
            name: _merge_claims(parts, (name, self.gold), count)
            for name, parts in self.gold_claims.items()
        }
        return Totals(
            documents, annotators, scope, span_counts, tables, support, claims, gold_counts,
            gold_claims,
        )  # fmt: skip

    def _table(self, layer: str, pair: Pair, values: int) -> PairTable:
        table = self.tables.get((layer, pair))
        if table is None:
            return np.zeros((1, values, values), dtype=np.int64)
        return _padded_table(table, len(table), values)


def _scope(data: AgreementData, gold: str) -> BoolArray:
    """Documents with two or more non-gold annotation sets."""
    annotated = np.zeros(len(data.doc_ids), dtype=np.int64)
    for name, has in data.has_set.items():
        if name != gold:
            annotated += has
    return annotated >= 2


def _support(data: AgreementData, layer: str, annotators: list[str], scope: BoolArray) -> IntArray:
    """Per label code: the spans the annotators gave it on the documents in scope."""
    total = np.zeros(len(data.labels[layer]) + 1, dtype=np.int64)
    for name in annotators:
        spans = data.layer_spans(layer, name)
        total += np.bincount(spans.label[scope[spans.doc]], minlength=len(total))
    return total


def _outside_only(
    data: AgreementData, pairs: list[Pair], coders: IntArray, values: int
) -> dict[Pair, PairTable]:
    """The pair tables of a layer without spans: shared tokens counted as (O, O)."""
    most = int(coders.max()) if len(coders) else 0
    tables = {}
    for first, second in pairs:
        shared = data.shared(first, second)
        tokens = np.bincount(coders[shared], weights=data.token_counts[shared], minlength=most + 1)
        table = np.zeros((most + 1, values, values), dtype=np.int64)
        table[:, 0, 0] = tokens.astype(np.int64)
        tables[(first, second)] = table
    return tables


def _padded(values: IntArray, size: int) -> IntArray:
    """``values`` followed by zeros up to ``size`` (labels first seen in a later batch)."""
    if len(values) >= size:
        return values
    return np.concatenate((values, np.zeros(size - len(values), dtype=values.dtype)))


def _padded_table(table: PairTable, coders: int, values: int) -> PairTable:
    """``table`` grown with zeros to ``coders`` × ``values`` × ``values``."""
    if table.shape == (coders, values, values):
        return table
    grown = np.zeros((coders, values, values), dtype=np.int64)
    grown[: table.shape[0], : table.shape[1], : table.shape[2]] = table
    return grown


def _sum(total: NDArray[np.int64] | None, part: NDArray[np.int64]) -> NDArray[np.int64]:
    """``total + part``, the smaller grown with zeros to the shape of the larger."""
    if total is None:
        return part.copy()
    if part.ndim == 1:
        size = max(len(total), len(part))
        return _padded(total, size) + _padded(part, size)
    coders = max(total.shape[0], part.shape[0])
    values = max(total.shape[1], part.shape[1])
    return _padded_table(total, coders, values) + _padded_table(part, coders, values)


def _labelled(
    parts: Sequence[PairCounts], get: Callable[[PairCounts], IntArray], size: int
) -> IntArray:
    return sum((_padded(get(p), size) for p in parts), np.zeros(size, np.int64))


def _laid_out(parts: Sequence[tuple[int, NDArray[np.generic]]], documents: int) -> IntArray:
    whole = _PerDocument(list(parts))
    result: IntArray = whole.whole(documents, np.int64, 0)
    return result


def _merge_counts(
    parts: Sequence[tuple[int, PairCounts]], pair: Pair, labels: Sequence[str], documents: int
) -> PairCounts:
    """One pair's counts over every batch (zeros where they never met)."""
    size = len(labels) + 1
    counts = [c for _, c in parts]
    return PairCounts(
        pair[0],
        pair[1],
        matched=_labelled(counts, lambda c: c.matched, size),
        first_spans=_labelled(counts, lambda c: c.first_spans, size),
        second_spans=_labelled(counts, lambda c: c.second_spans, size),
        first_overlapping=_labelled(counts, lambda c: c.first_overlapping, size),
        second_overlapping=_labelled(counts, lambda c: c.second_overlapping, size),
        doc_spans=_laid_out([(o, c.doc_spans) for o, c in parts], documents),
        doc_unmatched=_laid_out([(o, c.doc_unmatched) for o, c in parts], documents),
    )


def _merge_claims(parts: Sequence[tuple[int, ClaimPair]], pair: Pair, documents: int) -> ClaimPair:
    """One pair's matched claims over every batch (none where they never met)."""
    claims = [c for _, c in parts]

    def joined(get: Callable[[ClaimPair], NDArray[A]], dtype: type[A]) -> NDArray[A]:
        return np.concatenate([get(c) for c in claims] or [np.zeros(0, dtype)])

    return ClaimPair(
        pair[0],
        pair[1],
        claims=sum(c.claims for c in claims),
        matched=sum(c.matched for c in claims),
        claimant_agreeing=joined(lambda c: c.claimant_agreeing, np.bool_),
        stance_first=joined(lambda c: c.stance_first, np.int64),
        stance_second=joined(lambda c: c.stance_second, np.int64),
        doc_items=_laid_out([(o, c.doc_items) for o, c in parts], documents),
        doc_disagreeing=_laid_out([(o, c.doc_disagreeing) for o, c in parts], documents),
        cue_agreeing=joined(lambda c: c.cue_agreeing, np.bool_),
        frame_agreeing=joined(lambda c: c.frame_agreeing, np.bool_),
    )
