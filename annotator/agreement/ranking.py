"""Documents ranked by disagreement, for the dashboard's list and the HTML report.

A document's disagreement is the share of its annotations that find no counterpart,
over every pair of its annotators: spans without an exact match in the other set, and
both answers of a pair that answered a question differently, and both decisions of a
matched claim pair that differ on claimant or stance. 0 means the annotators agree on
everything (or annotated nothing); 1 means they agree on nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from annotator.agreement.alpha import value_counts
from annotator.agreement.claims import ClaimPair
from annotator.agreement.data import AgreementData, BoolArray, IntArray
from annotator.agreement.spans import PairCounts


def rank_documents(
    data: AgreementData,
    annotators: list[str],
    scope: BoolArray,
    spans: dict[str, list[PairCounts]],
    claims: list[ClaimPair],
) -> list[dict[str, Any]]:
    """One entry per document in scope, the most disagreed first (then by id).

    Each entry: ``id``, ``annotators``, ``disagreement`` (0–1), ``f1_exact`` (spans of all
    layers and pairs pooled; None without spans), ``spans`` and ``unmatched_spans`` per
    layer that has spans, ``questions`` (only those answered differently: the answer of
    each annotator) and ``claim_disagreements``.
    """
    documents = len(data.doc_ids)
    items = np.zeros(documents, dtype=np.int64)
    disagreeing = np.zeros(documents, dtype=np.int64)
    layer_spans: dict[str, tuple[IntArray, IntArray]] = {}
    for layer, counts in spans.items():
        total = sum((c.doc_spans for c in counts), np.zeros(documents, np.int64))
        unmatched = sum((c.doc_unmatched for c in counts), np.zeros(documents, np.int64))
        layer_spans[layer] = (total, unmatched)
        items += total
        disagreeing += unmatched
    span_total, span_unmatched = items.copy(), disagreeing.copy()
    differing: dict[str, IntArray] = {}
    for question, values in data.questions.items():
        pairs, agreeing = _answer_pairs(data, question, annotators, len(values))
        items += 2 * pairs
        disagreeing += 2 * (pairs - agreeing)
        differing[question] = pairs - agreeing
    claim_disagreeing = np.zeros(documents, dtype=np.int64)
    for pair in claims:
        items += 2 * pair.doc_items
        disagreeing += 2 * pair.doc_disagreeing
        claim_disagreeing += pair.doc_disagreeing
    entries: list[dict[str, Any]] = []
    for number in np.flatnonzero(scope).tolist():
        spans_here = int(span_total[number])
        entries.append(
            {
                "id": data.doc_ids[number],
                "annotators": sorted(n for n in data.doc_annotators[number] if n in annotators),
                "disagreement": _share(int(disagreeing[number]), int(items[number])),
                "f1_exact": 1 - int(span_unmatched[number]) / spans_here if spans_here else None,
                "layers": {
                    layer: {"spans": int(t[number]), "unmatched_spans": int(u[number])}
                    for layer, (t, u) in layer_spans.items()
                    if t[number]
                },
                "questions": {
                    question: _answers_of(data, question, annotators, number)
                    for question, count in differing.items()
                    if count[number]
                },
                "claim_disagreements": int(claim_disagreeing[number]),
            }
        )
    entries.sort(key=lambda e: (-e["disagreement"], e["id"]))
    return entries


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _answer_pairs(
    data: AgreementData, question: str, annotators: list[str], values: int
) -> tuple[IntArray, IntArray]:
    """Per document: pairs of annotators who both answered, and how many agree."""
    if not annotators:
        none = np.zeros(len(data.doc_ids), dtype=np.int64)
        return none, none
    missing = np.full(len(data.doc_ids), -1, dtype=np.int64)
    columns = [data.answers[question].get(name, missing) for name in annotators]
    counts = value_counts(columns, max(values, 1)).astype(np.int64)
    answered = counts.sum(axis=1)
    return answered * (answered - 1) // 2, (counts * (counts - 1) // 2).sum(axis=1)


def _answers_of(
    data: AgreementData, question: str, annotators: list[str], number: int
) -> dict[str, str]:
    values = data.questions[question]
    answers = data.answers[question]
    return {
        name: values[int(answers[name][number])]
        for name in annotators
        if name in answers and answers[name][number] >= 0
    }


def group_copies(figures: dict[str, Any], clusters: Mapping[str, str]) -> None:
    """Mark near-copies (wire copies) in ``documents_by_disagreement``, in place.

    ``clusters``: document id -> its cluster's id. Each entry gets ``cluster`` (the id, or
    None), and a cluster's entries follow its most disagreed member, so that a lead sees
    the copies together (their agreement is one story's, counted as many times). The
    figures gain ``near_copies``: ``clusters`` and ``documents`` among the ranked entries.
    """
    entries = figures["documents_by_disagreement"]
    members: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        entry["cluster"] = clusters.get(entry["id"])
        if entry["cluster"] is not None:
            members.setdefault(entry["cluster"], []).append(entry)
    grouped: list[dict[str, Any]] = []
    shown: set[str] = set()
    for entry in entries:
        cluster = entry["cluster"]
        if cluster is None:
            grouped.append(entry)
        elif cluster not in shown:
            shown.add(cluster)
            grouped.extend(members[cluster])
    figures["documents_by_disagreement"] = grouped
    together = {c: m for c, m in members.items() if len(m) > 1}
    figures["near_copies"] = {
        "clusters": len(together),
        "documents": sum(len(m) for m in together.values()),
    }
