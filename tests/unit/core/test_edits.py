"""Edits as plain data: each one applied returns the edit that undoes it."""

from __future__ import annotations

import contextlib
import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.edits import (
    AddRelation,
    AddSpan,
    Compound,
    Edit,
    RemoveRelation,
    RemoveSpan,
    SetAttr,
    SetBounds,
    SetDocLabel,
    SetLabel,
    SetSpanState,
    SetStatus,
    apply,
)
from annotator.core.errors import AnnotationError
from annotator.core.model import AnnotationSet, Relation, Span


def sample_set() -> AnnotationSet:
    return AnnotationSet(
        "alice",
        "in_progress",
        spans=[
            Span("e1", "entity", 0, 5, "PER", origin="manual"),
            Span("c1", "claim", 10, 30, "CLAIM", {"stance": "FAVOR"}),
            Span("u1", "cue", 6, 9, "CUE"),
            Span("m1", "entity", 40, 45, "ORG", origin="model:fr", state="suggested"),
        ],
        relations=[Relation("c1", "e1", "CLAIMANT"), Relation("c1", "u1", "CUE")],
        doc_labels={"stance": "NONE", "topics": ["tech"]},
    )


def canonical(aset: AnnotationSet) -> tuple[object, ...]:
    """A set's content regardless of the order of its spans and relations."""
    return (
        aset.annotator,
        aset.status,
        sorted(aset.spans, key=lambda s: s.id),
        sorted(aset.relations, key=lambda r: (r.head, r.child, r.label)),
        aset.doc_labels,
    )


EVERY_EDIT: list[Edit] = [
    AddSpan(Span("e2", "entity", 20, 25, "LOC")),
    AddSpan(Span("e3", "entity", 50, 55, "ORG"), (Relation("c1", "e3", "CLAIMANT"),)),
    RemoveSpan("e1"),
    RemoveSpan("c1"),
    SetLabel("e1", "ORG"),
    SetBounds("c1", 11, 29),
    SetAttr("c1", "stance", "AGAINST"),
    SetAttr("c1", "stance", None),
    SetAttr("e1", "confidence", "high"),
    SetSpanState("m1", "accepted"),
    SetSpanState("m1", "accepted", "manual"),
    AddRelation(Relation("c1", "m1", "CLAIMANT")),
    RemoveRelation(Relation("c1", "u1", "CUE")),
    SetDocLabel("stance", "AGAINST"),
    SetDocLabel("stance", None),
    SetDocLabel("topics", ["tech", "law"]),
    SetDocLabel("new", "x"),
    SetStatus("done"),
    Compound((SetLabel("e1", "LOC"), SetBounds("e1", 1, 4), SetStatus("done"))),
]


@pytest.mark.parametrize("edit", EVERY_EDIT, ids=lambda e: type(e).__name__)
def test_every_edit_changes_the_set_and_its_inverse_restores_it(edit: Edit) -> None:
    aset = sample_set()
    before = canonical(sample_set())

    inverse = apply(aset, edit)
    assert canonical(aset) != before

    apply(aset, inverse)
    assert canonical(aset) == before


def test_removing_a_span_removes_its_relations_and_undo_brings_them_back() -> None:
    aset = sample_set()

    inverse = apply(aset, RemoveSpan("c1"))

    assert aset.relations == []
    assert inverse == AddSpan(
        Span("c1", "claim", 10, 30, "CLAIM", {"stance": "FAVOR"}),
        (Relation("c1", "e1", "CLAIMANT"), Relation("c1", "u1", "CUE")),
    )
    apply(aset, inverse)
    assert sorted(aset.relations, key=str) == sorted(sample_set().relations, key=str)


def test_accepting_a_suggestion_with_an_origin_and_undoing_restores_both() -> None:
    aset = sample_set()

    inverse = apply(aset, SetSpanState("m1", "accepted", "manual"))

    assert aset.span("m1") == Span("m1", "entity", 40, 45, "ORG", origin="manual")
    assert inverse == SetSpanState("m1", "suggested", "model:fr")


