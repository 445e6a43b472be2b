"""The repository: a corpus file read and written as core objects."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

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
)
from annotator.core.errors import AnnotationError, CorpusError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.core.scheme import Scheme
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading

TEXT = "Jean Dupont a déclaré : « Nous ne vendrons rien ». Oracle 🇺🇸 confirme à Austin."


def annotated_document(doc_id: str = "d1") -> Document:
    alice = AnnotationSet(
        "alice",
        "in_progress",
        spans=[
            Span("e1", "entity", 0, 11, "PER", origin="manual"),
            Span("c1", "claim", 24, 49, "CLAIM", {"stance": "AGAINST"}),
            Span("u1", "cue", 12, 21, "CUE"),
            Span("m1", "entity", 51, 57, "ORG", origin="model:fr", state="suggested"),
        ],
        relations=[Relation("c1", "e1", "CLAIMANT"), Relation("c1", "u1", "CUE")],
        doc_labels={"stance": "NONE"},
    )
    return Document(doc_id, TEXT, {"source": "AFP"}, [alice])


def canonical(aset: AnnotationSet) -> tuple[object, ...]:
    return (
        aset.status,
        sorted(aset.spans, key=lambda s: s.id),
        sorted(aset.relations, key=lambda r: (r.head, r.child, r.label)),
        aset.doc_labels,
    )


def untimed(docs: list[Document]) -> list[Document]:
    """``docs`` without the timestamps the store adds to annotation sets."""
    for doc in docs:
        for aset in doc.annotations:
            assert aset.created_at and aset.updated_at
            aset.created_at = aset.updated_at = None
    return docs


def dump(path: Path) -> list[str]:
    """Every row of every table, as SQL: "unchanged" means this list is equal."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


# -- opening and creating ------------------------------------------------------------------


def test_create_refuses_an_existing_file(tmp_path: Path, scheme: Scheme) -> None:
    existing = tmp_path / "notes.annotator"
    existing.write_text("my notes")

    with pytest.raises(CorpusError, match="a file already exists there"):
        Corpus.create(existing, scheme)
    assert existing.read_text() == "my notes"


def test_open_explains_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no corpus here; create one with 'annotator init"):
        Corpus.open(tmp_path / "missing.annotator")


def test_open_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "text.annotator"
    path.write_text("hello, this is not a database at all")

    with pytest.raises(CorpusError, match="not a corpus file"):
        Corpus.open(path)


def test_open_refuses_an_empty_file_and_an_unrelated_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.annotator"
    empty.touch()
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (x)")
    conn.close()

    with pytest.raises(CorpusError, match="an empty file, not an Annotator corpus"):
        Corpus.open(empty)
    with pytest.raises(CorpusError, match="an unrelated database, not an Annotator corpus"):
        Corpus.open(other)


def test_settings_and_scheme_survive_reopening(corpus_path: Path, corpus: Corpus) -> None:
    corpus.set_setting("target", {"text": "l’État 🇫🇷", "n": [1, 2]})
    grown = corpus.scheme.with_labels({"entity": ["DATE"]})
    corpus.set_scheme(grown)
    corpus.close()

    with Corpus.open(corpus_path) as reopened:
        assert reopened.setting("target") == {"text": "l’État 🇫🇷", "n": [1, 2]}
        assert reopened.setting("absent", "fallback") == "fallback"
        assert reopened.scheme == grown


# -- documents -----------------------------------------------------------------------------


def test_documents_come_back_exactly_as_added(corpus: Corpus) -> None:
    docs = [annotated_document("d1"), Document("d2", "Texte\u00a0brut\r\n\u2028fin", {})]

    assert corpus.add_documents(docs) == 2

    assert untimed(list(corpus.documents())) == docs
    assert corpus.document("d2") == docs[1]
    assert corpus.document_ids() == ["d1", "d2"]
    assert corpus.text_hashes(["d2", "zz"]) == {"d2": docs[1].text_sha256}


def test_documents_are_read_in_corpus_order_across_batches(corpus: Corpus) -> None:
    docs = [Document(f"doc-{n:03}", f"texte {n}") for n in range(25, 0, -1)]
    corpus.add_documents(docs)

    assert [d.id for d in corpus.documents(batch=7)] == [d.id for d in docs]
    chosen = [f"doc-{n:03}" for n in (3, 20, 11)]
    assert sorted(d.id for d in corpus.documents(chosen, batch=2)) == sorted(chosen)


