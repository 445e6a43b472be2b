"""Agreement on the actor of matched claims (issue 23): not only whether two annotators
chose overlapping claimant spans, but whether they linked them to the same actor of the
registry.

Claims are matched per annotator pair and document exactly as for the other claim
figures (:func:`annotator.agreement.claims.match_claims`). A matched pair is compared
when both claims have a claimant span and at least one of the two is linked to an
actor; they agree when both are linked to the same actor (after the lead's merges). A
link on one side only is a disagreement; two unlinked claimants are left out (nobody
decided). Agreement is the share of agreeing pairs, pooled over annotator pairs.

This reads the documents themselves (those with links), apart from
:class:`~annotator.agreement.data.AgreementData`, and adds its keys to the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.claims import match_claims
from annotator.agreement.data import CLAIMANT, CUE, STANCE, ClaimArrays, takes_part
from annotator.agreement.report import pair_key
from annotator.core.actors import Actor, resolve
from annotator.core.model import AnnotationSet, Document
from annotator.core.scheme import Scheme


def _claims(
    aset: AnnotationSet, layer: str, labels: list[str], stances: list[str]
) -> tuple[ClaimArrays, list[str | None]]:
    """One set's claims on one document as arrays, and each claimant's actor id."""
    spans = {s.id: s for s in aset.spans}
    claimant_of: dict[str, str] = {}
    cue_of: dict[str, str] = {}
    for relation in aset.relations:
        if relation.label == CLAIMANT:
            claimant_of.setdefault(relation.head, relation.child)
        elif relation.label == CUE:
            cue_of.setdefault(relation.head, relation.child)
    claims = [s for s in aset.spans if s.layer == layer and not s.suggested]
    columns: list[list[int]] = [[] for _ in range(9)]
    unattributed: list[bool] = []
    actors: list[str | None] = []
    for claim in claims:
        claimant = spans.get(claimant_of.get(claim.id, ""))
        cue = spans.get(cue_of.get(claim.id, ""))
        stance = claim.attrs.get(STANCE)
        values = (
            claim.start, claim.end,
            claimant.start if claimant else -1, claimant.end if claimant else -1,
            stances.index(stance) if stance in stances else -1,
            labels.index(claim.label) + 1 if claim.label in labels else 0,
            cue.start if cue else -1, cue.end if cue else -1, 0,
        )  # fmt: skip
        for column, value in zip(columns, values, strict=True):
            column.append(value)
        unattributed.append(claim.attrs.get("attribution") == "UNATTRIBUTED")
        actors.append(aset.actor_links.get(claimant.id) if claimant else None)
    ints = [np.asarray(c, dtype=np.int64) for c in columns]
    arrays = ClaimArrays(
        ints[8], ints[0], ints[1], ints[2], ints[3],
        np.asarray(unattributed, dtype=np.bool_), ints[4], ints[5], ints[6], ints[7],
    )  # fmt: skip
    return arrays, actors


def actor_agreement(
    documents: Iterable[Document],
    scheme: Scheme,
    claim_layer: str | None,
    annotators: list[str],
    registry: Mapping[str, Actor],
) -> dict[str, Any]:
    """``{"actor_items", "actor_agreement", "pairs": {"a|b": {"actor_items",
    "actor_agreement"}}}`` over the pairs of ``annotators`` (null where nothing was
    compared)."""
    layer = scheme.layer(claim_layer) if claim_layer else None
    counts = {pair_key(a, b): [0, 0] for a, b in combinations(annotators, 2)}
    if layer is not None:
        labels = [label.name for label in layer.labels]
        attribute = layer.attribute(STANCE)
        stances = list(attribute.values) if attribute else []
        for doc in documents:
            sets = {
                s.annotator: s
                for s in doc.annotations
                if s.annotator in annotators and takes_part(s)
            }
            for first, second in combinations(annotators, 2):
                if first in sets and second in sets:
                    counted = _compare(sets[first], sets[second], layer.name, labels, stances)
                    totals = counts[pair_key(first, second)]
                    totals[0] += counted[0]
                    totals[1] += counted[1]
    items = sum(c[0] for c in counts.values())
    agreeing = sum(c[1] for c in counts.values())
    return {
        "actor_items": items,
        "actor_agreement": agreeing / items if items else None,
        "pairs": {
            key: {"actor_items": n, "actor_agreement": agree / n if n else None}
            for key, (n, agree) in counts.items()
        },
    }


def _compare(
    first: AnnotationSet, second: AnnotationSet, layer: str, labels: list[str], stances: list[str]
) -> tuple[int, int]:
    """(pairs compared, pairs agreeing) on one document."""
    if not (first.actor_links or second.actor_links):
        return 0, 0
    a, a_actors = _claims(first, layer, labels, stances)
    b, b_actors = _claims(second, layer, labels, stances)
    compared = agreeing = 0
    for i, j in zip(*match_claims(a, b), strict=True):
        if a.claimant_start[i] < 0 or b.claimant_start[j] < 0:
            continue
        mine, theirs = a_actors[int(i)], b_actors[int(j)]
        if mine is None and theirs is None:
            continue
        compared += 1
        agreeing += mine is not None and mine == theirs
    return compared, agreeing


def keep_linked(
    documents: Iterable[Document], kept: list[Document], registry: Mapping[str, Actor]
) -> Iterator[Document]:
    """Pass ``documents`` through, keeping in ``kept`` those with links, their links
    followed through merges: the other figures stream the documents by once."""
    for doc in documents:
        if any(aset.actor_links for aset in doc.annotations):
            for aset in doc.annotations:
                aset.actor_links = {s: resolve(a, registry) for s, a in aset.actor_links.items()}
            kept.append(doc)
        yield doc


def add_actor_figures(
    figures: dict[str, Any],
    documents: Iterable[Document],
    scheme: Scheme,
    registry: Mapping[str, Actor],
) -> None:
    """Add ``actor_items`` and ``actor_agreement`` to the claim figures and their pairs
    (``--json``'s new keys); nothing when the scheme has no claims."""
    claims = figures.get("claims")
    if not claims:
        return
    found = actor_agreement(documents, scheme, claims["layer"], figures["annotators"], registry)
    claims["actor_items"] = found["actor_items"]
    claims["actor_agreement"] = found["actor_agreement"]
    for key, entry in claims["pairs"].items():
        entry.update(found["pairs"].get(key, {"actor_items": 0, "actor_agreement": None}))