def test_the_inverse_of_a_compound_undoes_its_parts_in_reverse_order() -> None:
    aset = sample_set()

    inverse = apply(aset, Compound((SetBounds("e1", 1, 4), SetBounds("e1", 2, 3))))

    assert inverse == Compound((SetBounds("e1", 1, 4), SetBounds("e1", 0, 5)))


def test_a_compound_whose_part_fails_leaves_the_set_unchanged() -> None:
    aset = sample_set()
    before = copy.deepcopy(canonical(aset))

    with pytest.raises(AnnotationError):
        apply(aset, Compound((SetLabel("e1", "LOC"), RemoveSpan("c1"), RemoveSpan("nope"))))

    assert canonical(aset) == before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (AddSpan(Span("e1", "entity", 50, 55, "PER")), "span id 'e1' already exists"),
        (RemoveSpan("nope"), "span 'nope' does not exist"),
        (SetLabel("nope", "PER"), "span 'nope' does not exist"),
        (SetBounds("nope", 1, 2), "span 'nope' does not exist"),
        (SetAttr("nope", "stance", "FAVOR"), "span 'nope' does not exist"),
        (SetSpanState("nope", "accepted"), "span 'nope' does not exist"),
        (AddRelation(Relation("c1", "e1", "CLAIMANT")), "relation CLAIMANT already exists"),
        (RemoveRelation(Relation("c1", "m1", "CLAIMANT")), "relation CLAIMANT does not exist"),
        (AddRelation(Relation("c1", "ghost", "CLAIMANT")), "span 'ghost' does not exist"),
    ],
)
def test_an_edit_on_something_missing_or_already_there_is_refused(edit: Edit, message: str) -> None:
    aset = sample_set()

    with pytest.raises(AnnotationError, match=message):
        apply(aset, edit)
    assert canonical(aset) == canonical(sample_set())


def test_something_that_is_not_an_edit_is_a_bug() -> None:
    with pytest.raises(TypeError):
        apply(sample_set(), "RemoveSpan e1")  # type: ignore[arg-type]


SPAN_IDS = ("e1", "c1", "u1", "m1", "n1", "n2")
edits = st.one_of(
    st.builds(
        AddSpan,
        st.builds(
            Span,
            st.sampled_from(SPAN_IDS),
            st.sampled_from(("entity", "claim")),
            st.integers(0, 50),
            st.integers(51, 90),
            st.sampled_from(("PER", "CLAIM")),
        ),
    ),
    st.builds(RemoveSpan, st.sampled_from(SPAN_IDS)),
    st.builds(SetLabel, st.sampled_from(SPAN_IDS), st.sampled_from(("LOC", "ORG"))),
    st.builds(SetBounds, st.sampled_from(SPAN_IDS), st.integers(0, 50), st.integers(51, 90)),
    st.builds(
        SetAttr,
        st.sampled_from(SPAN_IDS),
        st.just("stance"),
        st.sampled_from(("FAVOR", "NONE", None)),
    ),
    st.builds(SetSpanState, st.sampled_from(SPAN_IDS), st.sampled_from(("accepted", "suggested"))),
    st.builds(
        AddRelation,
        st.builds(Relation, st.sampled_from(SPAN_IDS), st.sampled_from(SPAN_IDS), st.just("R")),
    ),
    st.builds(SetDocLabel, st.just("stance"), st.sampled_from(("FAVOR", None))),
    st.builds(SetStatus, st.sampled_from(("todo", "done"))),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(edits, max_size=12))
def test_undoing_any_sequence_of_edits_in_reverse_restores_the_set(sequence: list[Edit]) -> None:
    aset = sample_set()
    before = canonical(sample_set())
    undo: list[Edit] = []
    for edit in sequence:
        with contextlib.suppress(AnnotationError):  # a refused edit changes nothing
            undo.append(apply(aset, edit))

    for inverse in reversed(undo):
        apply(aset, inverse)

    assert canonical(aset) == before
