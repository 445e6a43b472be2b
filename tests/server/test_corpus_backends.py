"""The repository behaves the same on a SQLite file and on a PostgreSQL server.

Each test runs once per backend (the ``corpus_location`` fixture); the PostgreSQL run
gets a database of its own and is skipped when no server is configured.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from annotator.core.edits import AddSpan, SetDocLabel, SetLabel, SetPieces, SetStatus
from annotator.core.errors import AnnotationError, CorpusError, EditConflict
from annotator.core.model import AnnotationSet, Document, Span
from annotator.core.scheme import Scheme
from annotator.core.scheme_change import Rename, SchemeChange
from annotator.services.corpora import default_guidelines
from annotator.store import browse
from annotator.store.corpus import Corpus
from annotator.store.scheme_changes import apply_scheme_change
from tests.server.postgres import all_rows
from tests.unit.store.test_corpus import (
    EVERY_EDIT,
    INVALID_EDITS,
    TEXT,
    annotated_document,
    canonical,
    untimed,
)


def manual(span_id: str, start: int, end: int, layer: str = "claim") -> Span:
    label = {"claim": "CLAIM", "entity": "PER"}[layer]
    return Span(span_id, layer, start, end, label, origin="manual")


def test_documents_come_back_exactly_as_added(backend_corpus: Corpus) -> None:
    docs = [annotated_document("d1"), Document("d2", "Texte\u00a0brut\r\n\u2028fin 🇫🇷", {"n": 1})]

    assert backend_corpus.add_documents(docs) == 2

    assert untimed(list(backend_corpus.documents())) == docs
    assert backend_corpus.document_ids() == ["d1", "d2"]
    assert backend_corpus.text_hashes(["d2", "zz"]) == {"d2": docs[1].text_sha256}
    assert backend_corpus.annotators() == ["alice"]


def test_documents_are_read_in_corpus_order_across_batches(backend_corpus: Corpus) -> None:
    docs = [Document(f"doc-{n:03}", f"texte {n}") for n in range(25, 0, -1)]
    backend_corpus.add_documents(docs)

    assert [d.id for d in backend_corpus.documents(batch=7)] == [d.id for d in docs]


def test_a_known_id_with_another_text_is_refused_and_nothing_is_written(
    corpus_location: str, backend_corpus: Corpus
) -> None:
    backend_corpus.add_documents([annotated_document("d1")])
    before = all_rows(corpus_location)

    with pytest.raises(CorpusError, match="'d1' is already in the corpus with a different text"):
        backend_corpus.add_documents([Document("d0", "new"), Document("d1", TEXT + " (v2)")])

    assert all_rows(corpus_location) == before


def test_every_edit_and_its_inverse_are_committed(
    corpus_location: str, backend_corpus: Corpus
) -> None:
    backend_corpus.add_documents([annotated_document()])
    before = canonical(backend_corpus.annotation_set("d1", "alice"))

    for edit in EVERY_EDIT:
        inverse = backend_corpus.apply_edit("d1", "alice", edit)
        with Corpus.open(corpus_location) as other:  # committed: another connection sees it
            assert canonical(other.annotation_set("d1", "alice")) != before, edit
        backend_corpus.apply_edit("d1", "alice", inverse)
        with Corpus.open(corpus_location) as other:
            assert canonical(other.annotation_set("d1", "alice")) == before, edit


def test_an_invalid_edit_raises_and_leaves_the_database_unchanged(
    corpus_location: str, backend_corpus: Corpus
) -> None:
    backend_corpus.add_documents([annotated_document()])
    before = all_rows(corpus_location)

    for annotator, edit, message in INVALID_EDITS:
        with pytest.raises(AnnotationError, match=message):
            backend_corpus.apply_edit("d1", annotator, edit)

    assert all_rows(corpus_location) == before


def test_new_sets_and_documents_follow_bulk_imports_and_edits(backend_corpus: Corpus) -> None:
    """Bulk imports choose their own keys; sets made one by one must not collide with
    them (on a server, its key sequences must follow), in either order."""
    backend_corpus.add_documents([annotated_document("d1"), annotated_document("d2")])

    backend_corpus.apply_edit("d1", "bob", AddSpan(manual("b1", 0, 4)))
    backend_corpus.add_documents([annotated_document("d3"), Document("d4", TEXT)])
    backend_corpus.apply_edit("d4", "carol", AddSpan(manual("c1", 0, 4)))
    backend_corpus.apply_edit("d3", "bob", AddSpan(manual("b1", 0, 4)))

    assert backend_corpus.document_ids() == ["d1", "d2", "d3", "d4"]
    assert backend_corpus.annotators() == ["alice", "bob", "carol"]
    assert [s.id for s in backend_corpus.annotation_set("d4", "carol").spans] == ["c1"]


def test_multi_valued_answers_come_back_as_lists(corpus_location: str) -> None:
    raw = {
        "span_layers": [{"name": "entity", "labels": [{"name": "PER"}]}],
        "questions": [{"name": "topics", "values": ["eco", "tech", "law"], "multi": True}],
    }
    with Corpus.create(corpus_location, Scheme.from_dict(raw)) as corpus:
        corpus.add_documents([Document("d1", TEXT)])
        corpus.apply_edit("d1", "alice", SetDocLabel("topics", ["tech", "law"]))

        assert corpus.annotation_set("d1", "alice").doc_labels == {"topics": ["tech", "law"]}


def test_settings_scheme_and_guidelines_survive_reopening(
    corpus_location: str, backend_corpus: Corpus
) -> None:
    backend_corpus.set_setting("target", {"text": "l’État 🇫🇷", "n": [1, 2]})
    grown = backend_corpus.scheme.with_labels({"entity": ["DATE"]})
    backend_corpus.set_scheme(grown)
    assert backend_corpus.guidelines() == (1, default_guidelines())
    backend_corpus.add_guidelines("# Règles\nv2", "lead")
    backend_corpus.add_guidelines("# Règles\nv3", "lead")
    backend_corpus.close()

    with Corpus.open(corpus_location) as reopened:
        assert reopened.setting("target") == {"text": "l’État 🇫🇷", "n": [1, 2]}
        assert reopened.scheme == grown
        assert reopened.guidelines() == (3, "# Règles\nv3")


def test_creating_a_corpus_where_one_exists_is_refused(corpus_location: str) -> None:
    with Corpus.create(corpus_location, Scheme.from_dict({"span_layers": []})):
        pass

    with pytest.raises(CorpusError, match="already exists"):
        Corpus.create(corpus_location, Scheme.from_dict({"span_layers": []}))


# -- two windows on one set ----------------------------------------------------------------


def test_each_edit_moves_the_revision_by_one(backend_corpus: Corpus) -> None:
    backend_corpus.add_documents([Document("d1", TEXT)])
    assert backend_corpus.annotation_set_and_revision("d1", "alice") == (AnnotationSet("alice"), 0)

    backend_corpus.apply_edit("d1", "alice", AddSpan(manual("a1", 0, 4)), expected_revision=0)
    backend_corpus.apply_edit("d1", "alice", SetStatus("done"), expected_revision=1)

    aset, revision = backend_corpus.annotation_set_and_revision("d1", "alice")
    assert (revision, aset.status, [s.id for s in aset.spans]) == (2, "done", ["a1"])


def test_an_edit_made_on_a_stale_set_is_refused_and_nothing_is_written(
    corpus_location: str, backend_corpus: Corpus
) -> None:
    backend_corpus.add_documents([Document("d1", TEXT)])
    with Corpus.open(corpus_location) as second_window:
        _, seen = backend_corpus.annotation_set_and_revision("d1", "alice")
        second_window.apply_edit("d1", "alice", AddSpan(manual("w2", 0, 4)))
        before = all_rows(corpus_location)

        with pytest.raises(EditConflict, match="changed in another window") as refused:
            backend_corpus.apply_edit(
                "d1", "alice", SetLabel("w2", "CLAIM"), expected_revision=seen
            )

        assert (refused.value.expected, refused.value.found) == (0, 1)
        assert all_rows(corpus_location) == before
        reloaded, revision = backend_corpus.annotation_set_and_revision("d1", "alice")
        backend_corpus.apply_edit(
            "d1", "alice", AddSpan(manual("w1", 5, 9)), expected_revision=revision
        )
    assert {s.id for s in backend_corpus.annotation_set("d1", "alice").spans} == {"w1", "w2"}
    assert [s.id for s in reloaded.spans] == ["w2"]


def test_two_windows_of_one_annotator_writing_at_once_lose_nothing(
    corpus_location: str, backend_corpus: Corpus
) -> None:
    backend_corpus.add_documents([Document("d1", "y" * 200)])
    edits = 40
    failures: list[BaseException] = []

    def window(name: str) -> None:
        try:
            with Corpus.open(corpus_location) as corpus:
                for n in range(edits):
                    corpus.apply_edit("d1", "alice", AddSpan(manual(f"{name}{n}", n, n + 5)))
        except BaseException as error:  # reported below, with the thread's traceback lost
            failures.append(error)

    threads = [threading.Thread(target=window, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    aset, revision = backend_corpus.annotation_set_and_revision("d1", "alice")
    assert {s.id for s in aset.spans} == {f"{w}{n}" for w in "ab" for n in range(edits)}
    assert revision == 2 * edits


def test_the_browser_filters_and_pages_the_same_way(backend_corpus: Corpus) -> None:
    docs = [Document(f"doc-{n}", f"texte {n}" + (" Oracle" if n % 2 else "")) for n in range(6)]
    backend_corpus.add_documents(docs)
    backend_corpus.apply_edit("doc-1", "alice", SetStatus("done"))
    backend_corpus.apply_edit("doc-2", "alice", SetStatus("in_progress"))
    backend_corpus.apply_edit("doc-3", "bob", SetStatus("done"))
    key = {doc.id: browse.key_of(backend_corpus, doc.id) or 0 for doc in docs}

    def ids(keys: Sequence[int]) -> list[str]:
        return [row.doc_id for row in browse.document_rows(backend_corpus, keys, "alice")]

    assert ids(browse.document_keys(backend_corpus, "alice")) == [d.id for d in docs]
    assert ids(browse.document_keys(backend_corpus, "alice", status="done")) == ["doc-1"]
    todo = browse.document_keys(backend_corpus, "alice", status="todo")
    assert ids(todo) == ["doc-0", "doc-3", "doc-4", "doc-5"]
    found = browse.document_keys(backend_corpus, "alice", search="ORACLE", status="todo")
    assert ids(found) == ["doc-3", "doc-5"]
    assert ids(browse.document_keys(backend_corpus, "alice", annotated_by="bob")) == ["doc-3"]
    (row,) = browse.document_rows(backend_corpus, [key["doc-2"]], "alice")
    assert (row.status, row.annotators) == ("in_progress", 1)
    assert browse.progress(backend_corpus, "alice") == (1, 6)


def test_a_label_renamed_in_the_scheme_is_renamed_in_every_set(backend_corpus: Corpus) -> None:
    backend_corpus.add_documents([annotated_document("d1")])
    backend_corpus.apply_edit("d1", "bob", AddSpan(manual("b1", 0, 4, "entity")))
    data = backend_corpus.scheme.to_dict()
    for label in data["span_layers"][0]["labels"]:
        if label["name"] == "PER":
            label["name"] = "PERSON"
    renames = (Rename("label", "PER", "PERSON", ("entity",)),)

    apply_scheme_change(backend_corpus, SchemeChange(Scheme.from_dict(data), renames))

    doc = backend_corpus.document("d1")
    labels = {
        a.annotator: [s.label for s in a.spans if s.layer == "entity"] for a in doc.annotations
    }
    assert labels == {"alice": ["PERSON", "ORG"], "bob": ["PERSON"]}


def test_a_span_in_pieces_is_stored_and_edited_alike_on_both_backends(
    backend_corpus: Corpus,
) -> None:
    """Schema step 6 (``spans.fragments``) on SQLite and PostgreSQL: a quote cut by its
    attribution is added, given a third piece and read back whole."""
    text = "« Nous avons fait venir des experts », a déclaré X, « pour aider ». Fin, dit-il."
    first, second = (2, 35), (54, 64)
    quote = Span("q", "claim", first[0], second[1], "CLAIM", fragments=(first, second))
    backend_corpus.add_documents(
        [Document("d1", text, {}, [AnnotationSet("alice", "done", [quote])])]
    )

    third = (text.index("Fin"), text.index("Fin") + 3)
    backend_corpus.apply_edit("d1", "alice", SetPieces("q", (first, second, third)))

    (span,) = backend_corpus.document("d1").annotations[0].spans
    assert span.fragments == (first, second, third)
    assert (span.start, span.end) == (first[0], third[1])
