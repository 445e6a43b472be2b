"""Span agreement (DESIGN §8): exact and overlap F1, per label and per pair, computed by
hand on small cases and span by span on random ones."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from annotator.core.model import Document, Span
from tests.unit.agreement.samples import aset, document, figures_of, span


def test_exact_and_overlap_f1_of_a_pair_computed_by_hand() -> None:
    alice = aset("alice", span("Marie Curie"), span("Paris", "LOC"), span("Lyon", "LOC"))
    bob = aset("bob", span("Marie"), span("Paris", "LOC"), span("Pierre"))

    entity = figures_of(document("d1", alice, bob))["layers"]["entity"]

    # Exact: only Paris/LOC matches; F1 = 2·1 / (3 + 3).
    assert entity["f1_exact"] == pytest.approx(1 / 3)
    # Overlap: bob's Marie and Paris touch a same-label span of alice's (P = 2/3); alice's
    # Marie Curie and Paris touch one of bob's, Lyon does not (R = 2/3).
    assert entity["f1_overlap"] == pytest.approx(2 / 3)
    assert entity["pairs"] == {
        "alice|bob": {"f1_exact": pytest.approx(1 / 3), "f1_overlap": pytest.approx(2 / 3)}
    }


def test_per_label_exact_f1_with_support_and_null_for_unused_labels() -> None:
    alice = aset("alice", span("Marie Curie"), span("Paris", "LOC"), span("Lyon", "LOC"))
    bob = aset("bob", span("Marie"), span("Paris", "LOC"), span("Pierre"))

    labels = figures_of(document("d1", alice, bob))["layers"]["entity"]["labels"]

    assert labels["PER"] == {"f1_exact": 0.0, "support": 3}
    assert labels["LOC"] == {"f1_exact": pytest.approx(2 / 3), "support": 3}
    assert labels["ORG"] == {"f1_exact": None, "support": 0}
    assert labels["MISC"] == {"f1_exact": None, "support": 0}


def test_overlap_precision_and_recall_follow_the_definition() -> None:
    # bob's one span overlaps alice's first (P = 1/1); only one of alice's two spans is
    # overlapped (R = 1/2): F1 = 2·1·0.5 / 1.5.
    alice = aset("alice", span("Marie Curie"), span("Pierre Dupont"))
    bob = aset("bob", span("Curie visite", "PER"))

    entity = figures_of(document("d1", alice, bob))["layers"]["entity"]

    assert entity["f1_overlap"] == pytest.approx(2 / 3)
    assert entity["f1_exact"] == 0.0


def test_overlap_requires_the_same_label() -> None:
    alice = aset("alice", span("Paris", "LOC"))
    bob = aset("bob", span("Paris", "ORG"))

    entity = figures_of(document("d1", alice, bob))["layers"]["entity"]

    assert entity["f1_overlap"] == 0.0 and entity["f1_exact"] == 0.0


def test_two_spans_of_one_annotator_overlapping_one_span_both_count() -> None:
    alice = aset("alice", span("Marie Curie"))
    bob = aset("bob", span("Marie"), span("Curie"))

    entity = figures_of(document("d1", alice, bob))["layers"]["entity"]

    assert entity["f1_overlap"] == 1.0
    assert entity["f1_exact"] == 0.0


def test_counts_are_summed_over_documents_before_f1() -> None:
    # d1: one match out of 1 + 1 spans; d2: alice 3 spans, bob none. Micro-average:
    # 2·1 / 5 = 0.4 (a per-document average would give 0.5).
    d1 = document("d1", aset("alice", span("Paris", "LOC")), aset("bob", span("Paris", "LOC")))
    d2 = document(
        "d2",
        aset("alice", span("Marie Curie"), span("Lyon", "LOC"), span("Pierre")),
        aset("bob", answers={"stance": "NONE"}),
    )

    entity = figures_of(d1, d2)["layers"]["entity"]

    assert entity["f1_exact"] == pytest.approx(0.4)


def test_layer_f1_is_the_mean_over_pairs() -> None:
    alice = aset("alice", span("Paris", "LOC"), span("Lyon", "LOC"))
    bob = aset("bob", span("Paris", "LOC"), span("Lyon", "LOC"))
    carol = aset("carol", span("Paris", "LOC"))

    entity = figures_of(document("d1", alice, bob, carol))["layers"]["entity"]

    assert entity["pairs"]["alice|bob"]["f1_exact"] == 1.0
    assert entity["pairs"]["alice|carol"]["f1_exact"] == pytest.approx(2 / 3)
    assert entity["pairs"]["bob|carol"]["f1_exact"] == pytest.approx(2 / 3)
    assert entity["f1_exact"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_a_pair_only_counts_documents_both_annotated() -> None:
    both = document("d1", aset("alice", span("Paris", "LOC")), aset("bob", span("Paris", "LOC")))
    alice_and_carol = document(
        "d2", aset("alice", span("Lyon", "LOC")), aset("carol", span("Paris", "LOC"))
    )

    pairs = figures_of(both, alice_and_carol)["layers"]["entity"]["pairs"]

    assert pairs["alice|bob"]["f1_exact"] == 1.0
    assert pairs["alice|carol"]["f1_exact"] == 0.0
    assert pairs["bob|carol"] == {"f1_exact": None, "f1_overlap": None}


def test_identical_spans_are_matched_one_for_one() -> None:
    claim = "la science avance"
    alice = aset(
        "alice",
        span(claim, "CLAIM", "claim", span_id="c1"),
        span(claim, "CLAIM", "claim", span_id="c2"),
    )
    bob = aset("bob", span(claim, "CLAIM", "claim", span_id="c1"))

    claims = figures_of(document("d1", alice, bob))["layers"]["claim"]

    assert claims["f1_exact"] == pytest.approx(2 / 3)


def test_suggested_spans_are_left_out() -> None:
    alice = aset("alice", span("Paris", "LOC"), span("Lyon", "LOC"))
    bob = aset("bob", span("Paris", "LOC"), span("Lyon", "LOC", state="suggested"))

    entity = figures_of(document("d1", alice, bob))["layers"]["entity"]

    assert entity["f1_exact"] == pytest.approx(2 / 3)
    assert entity["labels"]["LOC"]["support"] == 3


def test_no_spans_at_all_leaves_f1_undefined() -> None:
    alice = aset("alice", answers={"stance": "FAVOR"})
    bob = aset("bob", answers={"stance": "FAVOR"})

    entity = figures_of(document("d1", alice, bob))["layers"]["entity"]

    assert entity["f1_exact"] is None and entity["f1_overlap"] is None
    assert entity["alpha_tokens"] is None
    assert entity["pairs"]["alice|bob"] == {"f1_exact": None, "f1_overlap": None}


def test_spans_on_one_side_only_give_f1_zero() -> None:
    alice = aset("alice", span("Paris", "LOC"))
    bob = aset("bob", answers={"stance": "FAVOR"})

    entity = figures_of(document("d1", alice, bob))["layers"]["entity"]

    assert entity["f1_exact"] == 0.0 and entity["f1_overlap"] == 0.0


def _reference_f1(documents: list[Document], layer: str) -> tuple[float | None, float | None]:
    """Exact and overlap F1 of alice against bob, written out span by span."""
    matched = total = a_hits = b_hits = a_count = b_count = 0
    for doc in documents:
        alice, bob = doc.annotation_set("alice"), doc.annotation_set("bob")
        if alice is None or bob is None:
            continue
        a = [s for s in alice.spans if s.layer == layer]
        b = [s for s in bob.spans if s.layer == layer]
        keys_a = Counter((s.start, s.end, s.label) for s in a)
        keys_b = Counter((s.start, s.end, s.label) for s in b)
        matched += sum((keys_a & keys_b).values())
        total += len(a) + len(b)
        a_hits += sum(any(x.label == y.label and x.overlaps(y) for y in b) for x in a)
        b_hits += sum(any(x.label == y.label and x.overlaps(y) for y in a) for x in b)
        a_count, b_count = a_count + len(a), b_count + len(b)
    exact = 2 * matched / total if total else None
    if not total:
        return exact, None
    if not a_count or not b_count:
        return exact, 0.0
    precision, recall = b_hits / b_count, a_hits / a_count
    overlap = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return exact, overlap


@pytest.mark.parametrize("seed", range(10))
def test_span_f1_equals_a_span_by_span_computation_on_random_data(seed: int) -> None:
    rng = random.Random(seed)
    text = "x" * 80
    documents = []
    for number in range(6):
        sets = []
        for name in ("alice", "bob", "carol"):
            if rng.random() < 0.2:
                continue
            spans, position = [], 0
            while position < 70:  # entities never overlap; claims may
                start = position + rng.randrange(0, 6)
                end = start + rng.randrange(1, 8)
                spans.append(Span(f"e{position}", "entity", start, end, rng.choice(["PER", "LOC"])))
                position = end
            for k in range(rng.randrange(0, 4)):
                start = rng.randrange(0, 70)
                spans.append(Span(f"c{k}", "claim", start, start + rng.randrange(1, 10), "CLAIM"))
            sets.append(aset(name, *spans))
        documents.append(document(f"d{number}", *sets, text=text))

    figures = figures_of(*documents)

    for layer in ("entity", "claim"):
        exact, overlap = _reference_f1(documents, layer)
        pair = figures["layers"][layer]["pairs"]["alice|bob"]
        assert pair["f1_exact"] == pytest.approx(exact)
        assert pair["f1_overlap"] == pytest.approx(overlap)
