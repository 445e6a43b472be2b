"""Annotating entities through the real window, with the mouse and the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]


def stored(path: Path, annotator: str = "alice") -> dict[str, str]:
    """The spans stored for the first seed document, as {text: label}."""
    with Corpus.open(path) as corpus:
        doc_id = corpus.document_ids()[0]
        text = corpus.document(doc_id).text
        aset = corpus.annotation_set(doc_id, annotator)
    return {text[s.start : s.end]: s.label for s in aset.spans}


def test_drag_and_key_labels_the_seed_article_entities(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    for needle, key in [
        ("San\xa0Francisco", "l"),
        ("Bytedance", "o"),
        ("Donald Trump", "p"),
        ("Roland Cloutier", "p"),
    ]:
        drag_select(window, *find_in_view(window, needle))
        QTest.keyClicks(window.view, key)
    assert stored(seeded_path) == {
        "San\xa0Francisco": "LOC",
        "Bytedance": "ORG",
        "Donald Trump": "PER",
        "Roland Cloutier": "PER",
    }
    assert window.session.aset.status == "in_progress"


def test_keyboard_selection_labels_words(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    start, _ = find_in_view(window, "Oracle")
    cursor = window.view.textCursor()
    cursor.setPosition(start)
    window.view.setTextCursor(cursor)
    window.view.setFocus()
    for _ in range(3):
        QTest.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(window.view, "o")
    # Three characters selected, widened to the whole token by the French tokenizer.
    assert stored(seeded_path) == {"Oracle": "ORG"}


def test_character_mode_keeps_the_exact_selection(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    window.character_action.trigger()
    start, end = find_in_view(window, "Bytedance")
    drag_select(window, start, end - 4)
    QTest.keyClicks(window.view, "o")
    assert stored(seeded_path) == {"Byted": "ORG"}
    assert window.status_mode.text() == "Characters"


def test_selected_span_is_relabelled_and_deleted_by_key(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    drag_select(window, *find_in_view(window, "TikTok"))
    QTest.keyClicks(window.view, "p")
    assert stored(seeded_path) == {"TikTok": "PER"}
    assert window.selected is not None  # the new span stays selected
    QTest.keyClicks(window.view, "o")
    assert stored(seeded_path) == {"TikTok": "ORG"}
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert stored(seeded_path) == {}


def test_tab_walks_the_spans_in_text_order(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    for needle, key in [("Oracle", "o"), ("Bytedance", "o")]:
        drag_select(window, *find_in_view(window, needle))
        QTest.keyClicks(window.view, key)
    window.deselect()
    cursor = window.view.textCursor()
    cursor.setPosition(0)
    window.view.setTextCursor(cursor)
    text = window.session.document.text  # type: ignore[union-attr]
    seen = []
    for _ in range(3):
        QTest.keyClick(window.view, Qt.Key.Key_Tab)
        assert window.selected is not None
        seen.append(text[window.selected.start : window.selected.end])
    assert seen == ["Bytedance", "Oracle", "Bytedance"]
    QTest.keyClick(window.view, Qt.Key.Key_Backtab)
    assert window.selected is not None
    assert text[window.selected.start : window.selected.end] == "Oracle"


def test_a_new_entity_replaces_the_entities_it_overlaps(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    drag_select(window, *find_in_view(window, "Donald"))
    QTest.keyClicks(window.view, "p")
    drag_select(window, *find_in_view(window, "Donald Trump"))
    QTest.keyClicks(window.view, "p")
    assert stored(seeded_path) == {"Donald Trump": "PER"}
    window.undo_stack.undo()
    assert stored(seeded_path) == {"Donald": "PER"}


def test_claims_may_overlap_entities(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    drag_select(window, *find_in_view(window, "Donald Trump"))
    QTest.keyClicks(window.view, "p")
    claim = "l’ancien président Donald Trump a régulièrement accusé la plateforme"
    drag_select(window, *find_in_view(window, claim))
    QTest.keyClicks(window.view, "c")
    assert stored(seeded_path) == {"Donald Trump": "PER", claim: "CLAIM"}


def test_label_key_without_selection_explains_what_to_do(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    window.view.clear_selection()
    QTest.keyClicks(window.view, "p")
    assert "Select some text" in window.statusBar().currentMessage()
    QTest.keyClicks(window.view, "z")
    assert "No label on key 'z'" in window.statusBar().currentMessage()
    assert stored(seeded_path) == {}


def test_palette_buttons_label_the_selection(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    drag_select(window, *find_in_view(window, "Pékin"))
    window.label_palette.buttons[("entity", "LOC")].click()
    assert stored(seeded_path) == {"Pékin": "LOC"}
