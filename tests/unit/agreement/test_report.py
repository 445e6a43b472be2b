"""The report: the contract's keys, which documents and sets count, gold apart, the
documents ranked by disagreement and the label confusion matrices."""

from __future__ import annotations

import json

import pytest

from annotator.agreement.differences import span_differences
from annotator.agreement.tokens import token_starts
from annotator.core.model import GOLD, Document
from tests.unit.agreement.samples import TEXT, aset, document, figures_of, report_of, span

LAYER_KEYS = {"f1_exact", "f1_overlap", "alpha_tokens", "labels", "pairs"}
QUESTION_KEYS = {"items", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"}


def two_annotators() -> list[Document]:
    return [
        document(
            "d1",
            aset("alice", span("Paris", "LOC"), span("Marie Curie"), answers={"stance": "FAVOR"}),
            aset(
                "bob", span("Paris", "LOC"), span("Marie Curie", "ORG"), answers={"stance": "NONE"}
            ),
        ),
        document(
            "d2",
            aset("alice", span("Lyon", "LOC"), answers={"stance": "NONE"}),
            aset("bob", span("Lyon", "LOC"), answers={"stance": "NONE"}),
        ),
    ]  # fmt: skip


def test_the_figures_have_exactly_the_keys_of_the_contract() -> None:
    figures = figures_of(*two_annotators())

    assert set(figures) == {
        "annotators",
        "documents",
        "layers",
        "questions",
        "claims",
        "documents_by_disagreement",
        "gold",
    }
    assert figures["annotators"] == ["alice", "bob"] and figures["documents"] == 2
    assert list(figures["layers"]) == ["entity", "claim", "cue", "source"]
    for layer in figures["layers"].values():
        assert set(layer) == LAYER_KEYS
        assert all(set(label) == {"f1_exact", "support"} for label in layer["labels"].values())
        assert list(layer["pairs"]) == ["alice|bob"]
        assert set(layer["pairs"]["alice|bob"]) == {"f1_exact", "f1_overlap"}
    assert set(figures["questions"]["stance"]) == QUESTION_KEYS
    json.dumps(figures, allow_nan=False)  # no NaN or infinity: undefined is null


def test_only_documents_with_two_non_gold_sets_count() -> None:
    counted = document("d1", aset("alice", span("Paris", "LOC")), aset("bob"))
    with_gold_only = document("d2", aset("alice", span("Lyon", "LOC")), aset(GOLD))
    alone = document("d3", aset("carol", span("Lyon", "LOC")))

    figures = figures_of(counted, with_gold_only, alone)

    assert figures["documents"] == 1
    assert figures["annotators"] == ["alice", "bob"]
    assert [d["id"] for d in figures["documents_by_disagreement"]] == ["d1"]


def test_skipped_sets_and_untouched_todo_sets_do_not_count_as_annotations() -> None:
    skipped = document("d1", aset("alice", span("Paris", "LOC")), aset("bob", status="skipped"))
    untouched = document(
        "d2",
        aset("alice", span("Paris", "LOC")),
        aset("bob", span("Paris", "LOC", state="suggested"), status="todo"),
    )
    started = document("d3", aset("alice", span("Paris", "LOC")), aset("bob", status="in_progress"))

    figures = figures_of(skipped, untouched, started)

    assert figures["documents"] == 1
    assert figures["layers"]["entity"]["f1_exact"] == 0.0  # d3: bob found nothing


def test_gold_is_left_out_of_the_figures_and_compared_with_each_annotator_apart() -> None:
    gold = aset(GOLD, span("Paris", "LOC"), span("Marie Curie"), answers={"stance": "FAVOR"})
    documents = two_annotators()
    documents[0].annotations.append(gold)

    figures = figures_of(*documents)

    assert figures["annotators"] == ["alice", "bob"]
    assert list(figures["layers"]["entity"]["pairs"]) == ["alice|bob"]
    assert figures["layers"]["entity"]["labels"]["LOC"]["support"] == 4
    assert set(figures["gold"]) == {"alice", "bob"}
    alice, bob = figures["gold"]["alice"], figures["gold"]["bob"]
    assert alice["documents"] == 1
    assert alice["layers"]["entity"]["f1_exact"] == 1.0
    assert bob["layers"]["entity"]["f1_exact"] == 0.5
    assert bob["layers"]["entity"]["labels"]["PER"] == 0.0
    assert alice["questions"]["stance"]["percent_agreement"] == 1.0
    assert bob["questions"]["stance"]["percent_agreement"] == 0.0
    assert bob["questions"]["stance"]["items"] == 1


def test_no_gold_layer_gives_an_empty_gold_entry() -> None:
    assert figures_of(*two_annotators())["gold"] == {}


def test_with_a_single_annotator_every_figure_is_null() -> None:
    figures = figures_of(
        document("d1", aset("alice", span("Paris", "LOC"), answers={"stance": "FAVOR"}))
    )

    assert figures["documents"] == 0 and figures["annotators"] == []
    for layer in figures["layers"].values():
        assert layer["f1_exact"] is None and layer["f1_overlap"] is None
        assert layer["alpha_tokens"] is None and layer["pairs"] == {}
    assert figures["questions"]["stance"] == {
        "items": 0,
        "percent_agreement": None,
        "cohen_kappa": None,
        "fleiss_kappa": None,
        "krippendorff_alpha": None,
    }
    assert figures["documents_by_disagreement"] == []


def test_documents_are_ranked_by_disagreement() -> None:
    figures = figures_of(*two_annotators())

    first, second = figures["documents_by_disagreement"]
    assert (first["id"], second["id"]) == ("d1", "d2")
    # d1: 4 spans, Marie Curie PER/ORG unmatched on both sides; answers differ (2 of 2).
    assert first["disagreement"] == pytest.approx((2 + 2) / (4 + 2))
    assert first["f1_exact"] == 0.5
    assert first["layers"] == {"entity": {"spans": 4, "unmatched_spans": 2}}
    assert first["questions"] == {"stance": {"alice": "FAVOR", "bob": "NONE"}}
    assert first["annotators"] == ["alice", "bob"]
    assert second["disagreement"] == 0.0 and second["questions"] == {}
    assert second["claim_disagreements"] == 0


def test_label_confusion_over_tokens_for_each_pair() -> None:
    report = report_of(*two_annotators())

    confusion = report.confusion("entity", "alice", "bob")
    swapped = report.confusion("entity", "bob", "alice")

    assert confusion is not None and swapped is not None
    assert confusion.labels == ("O", "PER", "ORG", "LOC", "MISC")
    per, org, loc = 1, 2, 3
    assert confusion.counts[per][org] == 2  # "Marie", "Curie": alice PER, bob ORG
    assert confusion.counts[loc][loc] == 2  # Paris, Lyon
    assert swapped.counts[org][per] == 2 and swapped.first == "bob"
    assert sum(map(sum, confusion.counts)) == 2 * len(token_starts(TEXT))  # both documents
    assert report.confusion("entity", "alice", "nobody") is None


def test_span_differences_of_one_document_say_who_agrees_with_each_span() -> None:
    doc = document(
        "d1",
        aset("alice", span("Marie Curie"), span("Paris", "LOC")),
        aset("bob", span("Marie"), span("Paris", "LOC"), span("Lyon", "LOC", state="suggested")),
        aset("carol", span("Paris", "ORG")),
        aset(GOLD, span("Lyon", "LOC")),
    )

    found = {(f.annotator, f.span.label, f.span.start): f for f in span_differences(doc)}

    marie = found[("alice", "PER", 0)]
    assert (marie.exact, marie.overlapping, marie.missing) == ((), ("bob",), ("carol",))
    paris = found[("bob", "LOC", TEXT.index("Paris"))]
    assert (paris.exact, paris.missing) == (("alice",), ("carol",)) and not paris.agreed
    assert found[("carol", "ORG", TEXT.index("Paris"))].missing == ("alice", "bob")
    assert {f.annotator for f in found.values()} == {"alice", "bob", "carol"}
    assert len(found) == 5  # no gold span, no suggestion


def test_a_layer_nobody_used_counts_every_shared_token_as_outside() -> None:
    documents = two_annotators()
    documents.append(document("d3", aset("alice"), aset("carol", span("Paris", "LOC"))))
    report = report_of(*documents)

    cue = report.confusion("cue", "alice", "bob")
    carol = report.confusion("cue", "alice", "carol")

    assert cue is not None and carol is not None
    assert cue.counts == ((2 * len(token_starts(TEXT)), 0), (0, 0))
    assert carol.counts == ((len(token_starts(TEXT)), 0), (0, 0))
    assert report.figures["layers"]["cue"]["alpha_tokens"] is None
