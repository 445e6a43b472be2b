"""Claims: matched by overlap, then compared on claimant and stance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from annotator.agreement import data as agreement_data
from annotator.agreement.claims import match_claims
from annotator.agreement.data import ClaimArrays
from annotator.core.model import AnnotationSet, Document, Relation, Span
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
    flags = np.zeros(len(start), np.bool_)
    return ClaimArrays(zeros, start, end, none, none, flags, none, zeros + 1, none, none)


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
        "cue_agreement": None,  # nobody marked a cue
        "frame_agreement": pytest.approx(1 / 3),  # only c1/k1 agree on everything
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
    """The definition: walk every overlapping pair, identical claims first, then largest
    overlap, ties by A's then B's start, end, label (then stance, claimant, cue)."""

    def content(c: ClaimArrays, i: int) -> tuple[int, ...]:
        return (
            c.start[i], c.end[i], c.label[i], c.stance[i], c.claimant_start[i],
            c.claimant_end[i], int(c.unattributed[i]), c.cue_start[i], c.cue_end[i],
        )  # fmt: skip

    candidates = []
    for i in range(len(a.doc)):
        for j in range(len(b.doc)):
            overlap = min(a.end[i], b.end[j]) - max(a.start[i], b.start[j])
            if a.doc[i] == b.doc[j] and overlap > 0:
                identical = content(a, i)[:3] == content(b, j)[:3]
                key = (not identical, -overlap, content(a, i), content(b, j))
                candidates.append((key, i, j))
    used_a, used_b, picked = set(), set(), set()
    for _, i, j in sorted(candidates, key=lambda c: c[0]):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            picked.add((i, j))
    return picked


@pytest.mark.parametrize("seed", range(20))
def test_matching_in_rounds_is_the_greedy_walk(seed: int) -> None:
    rng = np.random.default_rng(seed)

    def random_claims(count: int) -> ClaimArrays:
        start = rng.integers(0, 30, count)
        claims = claims_of(list(zip(start, start + rng.integers(1, 12, count), strict=True)))
        return replace(claims, doc=rng.integers(0, 3, count), label=rng.integers(1, 3, count))

    a, b = random_claims(int(rng.integers(0, 15))), random_claims(int(rng.integers(0, 15)))

    first, second = match_claims(a, b)

    assert set(zip(first.tolist(), second.tolist(), strict=True)) == _greedy_walk(a, b)


def test_an_identical_claim_is_matched_before_a_longer_overlap() -> None:
    # a0 = b1 exactly (overlap 5); a1 overlaps b1 by 6 but is not identical to it.
    a = claims_of([(10, 15), (4, 16)])
    b = claims_of([(0, 12), (10, 15)])

    first, second = match_claims(a, b)

    assert sorted(zip(first.tolist(), second.tolist(), strict=True)) == [(0, 1), (1, 0)]


# -- the whole frame: cue, and claimant + cue + stance together -------------------------------

FRAME_TEXT = "Jean Martin a déclaré que le projet avance. Oracle affirme que les données restent."


def frame_set(annotator: str, *claims: tuple[str, str | None, str | None, str | None]) -> object:
    """``annotator``'s claims given as (claim text, claimant text, cue text, stance)."""
    spans, relations = [], []
    for number, (text, claimant, cue, stance) in enumerate(claims):
        attrs = {"stance": stance} if stance else {}
        claim_id = f"{annotator}-c{number}"
        spans.append(
            replace(span(text, "CLAIM", "claim", span_id=claim_id, text=FRAME_TEXT), attrs=attrs)
        )
        if claimant:
            spans.append(span(claimant, "PER", span_id=f"{claim_id}-who", text=FRAME_TEXT))
            relations.append(Relation(claim_id, f"{claim_id}-who", "CLAIMANT"))
        if cue:
            spans.append(span(cue, "CUE", "cue", span_id=f"{claim_id}-cue", text=FRAME_TEXT))
            relations.append(Relation(claim_id, f"{claim_id}-cue", "CUE"))
    return aset(annotator, *spans, relations=tuple(relations))


