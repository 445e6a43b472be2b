"""The corpus browser's item model, over a small real corpus: Qt's model checks in every
filter state, and the documents each filter shows."""

from __future__ import annotations

import sqlite3

import pytest
from pytestqt.modeltest import ModelTester

from annotator.core.model import AnnotationSet, Document, Span
from annotator.store import browse
from annotator.store.corpus import Corpus
from annotator.ui.browser import DocumentTableModel

# (id, text, alice's status or None, bob's status or None); alice's sets carry 2 spans.
DOCUMENTS = [
    ("oracle-deal", "Oracle reprend les données de TikTok.", "done", "done"),
    ("cnil-fine", "La CNIL sanctionne le réseau social.", "in_progress", None),
    ("pekin", "Pékin dément toute collecte, affirme ByteDance.", None, "skipped"),
    ("vote", "Le Parlement vote la loi sur les plateformes.", "todo", None),
    ("appel", "TikTok fait appel de la décision.", "skipped", "done"),
    ("bruxelles", "Bruxelles ouvre une enquête sur l'ORACLE de Delphes.", None, None),
]


def _document(doc_id: str, text: str, alice: str | None, bob: str | None) -> Document:
    sets = []
    if alice is not None:
        first_word = text.index(" ")
        spans = [
            Span(f"{doc_id}-e", "entity", 0, first_word, "ORG", origin="manual"),
            Span(f"{doc_id}-c", "claim", first_word + 1, len(text) - 1, "CLAIM", origin="manual"),
        ]
        sets.append(AnnotationSet("alice", status=alice, spans=spans))
    if bob is not None:
        sets.append(AnnotationSet("bob", status=bob))
    return Document(doc_id, text, {"title": text[:12]}, sets)


@pytest.fixture
def browsed(corpus: Corpus) -> Corpus:
    corpus.add_documents([_document(*row) for row in DOCUMENTS])
    return corpus


def shown(model: DocumentTableModel) -> list[str]:
    return [str(model.doc_id(row)) for row in range(model.rowCount())]


@pytest.mark.parametrize(
    ("status", "search"),
    [(browse.ANY, ""), ("todo", ""), ("done", ""), (browse.ANY, "tiktok"), ("todo", "zzz")],
)
def test_the_model_passes_qt_model_checks_in_every_filter_state(
    browsed: Corpus, qtmodeltester: ModelTester, status: str, search: str
) -> None:
    model = DocumentTableModel(browsed, "alice")
    model.set_filter(status=status, search=search)
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]  # pytest-qt is untyped


def test_rows_show_id_title_own_status_span_count_and_annotators(browsed: Corpus) -> None:
    model = DocumentTableModel(browsed, "alice")
    assert shown(model) == [row[0] for row in DOCUMENTS]
    values = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert values == ["oracle-deal", "Oracle repre", "done", 2, 2, ""]  # no near-copies
    assert model.data(model.index(2, 2)) == "todo"  # no set of alice's on "pekin"


def test_status_filter_counts_documents_without_a_set_as_todo(browsed: Corpus) -> None:
    model = DocumentTableModel(browsed, "alice")
    model.set_filter(status="todo")
    assert shown(model) == ["pekin", "vote", "bruxelles"]
    model.set_filter(status="done")
    assert shown(model) == ["oracle-deal"]
    model.set_annotator("bob")
    assert shown(model) == ["oracle-deal", "appel"]


def test_search_matches_id_or_text_whatever_the_ascii_case(browsed: Corpus) -> None:
    model = DocumentTableModel(browsed, "alice")
    model.set_filter(search="oracle")
    assert shown(model) == ["oracle-deal", "bruxelles"]
    model.set_filter(search="PEKIN")  # the id "pekin"; the text has "Pékin"
    assert shown(model) == ["pekin"]
    model.set_filter(status="todo", search="oracle")
    assert shown(model) == ["bruxelles"]
    model.set_filter(status=browse.ANY, search="50%")  # wildcards are searched as text
    assert shown(model) == []


def test_rows_and_documents_still_match_when_keys_have_gaps(browsed: Corpus) -> None:
    # Documents are never deleted by the app, but a corpus edited by other tools may
    # lack some keys: the browser must then list keys instead of assuming a range.
    assert browsed.path is not None
    db = sqlite3.connect(browsed.path)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM documents WHERE doc_id = 'cnil-fine'")
        db.commit()
    finally:
        db.close()
    model = DocumentTableModel(browsed, "alice")
    assert shown(model) == ["oracle-deal", "pekin", "vote", "appel", "bruxelles"]
    assert model.row_of("appel") == 3
    assert model.row_of("cnil-fine") is None
    model.set_filter(status="todo")
    assert shown(model) == ["pekin", "vote", "bruxelles"]
