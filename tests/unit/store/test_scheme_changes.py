"""Changing the scheme of a corpus that holds annotations: renames follow, removals are
counted first, every change is undone exactly, and the corpus always validates."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from annotator.core.edits import AddSpan
from annotator.core.errors import SchemeError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.core.scheme import Scheme
from annotator.core.scheme_change import Rename, SchemeChange
from annotator.core.validation import check_set
from annotator.formats.jsonl import document_to_json
from annotator.services.corpora import init_corpus
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading
from annotator.store.scheme_changes import apply_scheme_change, impact

TEXT = "Jean Dupont a déclaré : « Nous ne vendrons rien ». Oracle 🇺🇸 confirme à Austin."


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def span(span_id: str, layer: str, needle: str, label: str, **attrs: str) -> Span:
    start, end = at(needle)
    return Span(span_id, layer, start, end, label, attrs, origin="manual")


def alice_set() -> AnnotationSet:
    """Spans in an order that is not text order, so that order preservation is tested."""
    return AnnotationSet(
        "alice",
        "done",
        spans=[
            span("c1", "claim", "Nous ne vendrons rien", "CLAIM", stance="AGAINST"),
            span("e1", "entity", "Jean Dupont", "PER"),
            span("u1", "cue", "a déclaré", "CUE"),
            span("e2", "entity", "Oracle", "ORG"),
            span("c2", "claim", "Oracle 🇺🇸 confirme", "CLAIM", stance="NONE"),
            span("e3", "entity", "Austin", "LOC"),
        ],
        relations=[
            Relation("c1", "e1", "CLAIMANT"),
            Relation("c1", "u1", "CUE"),
            Relation("c2", "e2", "CLAIMANT"),
        ],
        doc_labels={"stance": "AGAINST"},
        guideline_version=None,
    )


def bob_set() -> AnnotationSet:
    return AnnotationSet(
        "bob",
        "in_progress",
        spans=[span("b1", "entity", "Jean Dupont", "PER"), span("b2", "entity", "Oracle", "ORG")],
        doc_labels={"stance": "FAVOR"},
    )


@pytest.fixture
def annotated(corpus: Corpus) -> Corpus:
    corpus.add_documents(
        [
            Document("d1", TEXT, {}, [alice_set(), bob_set()]),
            Document(
                "d2",
                TEXT,
                {},
                [AnnotationSet("alice", spans=[span("x1", "entity", "Austin", "PER")])],
            ),
            Document("raw", "Pas d'annotation."),
        ]
    )
    return corpus


def exported(corpus: Corpus) -> str:
    """The whole corpus as native JSONL (suggestions included), to compare states."""
    docs = [document_to_json(doc, include_suggestions=True) for doc in corpus.documents()]
    return "\n".join(json.dumps(doc, ensure_ascii=False) for doc in docs)


def edited(corpus: Corpus, change: Callable[[dict[str, Any]], None]) -> Scheme:
    """The corpus scheme with ``change`` made to its file form."""
    data = corpus.scheme.to_dict()
    change(data)
    return Scheme.from_dict(data)


def layer(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(lay for lay in data["span_layers"] if lay["name"] == name)


def assert_valid(corpus: Corpus) -> None:
    """Every annotation set satisfies the corpus scheme, read back from the file."""
    with Corpus.open(corpus.location) as fresh:
        for doc in fresh.documents():
            for aset in doc.annotations:
                check_set(doc.id, doc.text, aset, fresh.scheme)


def set_of(corpus: Corpus, doc_id: str, annotator: str) -> AnnotationSet:
    return corpus.annotation_set(doc_id, annotator)


def drop_label(name: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        entity = layer(data, "entity")
        entity["labels"] = [lab for lab in entity["labels"] if lab["name"] != name]

    return change


def rename_label_in(data: dict[str, Any], layer_name: str, old: str, new: str) -> None:
    for lab in layer(data, layer_name)["labels"]:
        if lab["name"] == old:
            lab["name"] = new


# -- renames -------------------------------------------------------------------------------


def test_renaming_a_label_relabels_its_spans_in_every_annotation_set(annotated: Corpus) -> None:
    new = edited(annotated, lambda d: rename_label_in(d, "entity", "PER", "PERSON"))
    renames = (Rename("label", "PER", "PERSON", ("entity",)),)

    found = impact(annotated, new, renames)
    assert found.spans_renamed == {("entity", "PER"): 3}
    assert not found.removes_anything()

    apply_scheme_change(annotated, SchemeChange(new, renames))

    assert [
        (s.id, s.label) for s in set_of(annotated, "d1", "alice").spans if s.layer == "entity"
    ] == [
        ("e1", "PERSON"),
        ("e2", "ORG"),
        ("e3", "LOC"),
    ]
    assert set_of(annotated, "d1", "bob").spans[0].label == "PERSON"
    assert set_of(annotated, "d2", "alice").spans[0].label == "PERSON"
    assert annotated.scheme.layer("entity").label("PERSON") is not None  # type: ignore[union-attr]
    assert_valid(annotated)


def test_a_rename_bumps_the_revision_of_the_sets_it_changes_only(annotated: Corpus) -> None:
    """Open windows notice the relabelled sets (the rename runs set-wise, in SQL)."""
    annotated.add_documents([Document("d3", TEXT, {}, [AnnotationSet("carol", spans=[])])])

    def revisions() -> dict[tuple[int, int], int]:
        a = t.annotation_sets.c
        with reading(annotated.engine) as conn:
            rows = conn.execute(select(a.document_pk, a.annotator_pk, a.revision))
            return {(row[0], row[1]): row[2] for row in rows}

    new = edited(annotated, lambda d: rename_label_in(d, "entity", "ORG", "COMPANY"))
    before = revisions()
    apply_scheme_change(
        annotated, SchemeChange(new, (Rename("label", "ORG", "COMPANY", ("entity",)),))
    )
    after = revisions()

    bumped = sorted(key for key in after if after[key] != before[key])
    assert len(bumped) == 2  # alice's and bob's sets on d1; not d2 (no ORG), not carol's
    assert all(after[key] == before[key] + 1 for key in bumped)
    assert set_of(annotated, "d2", "alice").spans[0].label == "PER"


def test_undoing_a_rename_restores_the_corpus_exactly(annotated: Corpus) -> None:
    before, stored = exported(annotated), annotated.setting("scheme")
    new = edited(annotated, lambda d: rename_label_in(d, "entity", "PER", "PERSON"))
    inverse = apply_scheme_change(
        annotated, SchemeChange(new, (Rename("label", "PER", "PERSON", ("entity",)),))
    )
    assert exported(annotated) != before

    apply_scheme_change(annotated, inverse)

    assert exported(annotated) == before
    assert annotated.setting("scheme") == stored
    assert annotated.scheme.layer("entity").label("PER") is not None  # type: ignore[union-attr]


def test_renaming_a_layer_moves_its_spans_and_keeps_its_relations(annotated: Corpus) -> None:
    def change(data: dict[str, Any]) -> None:
        layer(data, "claim")["name"] = "assertion"
        for rel in data["relations"]:
            rel["head"] = "assertion" if rel["head"] == "claim" else rel["head"]
            rel["child"] = ["assertion" if c == "claim" else c for c in rel["child"]]

    before = exported(annotated)
    inverse = apply_scheme_change(
        annotated, SchemeChange(edited(annotated, change), (Rename("layer", "claim", "assertion"),))
    )

    alice = set_of(annotated, "d1", "alice")
    assert [s.id for s in alice.spans if s.layer == "assertion"] == ["c1", "c2"]
    assert len(alice.relations) == 3
    assert_valid(annotated)
    apply_scheme_change(annotated, inverse)
    assert exported(annotated) == before


def test_deleting_a_label_and_renaming_another_onto_its_name(annotated: Corpus) -> None:
    """The freed name belongs to the renamed label: the old ORG spans go, PER becomes ORG."""

    def change(data: dict[str, Any]) -> None:
        drop_label("ORG")(data)
        rename_label_in(data, "entity", "PER", "ORG")

    before = exported(annotated)
    renames = (Rename("label", "PER", "ORG", ("entity",)),)
    found = impact(annotated, edited(annotated, change), renames)
    assert found.spans_removed == {("entity", "ORG"): 2}

    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, change), renames))

    bob = set_of(annotated, "d1", "bob")
    assert [(s.id, s.label) for s in bob.spans] == [("b1", "ORG")]
    assert_valid(annotated)
    apply_scheme_change(annotated, inverse)
    assert exported(annotated) == before


def test_renaming_values_updates_attributes_and_answers(annotated: Corpus) -> None:
    def change(data: dict[str, Any]) -> None:
        layer(data, "claim")["attributes"][0]["values"] = ["FAVOR", "CONTRE", "NONE"]
        data["questions"][0]["values"] = ["FAVOR", "CONTRE", "NONE"]

    renames = (
        Rename("attribute_value", "AGAINST", "CONTRE", ("claim", "stance")),
        Rename("question_value", "AGAINST", "CONTRE", ("stance",)),
    )
    before = exported(annotated)
    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, change), renames))

    alice = set_of(annotated, "d1", "alice")
    assert alice.span("c1").attrs == {"stance": "CONTRE"}  # type: ignore[union-attr]
    assert alice.doc_labels == {"stance": "CONTRE"}
    assert set_of(annotated, "d1", "bob").doc_labels == {"stance": "FAVOR"}
    apply_scheme_change(annotated, inverse)
    assert exported(annotated) == before


# -- removals ------------------------------------------------------------------------------


def test_deleting_a_used_label_counts_what_it_would_remove_and_writes_nothing(
    annotated: Corpus,
) -> None:
    before = exported(annotated)

    found = impact(annotated, edited(annotated, drop_label("PER")))

    assert found.spans_removed == {("entity", "PER"): 3}
    assert found.relations_removed == {"CLAIMANT": 1}
    assert found.removals() == ["3 spans entity/PER", "1 relation CLAIMANT"]
    assert found.sets_changed == 3
    assert exported(annotated) == before


def test_deleting_a_used_label_removes_its_spans_and_their_relations(annotated: Corpus) -> None:
    apply_scheme_change(annotated, SchemeChange(edited(annotated, drop_label("PER"))))

    alice = set_of(annotated, "d1", "alice")
    assert [s.id for s in alice.spans] == ["c1", "u1", "e2", "c2", "e3"]
    assert alice.relations == [Relation("c1", "u1", "CUE"), Relation("c2", "e2", "CLAIMANT")]
    assert set_of(annotated, "d2", "alice").spans == []
    assert_valid(annotated)


def test_undoing_a_deletion_restores_the_same_spans_in_the_same_order(annotated: Corpus) -> None:
    before = exported(annotated)
    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, drop_label("PER"))))

    redo = apply_scheme_change(annotated, inverse)

    assert exported(annotated) == before
    assert [s.id for s in set_of(annotated, "d1", "alice").spans] == [
        "c1", "e1", "u1", "e2", "c2", "e3",
    ]  # fmt: skip
    assert_valid(annotated)
    apply_scheme_change(annotated, redo)
    assert [s.id for s in set_of(annotated, "d1", "alice").spans] == ["c1", "u1", "e2", "c2", "e3"]


def test_deleting_a_question_removes_its_answers(annotated: Corpus) -> None:
    def change(data: dict[str, Any]) -> None:
        data["questions"] = []

    before = exported(annotated)
    assert impact(annotated, edited(annotated, change)).answers_removed == {"stance": 2}

    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, change)))

    assert set_of(annotated, "d1", "alice").doc_labels == {}
    assert set_of(annotated, "d1", "bob").doc_labels == {}
    assert_valid(annotated)
    apply_scheme_change(annotated, inverse)
    assert exported(annotated) == before


def test_deleting_a_relation_type_removes_its_relations_but_not_their_spans(
    annotated: Corpus,
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["relations"] = [r for r in data["relations"] if r["name"] != "CLAIMANT"]

    before = exported(annotated)
    found = impact(annotated, edited(annotated, change))
    assert (found.relations_removed, found.spans_removed) == ({"CLAIMANT": 2}, {})

    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, change)))

    alice = set_of(annotated, "d1", "alice")
    assert alice.relations == [Relation("c1", "u1", "CUE")]
    assert len(alice.spans) == 6
    apply_scheme_change(annotated, inverse)
    assert exported(annotated) == before


def test_removing_an_attribute_value_removes_it_from_the_spans_that_carry_it(
    annotated: Corpus,
) -> None:
    def change(data: dict[str, Any]) -> None:
        layer(data, "claim")["attributes"][0]["values"] = ["FAVOR", "AGAINST"]

    before = exported(annotated)
    assert impact(annotated, edited(annotated, change)).attributes_removed == {
        ("claim", "stance"): 1
    }

    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, change)))

    alice = set_of(annotated, "d1", "alice")
    assert alice.span("c2").attrs == {}  # type: ignore[union-attr]
    assert alice.span("c1").attrs == {"stance": "AGAINST"}  # type: ignore[union-attr]
    assert_valid(annotated)
    apply_scheme_change(annotated, inverse)
    assert exported(annotated) == before


def test_deleting_a_layer_removes_its_spans_and_the_relation_types_on_it(
    annotated: Corpus,
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["span_layers"] = [lay for lay in data["span_layers"] if lay["name"] != "cue"]
        data["relations"] = [r for r in data["relations"] if r["name"] != "CUE"]

    before = exported(annotated)
    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, change)))

    alice = set_of(annotated, "d1", "alice")
    assert "u1" not in {s.id for s in alice.spans}
    assert Relation("c1", "u1", "CUE") not in alice.relations
    assert_valid(annotated)
    apply_scheme_change(annotated, inverse)
    assert exported(annotated) == before


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "message"), [("o", "used by both"), ("w", "kept for the window")])
def test_a_key_conflict_is_refused_and_nothing_changes(
    annotated: Corpus, key: str, message: str
) -> None:
    before, scheme = exported(annotated), annotated.scheme.to_dict()
    conflicting = with_key(annotated.scheme, "entity", "PER", key)

    with pytest.raises(SchemeError, match=message):
        impact(annotated, conflicting)
    with pytest.raises(SchemeError, match=message):
        apply_scheme_change(annotated, SchemeChange(conflicting))

    assert exported(annotated) == before
    assert Corpus.open(annotated.location).scheme.to_dict() == scheme


def test_a_rename_of_a_missing_label_is_refused(annotated: Corpus) -> None:
    with pytest.raises(SchemeError, match="no such label"):
        apply_scheme_change(
            annotated,
            SchemeChange(annotated.scheme, (Rename("label", "NOPE", "PER", ("entity",)),)),
        )


def test_forbidding_overlaps_where_spans_overlap_is_refused_and_nothing_changes(
    annotated: Corpus,
) -> None:
    annotated.apply_edit("d1", "alice", AddSpan(span("c3", "claim", "Nous ne", "CLAIM")))
    before = exported(annotated)

    def change(data: dict[str, Any]) -> None:
        layer(data, "claim")["overlap"] = False

    found = impact(annotated, edited(annotated, change))
    assert len(found.problems) == 1 and "overlap" in found.problems[0]
    with pytest.raises(SchemeError, match=r"'d1'.*overlap"):
        apply_scheme_change(annotated, SchemeChange(edited(annotated, change)))
    assert exported(annotated) == before


def test_recolouring_a_label_touches_no_annotation_set(annotated: Corpus) -> None:
    def change(data: dict[str, Any]) -> None:
        layer(data, "entity")["labels"][0]["color"] = "#000000"

    def revisions() -> list[int]:
        with reading(annotated.engine) as conn:
            return [row[0] for row in conn.execute(select(t.annotation_sets.c.revision))]

    before = revisions()
    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, change)))

    assert revisions() == before
    assert annotated.scheme.color_of("entity", "PER") == "#000000"
    assert inverse.restores == ()
    assert inverse.scheme.color_of("entity", "PER") == "#e6550d"


def with_key(scheme: Scheme, layer_name: str, label: str, key: str) -> Scheme:
    """``scheme`` with one label's key changed, built directly (no checks on the way)."""
    layers = []
    for lay in scheme.span_layers:
        if lay.name == layer_name:
            labels = tuple(
                replace(lab, key=key) if lab.name == label else lab for lab in lay.labels
            )
            lay = replace(lay, labels=labels)
        layers.append(lay)
    return replace(scheme, span_layers=tuple(layers))