def test_cue_and_frame_agreement_over_matched_claims() -> None:
    alice = frame_set(
        "alice",
        ("le projet avance", "Jean Martin", "a déclaré", "FAVOR"),
        ("les données restent", "Oracle", "affirme", "NONE"),
    )
    bob = frame_set(
        "bob",
        ("le projet avance", "Jean Martin", "déclaré", "FAVOR"),  # cues share characters
        ("les données restent", "Oracle", None, "NONE"),  # a cue on one side only
    )

    claims = figures_of(document("d", alice, bob, text=FRAME_TEXT))["claims"]

    assert (claims["cue_items"], claims["cue_agreement"]) == (2, 0.5)
    assert (claims["frame_items"], claims["frame_agreement"]) == (2, 0.5)
    assert claims["pairs"]["alice|bob"]["cue_agreement"] == 0.5
    assert claims["pairs"]["alice|bob"]["frame_agreement"] == 0.5
    # The keys that were there keep their values.
    assert claims["claimant_agreement"] == claims["stance_agreement"] == 1.0


def test_two_claims_without_a_cue_agree_on_the_frame_but_are_no_cue_item() -> None:
    alice = frame_set("alice", ("le projet avance", "Jean Martin", None, "FAVOR"))
    bob = frame_set("bob", ("le projet avance", "Jean Martin", None, "FAVOR"))

    claims = figures_of(document("d", alice, bob, text=FRAME_TEXT))["claims"]

    assert claims["cue_items"] == 0 and claims["cue_agreement"] is None
    assert claims["frame_agreement"] == 1.0


def test_a_stance_on_one_side_only_breaks_the_frame() -> None:
    alice = frame_set("alice", ("le projet avance", "Jean Martin", "a déclaré", "FAVOR"))
    bob = frame_set("bob", ("le projet avance", "Jean Martin", "a déclaré", None))

    claims = figures_of(document("d", alice, bob, text=FRAME_TEXT))["claims"]

    assert claims["stance_items"] == 0 and claims["frame_agreement"] == 0.0


def test_the_frame_is_reported_against_gold_too() -> None:
    alice = frame_set("alice", ("le projet avance", "Jean Martin", "a déclaré", "FAVOR"))
    gold = frame_set("gold", ("le projet avance", "Jean Martin", "a déclaré", "AGAINST"))
    bob = frame_set("bob", ("le projet avance", "Jean Martin", "a déclaré", "FAVOR"))

    figures = figures_of(document("d", alice, bob, gold, text=FRAME_TEXT))

    assert figures["gold"]["alice"]["claims"]["cue_agreement"] == 1.0
    assert figures["gold"]["alice"]["claims"]["frame_agreement"] == 0.0


# -- independent of the order spans are stored in ----------------------------------------------

STANCE_VALUES = ["FAVOR", "AGAINST", "NONE", None]


def random_frame_document(rng: np.random.Generator, doc_id: str) -> object:
    """Two annotators' claims drawn from a few places, often identical, with random
    claimants, cues and stances."""
    places = [(0, 11), (0, 20), (26, 42), (22, 42), (51, 82), (44, 82)]
    sets = []
    for annotator in ("alice", "bob"):
        spans, relations = [], []
        for number in range(int(rng.integers(1, 5))):
            start, end = places[int(rng.integers(len(places)))]
            claim_id = f"{annotator}{number}"
            stance = STANCE_VALUES[int(rng.integers(len(STANCE_VALUES)))]
            attrs = {"stance": stance} if stance else {}
            spans.append(Span(claim_id, "claim", start, end, "CLAIM", attrs))
            if rng.random() < 0.7:
                who = int(rng.integers(0, 2))
                spans.append(Span(f"{claim_id}w", "entity", who * 44, who * 44 + 6, "PER"))
                relations.append(Relation(claim_id, f"{claim_id}w", "CLAIMANT"))
            if rng.random() < 0.5:
                cue = int(rng.integers(0, 2))
                spans.append(Span(f"{claim_id}u", "cue", 12 + cue * 39, 21 + cue * 39, "CUE"))
                relations.append(Relation(claim_id, f"{claim_id}u", "CUE"))
        sets.append(aset(annotator, *spans, relations=tuple(relations)))
    return document(doc_id, *sets, text=FRAME_TEXT)


