"""The DocBin mapping of DESIGN §5: one Doc per annotation set, real spaCy tokenizers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.core.scheme import Scheme
from annotator.nlp.examples import ExampleBuilder, entity_layer
from annotator.nlp.language import blank
from annotator.nlp.report import Alignment

TEXT = "Selon Marie Dubois, d’Oracle, « les données restent aux États-Unis ». Fin."


def at(substring: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(substring)
    return start, start + len(substring)


def sample_set(annotator: str = "alice") -> AnnotationSet:
    return AnnotationSet(
        annotator,
        "done",
        [
            Span("p", "entity", *at("Marie Dubois"), "PER"),
            Span("o", "entity", *at("Oracle"), "ORG"),
            Span("l", "entity", *at("États-Unis"), "LOC", origin="model:x", state="suggested"),
            Span(
                "c",
                "claim",
                *at("les données restent aux États-Unis"),
                "CLAIM",
                {"stance": "FAVOR"},
            ),
            Span("u", "cue", *at("Selon"), "CUE"),
        ],
        [Relation("c", "p", "CLAIMANT"), Relation("c", "u", "CUE"), Relation("c", "l", "CLAIMANT")],
        {"stance": "AGAINST"},
        created_at="2024-01-01T00:00:00.000+00:00",
    )


def build(
    document: Document,
    scheme: Scheme,
    alignment: Alignment = "strict",
    include_suggestions: bool = False,
    language: str = "fr",
) -> tuple[list, object]:
    builder = ExampleBuilder(blank(language), scheme, alignment, include_suggestions)
    return builder.build(document)


def spans_of(doc, key: str) -> list[tuple[str, str]]:
    return [(span.text, span.label_) for span in doc.spans[key]]


def test_entities_go_to_doc_ents_and_every_layer_to_its_span_group(scheme: Scheme) -> None:
    [doc], audit = build(Document("d", TEXT, {}, [sample_set()]), scheme)

    assert [(e.text, e.label_) for e in doc.ents] == [("Marie Dubois", "PER"), ("Oracle", "ORG")]
    assert spans_of(doc, "entity") == [("Marie Dubois", "PER"), ("Oracle", "ORG")]
    assert spans_of(doc, "claim") == [("les données restent aux États-Unis", "CLAIM")]
    assert spans_of(doc, "cue") == [("Selon", "CUE")]
    assert not audit.misaligned and not audit.overlapping and not audit.skipped


def test_claimants_and_claim_stance_have_their_own_span_groups(scheme: Scheme) -> None:
    [doc], _ = build(Document("d", TEXT, {}, [sample_set()]), scheme)

    assert spans_of(doc, "claimant") == [("Marie Dubois", "PER")]  # the suggestion is left out
    assert spans_of(doc, "claim_stance") == [("les données restent aux États-Unis", "FAVOR")]


def test_every_value_of_an_answered_question_is_an_explicit_cat(scheme: Scheme) -> None:
    [doc], _ = build(Document("d", TEXT, {}, [sample_set()]), scheme)

    assert doc.cats == {"stance:FAVOR": 0.0, "stance:AGAINST": 1.0, "stance:NONE": 0.0}


def test_an_unanswered_question_gives_no_cats_rather_than_zeros(scheme: Scheme) -> None:
    aset = replace(sample_set(), doc_labels={})

    [doc], _ = build(Document("d", TEXT, {}, [aset]), scheme)

    assert doc.cats == {}


def test_empty_layers_get_no_span_group(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", "done", [Span("o", "entity", *at("Oracle"), "ORG")])

    [doc], _ = build(Document("d", TEXT, {}, [aset]), scheme)

    assert set(doc.spans) == {"entity"}


def test_user_data_holds_the_whole_set_with_document_id(scheme: Scheme) -> None:
    document = Document("d", TEXT, {"source": "afp"}, [sample_set()])

    [doc], _ = build(document, scheme, include_suggestions=True)

    payload = doc.user_data["annotator"]
    assert payload["document"] == {
        "id": "d",
        "meta": {"source": "afp"},
        "text_sha256": document.text_sha256,
    }
    assert payload["set"]["annotator"] == "alice"
    assert payload["set"]["created_at"] == "2024-01-01T00:00:00.000+00:00"
    assert [s["id"] for s in payload["set"]["spans"]] == ["p", "o", "l", "c", "u"]
    assert payload["set"]["spans"][3]["attrs"] == {"stance": "FAVOR"}
    assert len(payload["set"]["relations"]) == 3


def test_suggestions_are_left_out_with_their_relations_unless_asked(scheme: Scheme) -> None:
    document = Document("d", TEXT, {}, [sample_set()])

    [without], _ = build(document, scheme)
    [with_them], _ = build(document, scheme, include_suggestions=True)

    assert "l" not in [s["id"] for s in without.user_data["annotator"]["set"]["spans"]]
    assert len(without.user_data["annotator"]["set"]["relations"]) == 2
    assert ("États-Unis", "LOC") in spans_of(with_them, "entity")
    assert ("États-Unis", "LOC") in spans_of(with_them, "claimant")


def test_one_doc_per_annotation_set(scheme: Scheme) -> None:
    bob = AnnotationSet("bob", "done", [Span("x", "entity", *at("Oracle"), "ORG")])

    docs, _ = build(Document("d", TEXT, {}, [sample_set(), bob]), scheme)

    assert [d.user_data["annotator"]["set"]["annotator"] for d in docs] == ["alice", "bob"]
    assert [e.text for e in docs[1].ents] == ["Oracle"]
    assert len(docs[0].ents) == 2  # each doc has its own annotations


def test_skipped_and_untouched_sets_give_no_example_and_are_reported(scheme: Scheme) -> None:
    skipped = AnnotationSet("bob", "skipped")
    untouched = AnnotationSet("carol", "todo")
    done_empty = AnnotationSet("dan", "done")

    docs, audit = build(Document("d", TEXT, {}, [skipped, untouched, done_empty]), scheme)

    assert [d.user_data["annotator"]["set"]["annotator"] for d in docs] == ["dan"]
    assert [(s.annotator, s.reason) for s in audit.skipped] == [
        ("bob", "the annotator marked the document skipped"),
        ("carol", "no annotations yet (status todo)"),
    ]


MISALIGNED = "Le groupe a répondu.\u00a0\u00a0\n\nMais TikTok dément."


def nbsp_set() -> AnnotationSet:
    # The claim ends after the first of two NBSPs: the French tokenizer keeps
    # "\xa0\xa0\n\n" as one token, so the end is inside a token.
    end = MISALIGNED.index("\u00a0") + 1
    return AnnotationSet(
        "alice",
        "done",
        [
            Span("c", "claim", 0, end, "CLAIM"),
            Span("t", "entity", *at("TikTok", MISALIGNED), "ORG"),
            Span("g", "entity", *at("grou", MISALIGNED), "ORG"),
        ],
    )


def test_misaligned_spans_are_listed_with_what_contract_and_expand_give(scheme: Scheme) -> None:
    _, audit = build(Document("n", MISALIGNED, {}, [nbsp_set()]), scheme)

    by_id = {issue.span_id: issue for issue in audit.misaligned}
    assert set(by_id) == {"c", "g"}
    claim = by_id["c"]
    assert (claim.document, claim.annotator, claim.layer, claim.label) == (
        "n",
        "alice",
        "claim",
        "CLAIM",
    )
    assert claim.text == "Le groupe a répondu.\u00a0"
    assert claim.contract == (0, len("Le groupe a répondu."))
    # Neither mode ends on whitespace, which spaCy refuses in entities.
    assert claim.expand == (0, len("Le groupe a répondu."))
    assert by_id["g"].contract is None  # no whole token inside "grou"
    assert by_id["g"].expand == at("groupe", MISALIGNED)


def test_strict_leaves_misaligned_spans_out_of_the_doc_but_never_out_of_user_data(
    scheme: Scheme,
) -> None:
    [doc], _ = build(Document("n", MISALIGNED, {}, [nbsp_set()]), scheme)

    assert "claim" not in doc.spans
    assert [e.text for e in doc.ents] == ["TikTok"]
    assert {s["id"] for s in doc.user_data["annotator"]["set"]["spans"]} == {"c", "t", "g"}
    # The entity that could not be placed makes its tokens unknown, not "outside".
    groupe = doc.char_span(*at("groupe", MISALIGNED))
    assert groupe[0].ent_iob_ == ""


@pytest.mark.parametrize("mode", ["contract", "expand"])
def test_contract_and_expand_place_the_snapped_span_and_still_list_it(
    scheme: Scheme, mode: Alignment
) -> None:
    [doc], audit = build(Document("n", MISALIGNED, {}, [nbsp_set()]), scheme, alignment=mode)

    claim = next(issue for issue in audit.misaligned if issue.span_id == "c")
    start, end = claim.contract if mode == "contract" else claim.expand
    assert [(s.start_char, s.end_char) for s in doc.spans["claim"]] == [(start, end)]
    assert len(audit.misaligned) == 2


def test_overlapping_entities_are_reported_and_kept_in_the_span_group(scheme: Scheme) -> None:
    aset = sample_set()
    aset.spans.append(
        Span("x", "entity", *at("Dubois"), "ORG", origin="model:x", state="suggested")
    )

    [doc], audit = build(Document("d", TEXT, {}, [aset]), scheme, include_suggestions=True)

    assert [(i.span_id, i.text) for i in audit.overlapping] == [("x", "Dubois")]
    assert [e.text for e in doc.ents] == ["Marie Dubois", "Oracle", "États-Unis"]
    assert ("Dubois", "ORG") in spans_of(doc, "entity")


def test_expand_can_make_entities_overlap_and_they_are_reported(scheme: Scheme) -> None:
    text = "Le rachat TikTokOracle inquiète."
    aset = AnnotationSet(
        "alice",
        "done",
        [
            Span("a", "entity", *at("TikTok", text), "ORG"),
            Span("b", "entity", *at("Oracle", text), "ORG"),
        ],
    )

    [doc], audit = build(Document("v", text, {}, [aset]), scheme, alignment="expand")

    assert [issue.span_id for issue in audit.misaligned] == ["a", "b"]
    assert [e.text for e in doc.ents] == ["TikTokOracle"]
    assert [(issue.span_id, issue.expand) for issue in audit.overlapping] == [
        ("b", at("TikTokOracle", text))
    ]


def test_the_entity_layer_is_the_first_non_overlap_layer_without_one_named_entity() -> None:
    scheme = Scheme.from_dict(
        {
            "span_layers": [
                {"name": "claim", "overlap": True, "labels": ["CLAIM"]},
                {"name": "ne", "overlap": False, "labels": ["PER"]},
            ]
        }
    )
    assert entity_layer(scheme) == "ne"


def test_a_layer_named_like_a_derived_span_group_is_refused() -> None:
    scheme = Scheme.from_dict({"span_layers": [{"name": "claimant", "labels": ["X"]}]})

    with pytest.raises(AnnotatorError, match="claimant"):
        ExampleBuilder(blank("fr"), scheme, "strict", False)


def test_an_unknown_language_falls_back_to_the_multilanguage_tokenizer() -> None:
    assert blank("zz").lang == "xx"
    assert blank("fr").lang == "fr"
