"""The invariants every stored annotation keeps (core/validation.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from annotator.core.errors import AnnotationError
from annotator.core.model import AnnotationSet, Relation, Span
from annotator.core.scheme import Scheme
from annotator.core.validation import (
    check_annotator_name,
    check_own_name,
    check_set,
    describe,
    problems,
    unknown_labels,
)

TEXT = "Le ministre Jean Dupont a déclaré que 🇫🇷 gagne."


def entity(span_id: str, start: int, end: int, label: str = "PER", **kw: str) -> Span:
    return Span(span_id, "entity", start, end, label, **kw)  # type: ignore[arg-type]


def valid_set() -> AnnotationSet:
    return AnnotationSet(
        "alice",
        "done",
        spans=[
            entity("e1", 12, 23),
            Span("c1", "claim", 38, len(TEXT), "CLAIM", {"stance": "FAVOR"}),
            Span("u1", "cue", 26, 33, "CUE"),
        ],
        relations=[Relation("c1", "e1", "CLAIMANT"), Relation("c1", "u1", "CUE")],
        doc_labels={"stance": "NONE"},
    )


def only_problem(aset: AnnotationSet, scheme: Scheme, text: str = TEXT) -> str:
    found = list(problems(text, aset, scheme))
    assert len(found) == 1, found
    return found[0]


def test_a_valid_set_has_no_problem(scheme: Scheme) -> None:
    assert list(problems(TEXT, valid_set(), scheme)) == []
    check_set("d1", TEXT, valid_set(), scheme)


def test_offsets_are_code_points_so_a_flag_at_the_end_fits(scheme: Scheme) -> None:
    text = "a🇫🇷"  # 3 code points, 5 UTF-16 units, 9 UTF-8 bytes
    aset = AnnotationSet("alice", spans=[entity("e1", 1, 3, "LOC")])

    assert list(problems(text, aset, scheme)) == []
    beyond = AnnotationSet("alice", spans=[entity("e1", 1, 5, "LOC")])
    assert "outside the text, which has 3 characters" in only_problem(beyond, scheme, text)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (-1, 4, "offsets are outside the text"),
        (40, len(TEXT) + 1, "offsets are outside the text"),
        (9, 4, "start must be before end"),
        (4, 4, "start must be before end"),
    ],
)
def test_offsets_out_of_range_inverted_or_empty_are_refused(
    scheme: Scheme, start: int, end: int, expected: str
) -> None:
    aset = AnnotationSet("alice", spans=[entity("e1", start, end)])

    assert expected in only_problem(aset, scheme)


def test_offsets_must_be_integers(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", spans=[entity("e1", True, 4)])  # a bool is not an offset

    assert "start and end must be integers" in only_problem(aset, scheme)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"label": "CITY"}, "label 'CITY' is not in layer 'entity' (labels: PER, ORG, LOC, MISC)"),
        ({"layer": "quote"}, "layer 'quote' is not in the scheme (layers: entity, claim, cue"),
        ({"state": "maybe"}, "state 'maybe' is not 'accepted' or 'suggested'"),
        ({"origin": "robot"}, "origin 'robot' is not 'manual', 'import' or 'model:NAME'"),
        ({"attrs": {"mood": "happy"}}, "attribute 'mood' is not defined for layer 'entity'"),
    ],
)
def test_span_fields_outside_the_scheme_are_refused(
    scheme: Scheme, change: dict[str, Any], expected: str
) -> None:
    aset = AnnotationSet("alice", spans=[replace(entity("e1", 0, 2), **change)])

    assert expected in only_problem(aset, scheme)


def test_an_unknown_label_points_at_extend_scheme(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", spans=[entity("e1", 0, 2, "CITY")])

    assert "--extend-scheme" in only_problem(aset, scheme)
    assert unknown_labels(aset, scheme) == {"entity": {"CITY"}}


def test_an_attribute_value_outside_its_vocabulary_is_refused(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", spans=[Span("c1", "claim", 0, 5, "CLAIM", {"stance": "MEH"})])

    assert "stance 'MEH' is not one of FAVOR, AGAINST, NONE" in only_problem(aset, scheme)


def test_a_status_outside_the_four_is_refused(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", "finished")

    assert "status 'finished' is not one of todo, in_progress, done, skipped" in only_problem(
        aset, scheme
    )


def test_a_span_id_used_twice_is_refused(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", spans=[entity("e1", 0, 2), entity("e1", 3, 8)])

    assert "span id 'e1' is used twice" in only_problem(aset, scheme)


def test_overlaps_are_refused_in_a_non_overlap_layer_including_nesting(scheme: Scheme) -> None:
    aset = AnnotationSet(
        "alice", spans=[entity("big", 0, 20), entity("in1", 2, 5), entity("in2", 8, 11)]
    )

    found = list(problems(TEXT, aset, scheme))

    assert len(found) == 2
    assert "'big' (0-20) and 'in1' (2-5) overlap in layer 'entity'" in found[0]
    assert "'big' (0-20) and 'in2' (8-11) overlap" in found[1]


def test_touching_spans_do_not_overlap(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", spans=[entity("a", 0, 5), entity("b", 5, 9)])

    assert list(problems(TEXT, aset, scheme)) == []


def test_overlap_layers_and_suggestions_may_overlap(scheme: Scheme) -> None:
    aset = AnnotationSet(
        "alice",
        spans=[
            Span("c1", "claim", 0, 20, "CLAIM"),
            Span("c2", "claim", 5, 30, "CLAIM"),
            entity("e1", 3, 10),
            entity("m1", 5, 15, origin="model:fr", state="suggested"),
        ],
    )

    assert list(problems(TEXT, aset, scheme)) == []


@pytest.mark.parametrize(
    ("relation", "expected"),
    [
        (Relation("c1", "e1", "QUOTES"), "relation 'QUOTES' is not in the scheme"),
        (Relation("c1", "e9", "CLAIMANT"), "span 'e9' does not exist in this annotation set"),
        (Relation("e1", "c1", "CLAIMANT"), "the head must be a span of claim, not 'entity'"),
        (Relation("c1", "e1", "CUE"), "the child must be a span of cue, not 'entity'"),
        (Relation("c1", "c1", "CLAIMANT"), "a span cannot be related to itself"),
        (Relation("c1", "u1", "CUE"), "the same relation is given twice"),
    ],
)
def test_relations_must_fit_the_scheme(scheme: Scheme, relation: Relation, expected: str) -> None:
    aset = valid_set()
    aset.relations.append(relation)

    assert expected in only_problem(aset, scheme)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"topic": "X"}, "question 'topic' is not in the scheme (questions: stance)"),
        ({"stance": ["FAVOR"]}, "question 'stance' takes one answer, got a list"),
        ({"stance": "MAYBE"}, "answer 'MAYBE' to 'stance' is not one of FAVOR, AGAINST, NONE"),
    ],
)
def test_document_labels_must_answer_a_question_of_the_scheme(
    scheme: Scheme, labels: dict[str, str | list[str]], expected: str
) -> None:
    aset = AnnotationSet("alice", doc_labels=labels)

    assert expected in only_problem(aset, scheme)


def test_a_multi_question_takes_a_list_of_its_values() -> None:
    scheme = Scheme.from_dict(
        {"questions": [{"name": "topics", "values": ["tech", "law"], "multi": True}]}
    )

    assert (
        list(problems("x", AnnotationSet("a", doc_labels={"topics": ["tech", "law"]}), scheme))
        == []
    )
    assert "answer 'art'" in only_problem(
        AnnotationSet("a", doc_labels={"topics": ["art"]}), scheme, "x"
    )


def test_check_set_names_the_document_and_the_annotator(scheme: Scheme) -> None:
    aset = AnnotationSet("alice", spans=[entity("e1", 9, 4)])

    with pytest.raises(AnnotationError, match=r"^document 'd7', annotator 'alice': span 'e1'"):
        check_set("d7", TEXT, aset, scheme)


@pytest.mark.parametrize("name", ["alice", "Zoé Müller", "annotator-2", "gold", "a" * 64])
def test_usable_annotator_names(name: str) -> None:
    check_annotator_name(name)


@pytest.mark.parametrize("name", ["", "a/b", "a\\b", "a|b", " alice", "alice ", "a\nb", "a" * 65])
def test_unusable_annotator_names_are_refused(name: str) -> None:
    with pytest.raises(AnnotationError, match="is not usable"):
        check_annotator_name(name)


def test_describe_shows_the_span_text() -> None:
    assert describe(entity("e1", 12, 23), TEXT) == "span 'e1' (entity/PER 12-23 'Jean Dupont')"


@pytest.mark.parametrize("name", ["gold", "Gold", "GOLD"])
def test_the_gold_layer_is_no_name_to_work_under(name: str) -> None:
    with pytest.raises(AnnotationError, match="is reserved: 'gold' is the adjudicated layer"):
        check_own_name(name)


@pytest.mark.parametrize("name", ["alice", "goldie", "gold standard"])
def test_other_names_are_names_to_work_under(name: str) -> None:
    check_own_name(name)


def test_a_name_to_work_under_is_also_a_usable_annotator_name() -> None:
    with pytest.raises(AnnotationError, match="not usable"):
        check_own_name("a/b")
