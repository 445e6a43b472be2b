"""Links of every scheme relation: created, relabelled, removed, listed, drawn, undone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.core.errors import AnnotationError
from annotator.core.model import Document, Relation
from annotator.services.corpora import default_scheme, init_corpus
from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]
TEXT = "Roland Cloutier dirige la sécurité de TikTok à Los Angeles depuis 2020."


@pytest.fixture
def linked_path(tmp_path: Path) -> Path:
    """A corpus whose scheme adds two entity-to-entity relations to the default ones."""
    raw = default_scheme().to_dict()
    raw["relations"] = [
        *raw["relations"],
        {"name": "WORKS_FOR", "head": "entity", "child": ["entity"]},
        {"name": "BASED_IN", "head": "entity", "child": ["entity"]},
    ]
    scheme = tmp_path / "scheme.json"
    scheme.write_text(json.dumps(raw), encoding="utf-8")
    path = tmp_path / "links.annotator"
    with init_corpus(path, scheme) as corpus:
        corpus.add_documents([Document("d1", TEXT)])
    return path


def label(window: MainWindow, needle: str, key: str) -> str:
    drag_select(window, *find_in_view(window, needle))
    QTest.keyClicks(window.view, key)
    assert window.selected is not None
    return window.selected.id


def stored_links(path: Path) -> set[tuple[str, str, str]]:
    with Corpus.open(path) as corpus:
        aset = corpus.annotation_set("d1", "alice")
    spans = {s.id: TEXT[s.start : s.end] for s in aset.spans}
    return {(spans[r.head], r.label, spans[r.child]) for r in aset.relations}


def test_a_relation_is_chosen_by_number_and_its_target_by_keyboard(
    open_window: Open, linked_path: Path
):
    window = open_window(linked_path)
    person = label(window, "Roland Cloutier", "p")
    label(window, "TikTok", "o")
    window._select(person)

    QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert "1 WORKS_FOR, 2 BASED_IN" in window.statusBar().currentMessage()
    QTest.keyClicks(window.view, "1")
    QTest.keyClick(window.view, Qt.Key.Key_Tab)  # to the next span: TikTok
    QTest.keyClick(window.view, Qt.Key.Key_Return)

    assert stored_links(linked_path) == {("Roland Cloutier", "WORKS_FOR", "TikTok")}
    assert [window.relations.panel.model.data(window.relations.panel.model.index(0, c))
            for c in range(3)] == ["Roland Cloutier", "WORKS_FOR", "TikTok"]  # fmt: skip
    window.undo_stack.undo()
    assert stored_links(linked_path) == set()


def test_a_link_target_can_be_made_from_a_text_selection(open_window: Open, linked_path: Path):
    window = open_window(linked_path)
    label(window, "TikTok", "o")
    QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(window.view, "2")
    label_target = find_in_view(window, "Los Angeles")
    drag_select(window, *label_target)
    QTest.keyClicks(window.view, "l")

    assert stored_links(linked_path) == {("TikTok", "BASED_IN", "Los Angeles")}


def test_a_link_is_relabelled_with_f2_and_removed_with_delete_in_the_links_list(
    open_window: Open, linked_path: Path
):
    window = open_window(linked_path)
    person = label(window, "Roland Cloutier", "p")
    company = label(window, "TikTok", "o")
    window.do(window.session.link_edit("WORKS_FOR", person, company), "link")
    table = window.relations.panel.table
    table.setFocus()
    table.selectRow(0)

    QTest.keyClick(table, Qt.Key.Key_F2)  # one other relation fits: changed at once
    assert stored_links(linked_path) == {("Roland Cloutier", "BASED_IN", "TikTok")}
    table.selectRow(0)
    QTest.keyClick(table, Qt.Key.Key_Delete)
    assert stored_links(linked_path) == set()

    window.undo_stack.undo()
    assert stored_links(linked_path) == {("Roland Cloutier", "BASED_IN", "TikTok")}
    window.undo_stack.undo()
    assert stored_links(linked_path) == {("Roland Cloutier", "WORKS_FOR", "TikTok")}


def test_a_spans_context_menu_links_relabels_and_removes(open_window: Open, linked_path: Path):
    window = open_window(linked_path)
    person = label(window, "Roland Cloutier", "p")
    company = label(window, "TikTok", "o")

    def act(span_id: str, *path: str) -> None:
        menu = window.relations.span_menu(span_id)
        for title in path[:-1]:
            menu = next(a.menu() for a in menu.actions() if a.text().startswith(title))
        next(a for a in menu.actions() if a.text() == path[-1]).trigger()

    act(person, "Link from this span as", "WORKS_FOR")
    window.link_to(company)  # the click on the target
    assert stored_links(linked_path) == {("Roland Cloutier", "WORKS_FOR", "TikTok")}
    act(company, "«Roland Cloutier» WORKS_FOR «TikTok»", "Change to BASED_IN")
    assert stored_links(linked_path) == {("Roland Cloutier", "BASED_IN", "TikTok")}
    act(company, "«Roland Cloutier» BASED_IN «TikTok»", "Remove this link")
    assert stored_links(linked_path) == set()


def test_a_link_the_scheme_does_not_allow_is_refused_with_the_reason(
    open_window: Open, linked_path: Path
):
    window = open_window(linked_path)
    person = label(window, "Roland Cloutier", "p")
    with pytest.raises(AnnotationError, match="must be a span of entity"):
        claim = label(window, "dirige la sécurité", "c")
        window.session.link_edit("WORKS_FOR", person, claim)
    assert stored_links(linked_path) == set()


def test_every_link_is_drawn_when_asked_and_the_choice_is_remembered(
    open_window: Open, linked_path: Path
):
    window = open_window(linked_path)
    person = label(window, "Roland Cloutier", "p")
    company = label(window, "TikTok", "o")
    window.do(window.session.link_edit("WORKS_FOR", person, company), "link")
    window.deselect()
    decorations = window.view.decorations
    assert decorations._shown_relations() == []  # only the selected span's links by default

    window.links_action.trigger()

    assert decorations._shown_relations() == [Relation(person, company, "WORKS_FOR")]
    assert window.settings.value("show-all-links") in (True, "true")
    assert decorations._anchor(window.session.aset.span(person)) is not None  # type: ignore[arg-type]
