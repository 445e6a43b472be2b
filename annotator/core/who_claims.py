"""Who claims what: one record per claim, with its claimant, the actor the claimant is
linked to, its cue and its stance; the rows of ``export --format claims`` and of the
Actors view.

The rules are those of the claims panel (:mod:`annotator.services.claims`): a claim is a
span of the head layer of the ``CLAIMANT`` relation, its claimant the child of its first
``CLAIMANT`` link, its cue that of its first ``CUE`` link, its stance the ``stance``
attribute. The actor is the link of the claimant span, followed through the lead's
merges to the actor kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from annotator.core.actors import Actor, resolve
from annotator.core.fragments import span_text
from annotator.core.model import AnnotationSet, Document, Span
from annotator.core.scheme import Scheme

CLAIMANT = "CLAIMANT"
CUE = "CUE"
STANCE = "stance"
ATTRIBUTION = "attribution"
UNATTRIBUTED = "UNATTRIBUTED"


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One claim of one annotation set, as the claims table writes it."""

    document: str
    annotator: str
    claim: Span
    claim_text: str
    claimant: Span | None
    claimant_text: str | None
    unattributed: bool
    actor: Actor | None
    cue: Span | None
    cue_text: str | None
    stance: str | None


def claim_layer_of(scheme: Scheme) -> str | None:
    """The layer whose spans are claims (as ``services.claims.claim_layer`` says)."""
    relation = scheme.relation(CLAIMANT)
    if relation is not None:
        return "claim" if "claim" in relation.head else relation.head[0]
    return "claim" if scheme.layer("claim") is not None else None


def claim_records(
    doc: Document, aset: AnnotationSet, layer: str, registry: Mapping[str, Actor]
) -> Iterator[ClaimRecord]:
    """The accepted claims of ``aset`` on ``doc`` in text order."""
    spans = {s.id: s for s in aset.spans}
    links: dict[tuple[str, str], str] = {}
    for relation in aset.relations:
        links.setdefault((relation.head, relation.label), relation.child)
    claims = sorted(
        (s for s in aset.spans if s.layer == layer and not s.suggested),
        key=lambda s: (s.start, s.end, s.id),
    )
    for claim in claims:
        claimant = spans.get(links.get((claim.id, CLAIMANT), ""))
        cue = spans.get(links.get((claim.id, CUE), ""))
        actor_id = aset.actor_links.get(claimant.id) if claimant is not None else None
        actor = registry.get(resolve(actor_id, registry)) if actor_id is not None else None
        stance = claim.attrs.get(STANCE)
        yield ClaimRecord(
            doc.id,
            aset.annotator,
            claim,
            span_text(claim, doc.text),
            claimant,
            span_text(claimant, doc.text) if claimant is not None else None,
            claim.attrs.get(ATTRIBUTION) == UNATTRIBUTED,
            actor,
            cue,
            span_text(cue, doc.text) if cue is not None else None,
            stance if isinstance(stance, str) else None,
        )


def actors_of(doc: Document, registry: Mapping[str, Actor]) -> list[Actor]:
    """The registry entries the document's links name, and those they were merged into,
    in registry order: what a document carries when it leaves the corpus."""
    wanted = [actor for aset in doc.annotations for actor in aset.actor_links.values()]
    chosen: set[str] = set()
    while wanted:
        actor_id = wanted.pop()
        actor = registry.get(actor_id)
        if actor is not None and actor_id not in chosen:
            chosen.add(actor_id)
            if actor.merged_into:
                wanted.append(actor.merged_into)
    return [actor for actor_id, actor in registry.items() if actor_id in chosen]
