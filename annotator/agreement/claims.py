"""Agreement on claims (DESIGN §8): the whole claim frame, over claims matched by overlap.

For a pair (A, B), on each document both annotated, claims (spans of the claim layer)
are matched one to one, greedily: every pair of an A claim and a B claim sharing
characters (of its fragments, for a claim cut by its attribution) is a candidate;
identical claims (same start, end, fragments and label) are matched
first, then the candidates with the most shared characters; remaining ties are broken by
the A claim's start, end and label, then the B claim's (then by their stance, claimant
and cue), never by the order the spans are stored in. Each match takes its two claims
out of the pool, until no candidate is left.

On matched claims:

- **claimant**: the decision is the claimant span (a CLAIMANT link) or "unattributed"
  (the attribution attribute); two claimant spans agree when they share a character,
  two "unattributed" agree, a span and "unattributed" disagree. Pairs where either
  claim has no decision yet are left out.
- **cue**: the claim's CUE link; two cue spans agree when they share a character. Pairs
  where neither claim has a cue are left out (a cue is optional); a cue on one side
  only is a disagreement.
- **stance**: agree when equal; pairs where either claim has no stance are left out.
- **frame**: the share of matched pairs whose claimant, cue and stance all agree; here
  every matched pair counts, and "none" is a decision like any other (two claims
  without a cue agree on the cue, a claim with a stance and one without do not).

Agreement is the share of agreeing decision pairs, pooled over annotator pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.agreement.data import AgreementData, BoolArray, ClaimArrays, IntArray
from annotator.core.model import Fragments


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
    cue_agreeing: BoolArray
    """Per matched pair where either claim has a cue: whether they agree."""
    frame_agreeing: BoolArray
    """Per matched pair: whether claimant, cue and stance all agree."""

    @property
    def claimant_agreement(self) -> float | None:
        return _share(self.claimant_agreeing)

    @property
    def stance_agreement(self) -> float | None:
        items = len(self.stance_first)
        return int((self.stance_first == self.stance_second).sum()) / items if items else None

    @property
    def cue_agreement(self) -> float | None:
        return _share(self.cue_agreeing)

    @property
    def frame_agreement(self) -> float | None:
        return _share(self.frame_agreeing)


def _share(agreeing: BoolArray) -> float | None:
    return int(agreeing.sum()) / len(agreeing) if len(agreeing) else None


def _meet(start_a: IntArray, end_a: IntArray, start_b: IntArray, end_b: IntArray) -> BoolArray:
    """Whether two spans (both present) share a character."""
    return (start_a >= 0) & (start_b >= 0) & (start_a < end_b) & (start_b < end_a)


def claim_pair(data: AgreementData, first: str, second: str) -> ClaimPair:
    """Match ``first``'s and ``second``'s claims and compare their decisions."""
    shared = data.shared(first, second)
    a_all = _restricted(data.claims.get(first), shared)
    b_all = _restricted(data.claims.get(second), shared)
    pick_a, pick_b = match_claims(a_all, b_all, data.shapes)
    a, b = a_all.select(pick_a), b_all.select(pick_b)
    a_span, b_span = a.claimant_start >= 0, b.claimant_start >= 0
    a_unattributed = ~a_span & a.unattributed
    b_unattributed = ~b_span & b.unattributed
    decided = (a_span | a_unattributed) & (b_span | b_unattributed)
    meet = _meet(a.claimant_start, a.claimant_end, b.claimant_start, b.claimant_end)
    agree = (a_unattributed & b_unattributed) | (a_span & b_span & meet)
    stanced = (a.stance >= 0) & (b.stance >= 0)
    stance_agree = a.stance == b.stance
    a_cue, b_cue = a.cue_start >= 0, b.cue_start >= 0
    cue_meet = _meet(a.cue_start, a.cue_end, b.cue_start, b.cue_end)
    cue_compared = a_cue | b_cue
    undecided = ~(a_span | a_unattributed) & ~(b_span | b_unattributed)
    frame = (agree | undecided) & (cue_meet | ~cue_compared) & stance_agree
    documents = len(data.doc_ids)
    doc = a.doc
    items = np.bincount(doc[decided], minlength=documents)
    items += np.bincount(doc[stanced], minlength=documents)
    disagreeing = np.bincount(doc[decided & ~agree], minlength=documents)
    disagreeing += np.bincount(doc[stanced & ~stance_agree], minlength=documents)
    return ClaimPair(
        first,
        second,
        claims=len(a_all.doc) + len(b_all.doc),
        matched=len(pick_a),
        claimant_agreeing=agree[decided],
        stance_first=a.stance[stanced],
        stance_second=b.stance[stanced],
        doc_items=items.astype(np.int64),
        doc_disagreeing=disagreeing.astype(np.int64),
        cue_agreeing=cue_meet[cue_compared],
        frame_agreeing=frame,
    )


def match_claims(
    a: ClaimArrays, b: ClaimArrays, shapes: Sequence[Fragments] = ()
) -> tuple[IntArray, IntArray]:
    """Indices of the matched claims of ``a`` and ``b`` (see the module docstring);
    ``shapes`` are the fragment sets the claims' ``shape`` codes name."""
    by_doc = np.argsort(b.doc, kind="stable")
    b_docs = b.doc[by_doc]
    low = np.searchsorted(b_docs, a.doc, side="left")
    counts = np.searchsorted(b_docs, a.doc, side="right") - low
    first = np.repeat(np.arange(len(a.doc)), counts)
    offsets = np.cumsum(counts) - counts
    second = by_doc[np.repeat(low, counts) + np.arange(counts.sum()) - np.repeat(offsets, counts)]
    overlap = np.minimum(a.end[first], b.end[second]) - np.maximum(a.start[first], b.start[second])
    pieced = a.shape is not None or b.shape is not None
    if pieced:  # a discontinuous claim shares only the characters of its pieces
        a_shape = a.shape[first] if a.shape is not None else np.zeros(len(first), np.int64)
        b_shape = b.shape[second] if b.shape is not None else np.zeros(len(second), np.int64)
        either = np.flatnonzero((a_shape > 0) | (b_shape > 0))
        overlap[either] = [
            _shared(_pieces(a, int(i), shapes), _pieces(b, int(j), shapes))
            for i, j in zip(first[either], second[either], strict=True)
        ]
    keep = overlap > 0
    first, second, overlap = first[keep], second[keep], overlap[keep]
    identical = (
        (a.start[first] == b.start[second])
        & (a.end[first] == b.end[second])
        & (a.label[first] == b.label[second])
    )
    if pieced:
        identical &= a_shape[keep] == b_shape[keep]
    # np.lexsort sorts by the last key first: identical, overlap, then A's and B's claims.
    order = np.lexsort(
        (
            *_content_keys(b, second),
            *_content_keys(a, first),
            -overlap,
            ~identical,
        )
    )
    return _greedy(first[order], second[order], len(a.doc), len(b.doc))


def _pieces(claims: ClaimArrays, index: int, shapes: Sequence[Fragments]) -> Fragments:
    code = 0 if claims.shape is None else int(claims.shape[index])
    if code:
        return shapes[code]
    return ((int(claims.start[index]), int(claims.end[index])),)


def _shared(a: Fragments, b: Fragments) -> int:
    """How many characters two sets of pieces both cover."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _content_keys(claims: ClaimArrays, index: IntArray) -> tuple[IntArray, ...]:
    """Sort keys of the claims at ``index``, least significant first: everything the
    comparison reads, so that two claims in the same place differ only when they differ."""
    return (
        claims.cue_end[index],
        claims.cue_start[index],
        claims.unattributed[index].astype(np.int64),
        claims.claimant_end[index],
        claims.claimant_start[index],
        claims.stance[index],
        claims.label[index],
        claims.end[index],
        claims.start[index],
    )


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
        return ClaimArrays.empty()
    return claims.select(documents[claims.doc])