def test_a_missing_document_is_a_corpus_error(corpus: Corpus) -> None:
    with pytest.raises(CorpusError, match="no document with id 'nope'"):
        corpus.document("nope")


def test_the_same_document_again_only_brings_its_new_annotation_sets(corpus: Corpus) -> None:
    corpus.add_documents([Document("d1", TEXT)])

    added = corpus.add_documents([annotated_document("d1")])

    assert added == 0
    assert corpus.document_count() == 1
    (stored,) = untimed([corpus.document("d1")])
    assert stored.annotations == annotated_document().annotations
    assert stored.meta == {}  # the document itself is the one already there


def test_a_known_id_with_another_text_is_refused_and_nothing_is_written(
    corpus_path: Path, corpus: Corpus
) -> None:
    corpus.add_documents([Document("d1", TEXT)])
    before = dump(corpus_path)

    with pytest.raises(CorpusError, match="'d1' is already in the corpus with a different text"):
        corpus.add_documents([Document("d0", "new"), Document("d1", TEXT + " (v2)")])

    assert dump(corpus_path) == before


def test_annotations_by_someone_who_already_annotated_the_document_are_refused(
    corpus_path: Path, corpus: Corpus
) -> None:
    corpus.add_documents([annotated_document()])
    before = dump(corpus_path)

    with pytest.raises(AnnotationError, match="already has annotations by 'alice'"):
        corpus.add_documents([annotated_document()])

    assert dump(corpus_path) == before


def test_annotators_are_those_with_a_set(corpus: Corpus) -> None:
    corpus.add_documents([annotated_document()])

    assert corpus.annotators() == ["alice"]
    assert corpus.annotation_set("d1", "bob") == AnnotationSet("bob")


# -- edits -------------------------------------------------------------------------------

EVERY_EDIT: list[Edit] = [
    AddSpan(Span("e2", "entity", 72, 78, "LOC", origin="manual")),  # Austin
    AddSpan(Span("e3", "entity", 58, 60, "MISC"), (Relation("c1", "e3", "CLAIMANT"),)),  # 🇺🇸
    RemoveSpan("e1"),
    RemoveSpan("c1"),
    SetLabel("e1", "ORG"),
    SetBounds("c1", 25, 48),
    SetAttr("c1", "stance", "FAVOR"),
    SetAttr("c1", "stance", None),
    SetSpanState("m1", "accepted"),
    SetSpanState("m1", "accepted", "manual"),
    AddRelation(Relation("c1", "m1", "CLAIMANT")),
    RemoveRelation(Relation("c1", "u1", "CUE")),
    SetDocLabel("stance", "AGAINST"),
    SetDocLabel("stance", None),
    SetStatus("done"),
    Compound((SetLabel("e1", "MISC"), SetBounds("e1", 0, 4), SetStatus("skipped"))),
]


@pytest.mark.parametrize("edit", EVERY_EDIT, ids=lambda e: type(e).__name__)
def test_every_edit_is_committed_and_its_inverse_restores_the_stored_set(
    corpus_path: Path, corpus: Corpus, edit: Edit
) -> None:
    corpus.add_documents([annotated_document()])
    before = canonical(corpus.annotation_set("d1", "alice"))

    inverse = corpus.apply_edit("d1", "alice", edit)
    with Corpus.open(corpus_path) as other:  # committed: another connection sees it
        assert canonical(other.annotation_set("d1", "alice")) != before

    corpus.apply_edit("d1", "alice", inverse)
    with Corpus.open(corpus_path) as other:
        assert canonical(other.annotation_set("d1", "alice")) == before


def test_the_first_edit_of_an_annotator_creates_their_set(corpus: Corpus) -> None:
    corpus.add_documents([Document("d1", TEXT)])

    corpus.apply_edit("d1", "zoé", AddSpan(Span("s1", "entity", 0, 4, "PER", origin="manual")))

    aset = corpus.annotation_set("d1", "zoé")
    assert aset.status == "todo"
    assert aset.spans == [Span("s1", "entity", 0, 4, "PER", origin="manual")]
    assert corpus.annotators() == ["zoé"]


def test_each_edit_bumps_the_revision_of_its_set(corpus: Corpus) -> None:
    corpus.add_documents([annotated_document()])

    def revision() -> int:
        with reading(corpus.engine) as conn:
            return int(conn.execute(select(t.annotation_sets.c.revision)).scalar_one())

    assert revision() == 0
    corpus.apply_edit("d1", "alice", SetStatus("done"))
    corpus.apply_edit("d1", "alice", SetLabel("e1", "ORG"))
    assert revision() == 2