# -- any change ----------------------------------------------------------------------------

FATE = st.sampled_from(["keep", "delete", "rename"])


@st.composite
def scheme_edits(draw: st.DrawFn, scheme: Scheme) -> tuple[Scheme, tuple[Rename, ...]]:
    """A random change of the default scheme: labels, a layer, values, relations, questions."""
    data = scheme.to_dict()
    renames: list[Rename] = []
    entity = layer(data, "entity")
    kept = []
    for lab in entity["labels"]:
        fate = draw(FATE)
        if fate == "rename":
            renames.append(Rename("label", lab["name"], lab["name"] + "_X", ("entity",)))
            lab["name"] += "_X"
        if fate != "delete":
            kept.append(lab)
    entity["labels"] = kept
    stance = layer(data, "claim")["attributes"][0]
    values = list(stance["values"])
    for value in stance["values"]:
        fate = draw(FATE)
        if fate == "delete" and len(values) > 1:
            values.remove(value)
        elif fate == "rename":
            renames.append(Rename("attribute_value", value, value + "_X", ("claim", "stance")))
            values[values.index(value)] = value + "_X"
    stance["values"] = values
    if draw(st.booleans()):
        renames.append(Rename("layer", "claim", "statement"))
        layer(data, "claim")["name"] = "statement"
        for rel in data["relations"]:
            rel["head"] = "statement"
            rel["child"] = ["statement" if c == "claim" else c for c in rel["child"]]
    relations = []
    for rel in data["relations"]:
        fate = draw(FATE)
        if fate == "rename":
            renames.append(Rename("relation", rel["name"], rel["name"] + "_X"))
            rel["name"] += "_X"
        if fate != "delete":
            relations.append(rel)
    data["relations"] = relations
    question = data["questions"][0]
    question["multi"] = draw(st.booleans())
    if draw(st.booleans()):
        question["values"] = question["values"][:1]
    if draw(FATE) == "delete":
        data["questions"] = []
    return Scheme.from_dict(data), tuple(renames)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_change_validates_and_its_inverse_restores_the_corpus_exactly(
    data: st.DataObject,
) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        init_corpus(Path(folder) / "c.annotator") as corpus,
    ):
        corpus.add_documents([Document("d1", TEXT, {}, [alice_set(), bob_set()])])
        new, renames = data.draw(scheme_edits(corpus.scheme))
        before = exported(corpus)
        counted = impact(corpus, new, renames)

        inverse = apply_scheme_change(corpus, SchemeChange(new, renames))
        after = exported(corpus)
        assert_valid(corpus)
        assert sum(len(r.spans) for r in inverse.restores) >= sum(counted.spans_removed.values())

        redo = apply_scheme_change(corpus, inverse)
        assert exported(corpus) == before
        apply_scheme_change(corpus, redo)
        assert exported(corpus) == after


