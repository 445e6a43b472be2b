"""Agreement on claims (DESIGN §8): claimant and stance, over claims matched by overlap.

For a pair (A, B), on each document both annotated, claims (spans of the claim layer)
are matched one to one, greedily by largest overlap: every pair of an A claim and a B
claim sharing characters is a candidate; the candidate with the most shared characters
is matched first (ties: earlier A claim, then earlier B claim) and its two claims leave
the pool, until no candidate is left.

On matched claims:

- **claimant**: the decision is the claimant span (a CLAIMANT link) or "unattributed"
  (the attribution attribute); two claimant spans agree when they share a character,
  two "unattributed" agree, a span and "unattributed" disagree. Pairs where either
  claim has no decision yet are left out.
- **stance**: agree when equal; pairs where either claim has no stance are left out.

Agreement is the share of agreeing decision pairs, pooled over annotator pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.agreement.data import AgreementData, BoolArray, ClaimArrays, IntArray


@dataclass(frozen=True, slots=True)
class ClaimPair:
    """One pair's matched claims and their decisions."""

    first: str
    second: str
    claims: int
    """Claims of either annotator on the documents both annotated."""
    matched: int
    claimant_agreeing: BoolArray
    """Per matched pair where both decided on a claimant: whether they agree."""
    stance_first: IntArray
    """Stance codes of the matched pairs where both gave a stance (A's, then B's)."""
    stance_second: IntArray
    doc_items: IntArray
    """Per document: decision pairs compared (claimant and stance)."""
    doc_disagreeing: IntArray

    @property
    def claimant_agreement(self) -> float | None:
        items = len(self.claimant_agreeing)
        return int(self.claimant_agreeing.sum()) / items if items else None

    @property
    def stance_agreement(self) -> float | None:
        items = len(self.stance_first)
        return int((self.stance_first == self.stance_second).sum()) / items if items else None


def claim_pair(data: AgreementData, first: str, second: str) -> ClaimPair:
    """Match ``first``'s and ``second``'s claims and compare their decisions."""
    shared = data.shared(first, second)
    a = _restricted(data.claims.get(first), shared)
    b = _restricted(data.claims.get(second), shared)
    pick_a, pick_b = match_claims(a, b)
    a_span, b_span = a.claimant_start[pick_a] >= 0, b.claimant_start[pick_b] >= 0
    a_unattributed = ~a_span & a.unattributed[pick_a]
    b_unattributed = ~b_span & b.unattributed[pick_b]
    decided = (a_span | a_unattributed) & (b_span | b_unattributed)
    meet = (a.claimant_start[pick_a] < b.claimant_end[pick_b]) & (
        b.claimant_start[pick_b] < a.claimant_end[pick_a]
    )
    agree = (a_unattributed & b_unattributed) | (a_span & b_span & meet)
    stanced = (a.stance[pick_a] >= 0) & (b.stance[pick_b] >= 0)
    stance_agree = a.stance[pick_a] == b.stance[pick_b]
    documents = len(data.doc_ids)
    doc = a.doc[pick_a]
    items = np.bincount(doc[decided], minlength=documents)
    items += np.bincount(doc[stanced], minlength=documents)
    disagreeing = np.bincount(doc[decided & ~agree], minlength=documents)
    disagreeing += np.bincount(doc[stanced & ~stance_agree], minlength=documents)
    return ClaimPair(
        first,
        second,
        claims=len(a.doc) + len(b.doc),
        matched=len(pick_a),
        claimant_agreeing=agree[decided],
        stance_first=a.stance[pick_a][stanced],
        stance_second=b.stance[pick_b][stanced],
        doc_items=items.astype(np.int64),
        doc_disagreeing=disagreeing.astype(np.int64),
    )


def match_claims(a: ClaimArrays, b: ClaimArrays) -> tuple[IntArray, IntArray]:
    """Indices of the matched claims of ``a`` and ``b`` (greedy by largest overlap)."""
    by_doc = np.argsort(b.doc, kind="stable")
    b_docs = b.doc[by_doc]
    low = np.searchsorted(b_docs, a.doc, side="left")
    counts = np.searchsorted(b_docs, a.doc, side="right") - low
    first = np.repeat(np.arange(len(a.doc)), counts)
    offsets = np.cumsum(counts) - counts
    second = by_doc[np.repeat(low, counts) + np.arange(counts.sum()) - np.repeat(offsets, counts)]
    overlap = np.minimum(a.end[first], b.end[second]) - np.maximum(a.start[first], b.start[second])
    keep = overlap > 0
    first, second, overlap = first[keep], second[keep], overlap[keep]
    order = np.lexsort((b.start[second], a.start[first], -overlap))
    return _greedy(first[order], second[order], len(a.doc), len(b.doc))


def _greedy(
    first: IntArray, second: IntArray, firsts: int, seconds: int
) -> tuple[IntArray, IntArray]:
    """The greedy matching of candidates given best first, in rounds.

    A candidate that is the best remaining one of both its claims is what the greedy
    walk would take when it reaches it (everything before it involves other claims), so
    each round takes all such candidates at once and drops those they exclude. Usually
    one or two rounds; the result is the greedy matching exactly.
    """
    picked_first, picked_second = [], []
    alive = np.arange(len(first))
    while len(alive):
        a, b = first[alive], second[alive]
        best = np.zeros(len(alive), dtype=np.bool_)
        best[np.unique(a, return_index=True)[1]] = True
        best_b = np.zeros(len(alive), dtype=np.bool_)
        best_b[np.unique(b, return_index=True)[1]] = True
        best &= best_b
        picked_first.append(a[best])
        picked_second.append(b[best])
        used_a, used_b = np.zeros(firsts, np.bool_), np.zeros(seconds, np.bool_)
        used_a[a[best]] = True
        used_b[b[best]] = True
        alive = alive[~(used_a[a] | used_b[b])]
    if not picked_first:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(picked_first), np.concatenate(picked_second)


def _restricted(claims: ClaimArrays | None, documents: BoolArray) -> ClaimArrays:
    if claims is None:
        empty = np.zeros(0, np.int64)
        return ClaimArrays(empty, empty, empty, empty, empty, np.zeros(0, np.bool_), empty)
    keep = documents[claims.doc]
    return ClaimArrays(
        claims.doc[keep],
        claims.start[keep],
        claims.end[keep],
        claims.claimant_start[keep],
        claims.claimant_end[keep],
        claims.unattributed[keep],
        claims.stance[keep],
    )