INVALID_EDITS: list[tuple[str, Edit, str]] = [
    ("alice", AddSpan(Span("e9", "entity", 5, 15, "ORG")), "overlap in layer 'entity'"),
    ("alice", AddSpan(Span("e9", "entity", 58, 60, "CITY")), "label 'CITY' is not in layer"),
    ("alice", SetLabel("e1", "CITY"), "label 'CITY' is not in layer"),
    ("alice", SetBounds("e1", 0, 500), "offsets are outside the text"),
    ("alice", SetBounds("e1", 8, 3), "start must be before end"),
    ("alice", SetAttr("c1", "stance", "MAYBE"), "stance 'MAYBE' is not one of"),
    ("alice", SetStatus("finished"), "status 'finished' is not one of"),
    ("alice", AddRelation(Relation("e1", "c1", "CLAIMANT")), "the head must be a span of claim"),
    ("alice", SetDocLabel("mood", "happy"), "question 'mood' is not in the scheme"),
    ("alice", RemoveSpan("nope"), "span 'nope' does not exist"),
    ("alice", AddSpan(Span("e1", "entity", 58, 60, "ORG")), "span id 'e1' already exists"),
    ("alice", Compound((SetStatus("done"), RemoveSpan("nope"))), "span 'nope' does not exist"),
    ("zoé", AddSpan(Span("z1", "entity", 0, 4, "CITY")), "label 'CITY'"),
    ("a/b", SetStatus("done"), "annotator name 'a/b' is not usable"),
]


@pytest.mark.parametrize(
    ("annotator", "edit", "message"),
    INVALID_EDITS,
    ids=lambda v: v[:16] if isinstance(v, str) else type(v).__name__,
)
def test_an_invalid_edit_raises_and_leaves_the_database_unchanged(
    corpus_path: Path, corpus: Corpus, annotator: str, edit: Edit, message: str
) -> None:
    corpus.add_documents([annotated_document()])
    before = dump(corpus_path)

    with pytest.raises(AnnotationError, match=message):
        corpus.apply_edit("d1", annotator, edit)

    assert dump(corpus_path) == before


def test_accepting_a_suggestion_that_overlaps_an_accepted_entity_is_refused(
    corpus_path: Path, corpus: Corpus
) -> None:
    doc = annotated_document()
    doc.annotations[0].spans.append(
        Span("m2", "entity", 5, 15, "ORG", origin="model:fr", state="suggested")
    )
    corpus.add_documents([doc])
    before = dump(corpus_path)

    with pytest.raises(AnnotationError, match="'e1' \\(0-11\\) and 'm2' \\(5-15\\) overlap"):
        corpus.apply_edit("d1", "alice", SetSpanState("m2", "accepted", "manual"))

    assert dump(corpus_path) == before


def test_edits_through_two_corpus_objects_are_both_kept(corpus_path: Path, corpus: Corpus) -> None:
    corpus.add_documents([Document("d1", TEXT)])
    with Corpus.open(corpus_path) as other:
        for n in range(10):
            mine = Span(f"a{n}", "claim", n, n + 5, "CLAIM", origin="manual")
            theirs = Span(f"b{n}", "claim", n, n + 6, "CLAIM", origin="manual")
            corpus.apply_edit("d1", "alice", AddSpan(mine))
            other.apply_edit("d1", "alice", AddSpan(theirs))

    assert len(corpus.annotation_set("d1", "alice").spans) == 20


# -- guidelines and backups -------------------------------------------------------------------


def test_guidelines_are_versioned(tmp_path: Path, scheme: Scheme) -> None:
    with Corpus.create(tmp_path / "bare.annotator", scheme) as corpus:
        assert corpus.guidelines() is None

        assert corpus.add_guidelines("# Règles\nv1", "lead") == 1
        assert corpus.add_guidelines("# Règles\nv2", "lead") == 2

        assert corpus.guidelines() == (2, "# Règles\nv2")


def test_a_backup_is_a_complete_corpus(tmp_path: Path, corpus: Corpus) -> None:
    corpus.add_documents([annotated_document()])

    copy = corpus.backup(tmp_path / "copy.annotator")

    assert copy == tmp_path / "copy.annotator"
    with Corpus.open(copy) as restored:
        assert untimed(list(restored.documents())) == [annotated_document()]
        assert restored.integrity_check() == "ok"