def test_actor_links_stay_with_their_spans_through_renames_deletions_and_undo(
    annotated: Corpus,
) -> None:
    from annotator.core.actors import Actor
    from annotator.core.edits import LinkActor
    from annotator.store.actors import add_actor

    add_actor(annotated, Actor("a1", "Oracle"))
    annotated.apply_edit("d1", "alice", LinkActor("e2", "a1"))
    new = edited(annotated, lambda d: rename_label_in(d, "entity", "ORG", "ORGANISATION"))
    apply_scheme_change(
        annotated, SchemeChange(new, (Rename("label", "ORG", "ORGANISATION", ("entity",)),))
    )
    assert set_of(annotated, "d1", "alice").actor_links == {"e2": "a1"}

    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, drop_label("PER"))))
    apply_scheme_change(annotated, inverse)  # the set's spans are written anew, in order
    alice = set_of(annotated, "d1", "alice")
    assert "e1" in {s.id for s in alice.spans}
    assert alice.actor_links == {"e2": "a1"}


def test_the_link_of_a_span_a_scheme_change_removes_comes_back_with_its_undo(
    annotated: Corpus,
) -> None:
    from annotator.core.actors import Actor
    from annotator.core.edits import LinkActor
    from annotator.store.actors import add_actor

    add_actor(annotated, Actor("a1", "Jean Dupont", "person"))
    annotated.apply_edit("d1", "alice", LinkActor("e1", "a1"))  # e1: a PER span
    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, drop_label("PER"))))
    assert set_of(annotated, "d1", "alice").actor_links == {}  # gone with its span
    apply_scheme_change(annotated, inverse)
    alice = set_of(annotated, "d1", "alice")
    assert "e1" in {s.id for s in alice.spans}
    assert alice.actor_links == {"e1": "a1"}


