"""Review mode: every annotator's version of a document, decided into gold by key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from annotator.core.model import GOLD, AnnotationSet, Document, Span
from annotator.services.adjudicating import gold_of
from annotator.services.corpora import init_corpus
from annotator.store.adjudication import decisions
from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from annotator.ui.review_panel import ReviewItemsModel

Open = Callable[..., MainWindow]
TEXT = "Emmanuel Macron a parlé à Paris avec Renault."


def entity(sid: str, word: str, label: str) -> Span:
    start = TEXT.index(word)
    return Span(sid, "entity", start, start + len(word), label, origin="manual")


@pytest.fixture
def two_path(tmp_path: Path) -> Path:
    path = tmp_path / "two.annotator"
    alice = AnnotationSet(
        "alice",
        "done",
        [entity("a1", "Emmanuel Macron", "PER"), entity("a2", "Paris", "LOC")],
        doc_labels={"stance": "NONE"},
    )
    bob = AnnotationSet(
        "bob",
        "done",
        [
            entity("b1", "Emmanuel Macron", "PER"),
            entity("b2", "Paris", "ORG"),
            entity("b3", "Renault", "ORG"),
        ],
        doc_labels={"stance": "NONE"},
    )
    with init_corpus(path) as corpus:
        corpus.add_documents([Document("d", TEXT, {}, [alice, bob])])
    return path


def gold(path: Path) -> set[tuple[str, str]]:
    with Corpus.open(path) as corpus:
        aset = gold_of(corpus.document("d"))
    return {(TEXT[s.start : s.end], s.label) for s in aset.spans}


def what(window: MainWindow) -> list[str]:
    return [item.what() for item in window.review_items]


def test_review_lists_items_and_decides_them_by_key(open_window: Open, two_path: Path):
    window = open_window(two_path, "lead")
    QTest.keyClick(window, Qt.Key.Key_F7)
    assert window.reviewing and window.review_dock.isVisible()
    assert what(window) == ["agreed", "label", "missing", "agreed"]
    assert "0/4 items decided" in window.review.progress.text()

    table = window.review.table
    QTest.keyClicks(table, "a")  # every agreed item at once
    assert gold(two_path) == {("Emmanuel Macron", "PER")}
    assert "2/4 items decided" in window.review.progress.text()

    window.review.select_row(1)  # Paris: alice LOC, bob ORG
    paris = window.review_items[1]
    alice_first = [v.annotators for v in paris.versions].index(("alice",))
    QTest.keyClicks(table, str(alice_first + 1))
    assert gold(two_path) == {("Emmanuel Macron", "PER"), ("Paris", "LOC")}
    window.review.select_row(2)  # Renault: only bob
    QTest.keyClicks(table, "x")
    assert gold(two_path) == {("Emmanuel Macron", "PER"), ("Paris", "LOC")}
    with Corpus.open(two_path) as corpus:
        recorded = decisions(corpus, "d")
    assert recorded[window.review_items[2].key].decision == "rejected"
    assert recorded[paris.key].decision == "accepted:alice"
    assert recorded[paris.key].decided_by == "lead"
    assert recorded[paris.key].reason == window.review.reason.itemText(0)
    assert "4/4 items decided (gold-complete)" in window.review.progress.text()
    assert "corpus: 1/1 documents gold-complete" in window.review.progress.text()


def test_review_decisions_undo_and_redo(open_window: Open, two_path: Path):
    window = open_window(two_path, "lead")
    QTest.keyClick(window, Qt.Key.Key_F7)
    window.review.select_row(2)
    renault = window.review_items[2]
    bobs = [v.annotators for v in renault.versions].index(("bob",))
    QTest.keyClicks(window.review.table, str(bobs + 1))  # take bob's Renault
    assert ("Renault", "ORG") in gold(two_path)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert gold(two_path) == set()
    with Corpus.open(two_path) as corpus:
        assert decisions(corpus, "d") == {}
    assert "0/4" in window.review.progress.text()
    QTest.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert gold(two_path) == {("Renault", "ORG")}
    assert "1/4" in window.review.progress.text()


def test_spans_only_some_annotators_made_are_hatched(open_window: Open, two_path: Path):
    window = open_window(two_path, "lead")
    window.review_action.trigger()
    partial = window.view.highlighter._styles.partial  # type: ignore[union-attr]
    shown = {key.split("|", 1)[1] for key in partial}
    assert shown == {
        f"entity|{TEXT.index('Paris')}|{TEXT.index('Paris') + 5}|LOC",
        f"entity|{TEXT.index('Paris')}|{TEXT.index('Paris') + 5}|ORG",
        f"entity|{TEXT.index('Renault')}|{TEXT.index('Renault') + 7}|ORG",
    }
    assert window._describe_overlay(TEXT.index("Macron")) == "entity: PER — alice, bob"


def test_editing_gold_by_hand_then_marking_the_item(open_window: Open, two_path: Path):
    window = open_window(two_path, "lead")
    window.edit_gold()
    assert window.session.annotator == GOLD
    start = TEXT.index("Renault")
    window.character_action.trigger()
    window.view.select_range(start, start + 7)
    QTest.keyClicks(window.view, "m")
    assert gold(two_path) == {("Renault", "MISC")}
    window.review_action.trigger()
    window.review.select_row(2)
    QTest.keyClicks(window.review.table, "e")
    with Corpus.open(two_path) as corpus:
        assert decisions(corpus, "d")[window.review_items[2].key].decision == "edited"
    assert window.settings.value("annotator") == "lead"


def test_review_items_model_passes_the_model_tester(qtmodeltester: object, two_path: Path):
    from annotator.services.review import items

    with Corpus.open(two_path) as corpus:
        document = corpus.document("d")
        found = items(document, corpus.scheme)
    model = ReviewItemsModel()
    model.set_items(TEXT, found, {})
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_next_document_to_review_opens_it_in_review(
    open_window: Open, two_path: Path, qtbot: QtBot
):
    with Corpus.open(two_path) as corpus:
        corpus.add_documents([Document("solo", "Un texte seul.")])
    window = open_window(two_path, "lead")
    window.open_document("solo")
    QTest.keyClick(window, Qt.Key.Key_F7, Qt.KeyboardModifier.ControlModifier)
    assert window.session.document.id == "d"  # type: ignore[union-attr]
    assert window.reviewing


def test_agreement_dashboard_shows_figures_heatmap_and_opens_a_document_in_review(
    open_window: Open, two_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
):
    from annotator.ui.agreement_dashboard import AgreementDashboard

    window = open_window(two_path, "lead")
    shown: list[AgreementDashboard] = []

    def look(self: AgreementDashboard) -> int:
        shown.append(self)
        # Exact F1 on entities: 1 of 2 alice spans matches 1 of 3 bob spans -> 0.4.
        assert self.summary.item(0, 0).text() == "entity"
        assert self.summary.item(0, 1).text() == "0.400"
        assert self.heatmap.labels[0] == "O"
        assert (
            self.heatmap.counts[self.heatmap.labels.index("LOC")][self.heatmap.labels.index("ORG")]
            == 1
        )
        self.grab().save(str(two_path.with_suffix(".png")))
        self.documents.activated.emit(self.documents.model().index(0, 0))
        return 1

    monkeypatch.setattr(AgreementDashboard, "exec", look)
    window.open_document("d")
    window.agreement_dashboard()
    assert shown and window.reviewing
    assert window.session.document.id == "d"  # type: ignore[union-attr]