def shuffled(doc: Document, rng: np.random.Generator) -> Document:
    sets = [
        replace(s, spans=[s.spans[i] for i in rng.permutation(len(s.spans))])
        for s in doc.annotations
    ]
    return replace(doc, annotations=sets)


@pytest.mark.parametrize("seed", range(60))
def test_claim_figures_do_not_depend_on_the_order_spans_are_stored_in(seed: int) -> None:
    rng = np.random.default_rng(seed)
    documents = [random_frame_document(rng, f"d{n}") for n in range(3)]

    stored = figures_of(*documents)["claims"]
    for _ in range(4):
        assert figures_of(*[shuffled(d, rng) for d in documents])["claims"] == stored


def _reference_frame(doc: Document) -> tuple[float | None, float | None]:
    """Cue and frame agreement of alice and bob by the definition, in plain Python."""
    alice, bob = doc.annotations

    def frames(s: AnnotationSet) -> list[tuple[tuple[int, int, str], object, object, object]]:
        by_id = {x.id: x for x in s.spans}
        result = []
        for claim in (x for x in s.spans if x.layer == "claim"):
            who = next(
                (
                    by_id[r.child]
                    for r in s.relations
                    if r.head == claim.id and r.label == "CLAIMANT"
                ),
                None,
            )
            cue = next(
                (by_id[r.child] for r in s.relations if r.head == claim.id and r.label == "CUE"),
                None,
            )
            result.append(
                ((claim.start, claim.end, claim.label), who, cue, claim.attrs.get("stance"))
            )
        return result

    a, b = frames(alice), frames(bob)

    def content(f: tuple) -> tuple:
        (start, end, _label), who, cue, stance = f
        return (
            start, end, 1, STANCE_VALUES.index(stance) if stance else -1,
            who.start if who else -1, who.end if who else -1, 0,
            cue.start if cue else -1, cue.end if cue else -1,
        )  # fmt: skip

    candidates = []
    for i, fa in enumerate(a):
        for j, fb in enumerate(b):
            overlap = min(fa[0][1], fb[0][1]) - max(fa[0][0], fb[0][0])
            if overlap > 0:
                candidates.append(((fa[0] != fb[0], -overlap, content(fa), content(fb)), i, j))
    used_a, used_b, matched = set(), set(), []
    for _, i, j in sorted(candidates, key=lambda c: c[0]):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matched.append((a[i], b[j]))

    def meet(x: Span | None, y: Span | None) -> bool:
        return x is not None and y is not None and x.start < y.end and y.start < x.end

    cues = [meet(fa[2], fb[2]) for fa, fb in matched if fa[2] or fb[2]]
    frame = [
        (meet(fa[1], fb[1]) or (fa[1] is None and fb[1] is None))
        and (meet(fa[2], fb[2]) or (fa[2] is None and fb[2] is None))
        and fa[3] == fb[3]
        for fa, fb in matched
    ]
    share = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    return share(cues), share(frame)


@pytest.mark.parametrize("seed", range(30))
def test_cue_and_frame_agreement_match_the_definition_computed_plainly(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    doc = random_frame_document(rng, "d")

    claims = figures_of(doc)["claims"]

    cue, frame = _reference_frame(doc)
    assert claims["cue_agreement"] == pytest.approx(cue)
    assert claims["frame_agreement"] == pytest.approx(frame)
