"""Claims: matched by overlap, then compared on claimant and stance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from annotator.agreement import data as agreement_data
from annotator.agreement.claims import match_claims
from annotator.agreement.data import ClaimArrays
from annotator.core.model import Relation, Span
from annotator.core.scheme import Scheme
from annotator.services import claims as claim_service
from annotator.services.corpora import default_scheme
from tests.unit.agreement.samples import aset, document, figures_of, span

TEXT = (
    "Le ministre Jean Martin a déclaré que le projet avance. Selon Oracle, les données "
    "restent aux États-Unis. Des experts doutent que le contrat protège les usagers."
)


def claim(substring: str, claim_id: str, **attrs: str) -> Span:
    return replace(span(substring, "CLAIM", "claim", span_id=claim_id, text=TEXT), attrs=attrs)


def claims_of(starts_ends: list[tuple[int, int]]) -> ClaimArrays:
    start = np.array([s for s, _ in starts_ends], dtype=np.int64)
    end = np.array([e for _, e in starts_ends], dtype=np.int64)
    none = np.full(len(start), -1, dtype=np.int64)
    zeros = np.zeros(len(start), dtype=np.int64)
    return ClaimArrays(zeros, start, end, none, none, np.zeros(len(start), np.bool_), none)


def test_claims_are_matched_greedily_by_largest_overlap() -> None:
    # B's claim overlaps A's first claim by 5 characters and A's second by 12: it goes to
    # the second, and A's first stays unmatched.
    a = claims_of([(0, 10), (8, 30)])
    b = claims_of([(5, 20)])

    first, second = match_claims(a, b)

    assert first.tolist() == [1] and second.tolist() == [0]


def test_greedy_matching_takes_the_largest_overlaps_first_across_chains() -> None:
    # Overlaps: a0-b0 4, a1-b0 5, a1-b1 6, a2-b1 7: greedy takes a2-b1, then a1-b0.
    a = claims_of([(0, 10), (11, 21), (24, 34)])
    b = claims_of([(6, 16), (15, 31)])

    first, second = match_claims(a, b)

    assert sorted(zip(first.tolist(), second.tolist(), strict=True)) == [(1, 0), (2, 1)]


def test_claimant_and_stance_agreement_over_matched_claims() -> None:
    alice = aset(
        "alice",
        span("Jean Martin", text=TEXT, span_id="jm"),
        span("Oracle", "ORG", text=TEXT, span_id="or"),
        claim("le projet avance", "c1", stance="FAVOR"),
        claim("les données restent aux États-Unis", "c2", stance="NONE"),
        claim("le contrat protège les usagers", "c3", stance="AGAINST", attribution="UNATTRIBUTED"),
        relations=(Relation("c1", "jm", "CLAIMANT"), Relation("c2", "or", "CLAIMANT")),
    )
    bob = aset(
        "bob",
        span("ministre Jean Martin", text=TEXT, span_id="m"),
        claim("que le projet avance", "k1", stance="FAVOR"),  # claimant overlaps: agree
        claim("les données restent", "k2", stance="NONE", attribution="UNATTRIBUTED"),
        claim("le contrat protège", "k3", stance="FAVOR"),  # no claimant decision yet
        relations=(Relation("k1", "m", "CLAIMANT"),),
    )

    claims = figures_of(document("d1", alice, bob, text=TEXT))["claims"]

    assert claims["layer"] == "claim"
    assert claims["matched"] == 3
    assert claims["claimant_items"] == 2 and claims["claimant_agreement"] == 0.5
    assert claims["stance_items"] == 3 and claims["stance_agreement"] == pytest.approx(2 / 3)
    assert claims["pairs"]["alice|bob"] == {
        "claims": 6,
        "matched": 3,
        "claimant_agreement": 0.5,
        "stance_agreement": pytest.approx(2 / 3),
    }


def test_two_unattributed_claims_agree_and_unmatched_claims_are_not_compared() -> None:
    alice = aset(
        "alice",
        claim("le projet avance", "c1", stance="FAVOR", attribution="UNATTRIBUTED"),
        claim("Des experts", "c2", stance="AGAINST"),
    )
    bob = aset("bob", claim("projet", "k1", stance="FAVOR", attribution="UNATTRIBUTED"))

    claims = figures_of(document("d1", alice, bob, text=TEXT))["claims"]

    assert claims["matched"] == 1
    assert claims["claimant_agreement"] == 1.0 and claims["stance_agreement"] == 1.0


def test_claim_agreement_is_null_without_matched_claims() -> None:
    alice = aset("alice", claim("le projet avance", "c1", stance="FAVOR"))
    bob = aset("bob", claim("Des experts", "k1", stance="FAVOR"))

    claims = figures_of(document("d1", alice, bob, text=TEXT))["claims"]

    assert claims["matched"] == 0
    assert claims["claimant_agreement"] is None and claims["stance_agreement"] is None
    assert claims["stance_kappa"] is None


def test_claims_are_null_when_the_scheme_has_no_claims() -> None:
    scheme = Scheme.from_dict({"span_layers": [{"name": "entity", "labels": ["PER"]}]})
    alice, bob = aset("alice", span("Jean Martin", text=TEXT)), aset("bob")

    assert figures_of(document("d1", alice, bob, text=TEXT), scheme=scheme)["claims"] is None


def test_the_claim_vocabulary_is_the_one_the_claims_panel_uses() -> None:
    assert agreement_data.CLAIMANT == claim_service.CLAIMANT
    assert agreement_data.STANCE == claim_service.STANCE
    assert agreement_data.ATTRIBUTION == claim_service.ATTRIBUTION
    assert agreement_data.UNATTRIBUTED == claim_service.UNATTRIBUTED
    for scheme in (
        default_scheme(),
        Scheme.from_dict({}),
        Scheme.from_dict({"span_layers": [{"name": "claim", "labels": ["CLAIM"]}]}),
    ):
        assert agreement_data.default_claim_layer(scheme) == claim_service.claim_layer(scheme)


def _greedy_walk(a: ClaimArrays, b: ClaimArrays) -> set[tuple[int, int]]:
    """The definition: walk every overlapping pair, largest overlap first."""
    candidates = []
    for i in range(len(a.doc)):
        for j in range(len(b.doc)):
            overlap = min(a.end[i], b.end[j]) - max(a.start[i], b.start[j])
            if a.doc[i] == b.doc[j] and overlap > 0:
                candidates.append((-overlap, a.start[i], b.start[j], i, j))
    used_a, used_b, picked = set(), set(), set()
    for *_, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            picked.add((i, j))
    return picked


@pytest.mark.parametrize("seed", range(20))
def test_matching_in_rounds_is_the_greedy_walk(seed: int) -> None:
    rng = np.random.default_rng(seed)

    def random_claims(count: int) -> ClaimArrays:
        start = rng.integers(0, 60, count)
        claims = claims_of(list(zip(start, start + rng.integers(1, 25, count), strict=True)))
        return replace(claims, doc=rng.integers(0, 3, count))

    a, b = random_claims(int(rng.integers(0, 15))), random_claims(int(rng.integers(0, 15)))

    first, second = match_claims(a, b)

    assert set(zip(first.tolist(), second.tolist(), strict=True)) == _greedy_walk(a, b)