def generated_corpus(path: Path, seed: int) -> Corpus:
    """Documents with entities (some linked to actors), claims with claimants and cues,
    and answers, by two annotators, drawn at random."""
    from annotator.core.actors import Actor
    from annotator.store.actors import add_actor
    from tests.unit.nlp.spacy_samples import generated_documents

    corpus = init_corpus(path)
    add_actor(corpus, Actor("act-a", "Oracle"))
    documents = generated_documents(60, seed)
    rng = random.Random(seed)
    for document in documents:
        alice = document.annotations[0]
        for span_ in alice.spans:
            if span_.layer == "entity" and rng.random() < 0.3:
                alice.actor_links[span_.id] = "act-a"
        bob = replace(alice, annotator="bob", spans=list(alice.spans[::-1]))
        document.annotations.append(bob)
    corpus.add_documents(documents)
    return corpus


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_set_wise_removal_and_its_undo_give_what_the_set_by_set_path_gives(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing labels used across the corpus (with relations and actor links on their
    spans) and renaming another is done set-wise; its result, and its undo's, are those
    of migrating set by set, span order and actor links included."""
    import annotator.store.scheme_changes as module

    def change(data: dict[str, Any]) -> None:
        drop_label("PER")(data)
        entity = layer(data, "entity")
        entity["labels"] = [lab for lab in entity["labels"] if lab["name"] != "LOC"]
        rename_label_in(data, "entity", "ORG", "ORGANISATION")

    results = []
    for set_wise in (True, False):
        if not set_wise:
            monkeypatch.setattr(module, "_set_wise", lambda conn, smap: False)
        corpus = generated_corpus(tmp_path / f"{set_wise}.annotator", seed)
        before = exported(corpus)
        renames = (Rename("label", "ORG", "ORGANISATION", ("entity",)),)
        inverse = apply_scheme_change(corpus, SchemeChange(edited(corpus, change), renames))
        after = exported(corpus)
        assert after != before and '"PER"' not in after and '"ORGANISATION"' in after
        assert_valid(corpus)
        apply_scheme_change(corpus, inverse)
        assert exported(corpus) == before  # exactly: order, links, relations
        results.append(after)
        corpus.close()
    assert results[0] == results[1]


def test_an_undo_whose_row_keys_were_taken_since_goes_set_by_set(annotated: Corpus) -> None:
    before = exported(annotated)
    inverse = apply_scheme_change(annotated, SchemeChange(edited(annotated, drop_label("PER"))))
    assert inverse.restores and all(r.span_keys for r in inverse.restores)  # set-wise
    with reading(annotated.engine) as conn:
        present = conn.execute(select(t.spans.c.pk).limit(1)).scalar_one()
    taken = replace(  # as if a span written since had one of their row keys
        inverse,
        restores=tuple(
            replace(r, span_keys=(present,) * len(r.span_keys)) for r in inverse.restores
        ),
    )
    apply_scheme_change(annotated, taken)  # restored set by set, at the indexes
    assert exported(annotated) == before
