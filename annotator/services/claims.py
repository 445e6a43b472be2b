"""Claims of a document: who claims what, with which cue and stance; what is missing.

A claim is a span of the head layer of the ``CLAIMANT`` relation (``claim`` by default).
It is complete when it has a claimant decision (a ``CLAIMANT`` link, or the attribution
attribute set to ``UNATTRIBUTED``) and a stance.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.model import AnnotationSet, Span
from annotator.core.scheme import Scheme

CLAIMANT = "CLAIMANT"
CUE = "CUE"
STANCE = "stance"
ATTRIBUTION = "attribution"
UNATTRIBUTED = "UNATTRIBUTED"


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One claim as the claims panel shows it."""

    claim: Span
    claimant: Span | None
    unattributed: bool
    cue: Span | None
    stance: str | None
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def claim_layer(scheme: Scheme) -> str | None:
    """The layer whose spans are claims, or None when the scheme has no claims."""
    relation = scheme.relation(CLAIMANT)
    if relation is not None:
        return "claim" if "claim" in relation.head else relation.head[0]
    return "claim" if scheme.layer("claim") is not None else None


def claim_rows(aset: AnnotationSet, scheme: Scheme) -> list[ClaimRow]:
    """The claims of ``aset`` in text order, with their links and what they lack."""
    layer_name = claim_layer(scheme)
    if layer_name is None:
        return []
    layer = scheme.layer(layer_name)
    has_stance = layer is not None and layer.attribute(STANCE) is not None
    spans = {s.id: s for s in aset.spans}
    links: dict[tuple[str, str], str] = {}
    for relation in aset.relations:
        links.setdefault((relation.head, relation.label), relation.child)
    rows = []
    claims = sorted(
        (s for s in aset.spans if s.layer == layer_name and not s.suggested),
        key=lambda s: (s.start, s.end),
    )
    for claim in claims:
        claimant = spans.get(links.get((claim.id, CLAIMANT), ""))
        unattributed = claim.attrs.get(ATTRIBUTION) == UNATTRIBUTED
        stance = claim.attrs.get(STANCE)
        missing = []
        if claimant is None and not unattributed:
            missing.append("a claimant (or 'unattributed')")
        if has_stance and stance is None:
            missing.append("a stance")
        rows.append(
            ClaimRow(
                claim,
                claimant,
                unattributed,
                spans.get(links.get((claim.id, CUE), "")),
                stance if isinstance(stance, str) else None,
                tuple(missing),
            )
        )
    return rows


def related_spans(aset: AnnotationSet, span_id: str) -> list[str]:
    """Ids of the spans linked to ``span_id`` by a relation, in either direction."""
    related = []
    for relation in aset.relations:
        if relation.head == span_id:
            related.append(relation.child)
        elif relation.child == span_id:
            related.append(relation.head)
    return related
