"""Actors in the window: linking claimants from the keyboard (type-ahead, new actor from
the span text, suggested links), the tooltip and claims panel, and the Actors view with
its undoable rename and merge (issue 23)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.core.model import Span
from annotator.services import actors as service
from annotator.store.corpus import Corpus
from annotator.ui.actors.picker import ActorPicker
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import find_in_view, keyboard_select

Open = Callable[..., MainWindow]

CLAIM_A = "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois"
CLAIM_C = (
    "Nous avons fait venir des experts en sécurité très renommés pour nous aider à "
    "renforcer nos efforts en la matière"
)


def select(window: MainWindow, needle: str, nth: int = 0) -> None:
    keyboard_select(window, *find_in_view(window, needle, nth))


def keys(window: MainWindow, text: str) -> None:
    QTest.keyClicks(window.view, text)


def claim(
    window: MainWindow, text: str, claimant: str, layer_key: str, stance: str, nth: int = 0
) -> Span:
    """A claim with its claimant made from a selection, and a stance; the claimant span."""
    select(window, text)
    keys(window, "c")
    keys(window, "w")
    select(window, claimant, nth)
    keys(window, layer_key)
    keys(window, stance)
    claim_id = window.selected.id  # type: ignore[union-attr]
    child = next(r.child for r in window.session.aset.relations if r.head == claim_id)
    span = window.session.aset.span(child)
    assert span is not None
    return span


def activate(window: MainWindow) -> None:
    """Offscreen, no window manager gives the window its activation back after a dialog."""
    QApplication.processEvents()
    window.activateWindow()
    QApplication.processEvents()


def link_with_keys(window: MainWindow, span: Span, typed: str = "", downs: int = 0) -> list[str]:
    """Select ``span``, press Ctrl+Shift+K, type in the picker, move down, press Enter;
    return the rows the picker offered before Enter."""
    window._select(span.id)
    offered: list[str] = []

    def pick() -> None:
        picker = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ActorPicker) and w.isVisible()
        )
        if typed:
            QTest.keyClicks(picker.query, typed)
        offered.extend(picker.list.item(i).text() for i in range(picker.list.count()))
        for _ in range(downs):
            QTest.keyClick(picker.query, Qt.Key.Key_Down)
        QTest.keyClick(picker.query, Qt.Key.Key_Return)

    activate(window)
    QTimer.singleShot(0, pick)
    QTest.keyClick(
        window,
        Qt.Key.Key_K,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    return offered


def test_claimants_are_linked_from_the_keyboard_and_shown_by_actor(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    tiktok_span = claim(window, CLAIM_A, "TikTok", "o", "1", nth=2)
    offered = link_with_keys(window, tiktok_span)
    assert offered[0] == "New actor «TikTok»"  # an empty registry: make it from the span
    tiktok = window.session.aset.actor_links[tiktok_span.id]
    with Corpus.open(seeded_path) as corpus:
        assert service.registry(corpus)[tiktok].name == "TikTok"
        assert service.registry(corpus)[tiktok].created_by == "alice"

    spokesman = claim(window, CLAIM_C, "un porte-parole de TikTok", "s", "3")
    offered = link_with_keys(window, spokesman, typed="tik")
    assert offered == ["TikTok (organisation)", "New actor «tik»"]
    assert window.session.aset.actor_links[spokesman.id] == tiktok

    # The tooltip and the claims panel say who the claimant is.
    assert "actor: TikTok (organisation)" in window._describe_at(spokesman.start + 2)
    shown = {window.claims.model.index(r, 1).data() for r in range(window.claims.model.rowCount())}
    assert shown == {"TikTok → TikTok", "un porte-parole de TikTok → TikTok"}

    # An entity span with the name of an actor is suggested, and the picker preselects it.
    select(window, "TikTok", nth=0)
    keys(window, "o")
    entity = window.selected
    assert entity is not None and entity.id not in window.session.aset.actor_links
    assert "suggested actor: TikTok" in window._describe_at(entity.start + 1)
    offered = link_with_keys(window, entity)
    assert offered[0] == "Suggested: TikTok (organisation)"
    assert window.session.aset.actor_links[entity.id] == tiktok

    # Undo takes the link back, as any edit.
    window.undo_stack.undo()
    assert entity.id not in window.session.aset.actor_links


def test_the_actors_view_lists_claims_by_actor_with_stances_and_opens_them(
    open_window: Open, seeded_path: Path, qtbot: QtBot
):
    window = open_window(seeded_path)
    doc_id = window.session.document.id  # type: ignore[union-attr]
    link_with_keys(window, claim(window, CLAIM_A, "TikTok", "o", "1", nth=2))
    link_with_keys(window, claim(window, CLAIM_C, "un porte-parole de TikTok", "s", "3"), "tiktok")

    activate(window)
    QTest.keyClick(window, Qt.Key.Key_F6)
    view = window.actors.view
    assert view is not None and view.isVisible()
    assert view.select_actor("TikTok")
    row = [view.actors.index(0, c).data() for c in range(view.actors.columnCount())]
    assert row[:8] == ["TikTok", "organisation", 2, 1, 0, 1, 0, 1]
    table = view.actor_table
    qtbot.waitExposed(view)
    name_width = table.fontMetrics().horizontalAdvance("TikTok")
    assert table.horizontalHeader().sectionSize(0) > name_width  # the name in full
    assert table.horizontalScrollBar().value() == 0  # and in view
    claims = [
        [view.claims.index(r, c).data() for c in range(5)] for r in range(view.claims.rowCount())
    ]
    assert [(c[0], c[3], c[4]) for c in claims] == [
        (doc_id, "FAVOR", "alice"),
        (doc_id, "NONE", "alice"),
    ]

    window.step_document(1)
    view.claim_table.setFocus()
    view.claim_table.setCurrentIndex(view.claims.index(1, 1))
    QTest.keyClick(view.claim_table, Qt.Key.Key_Return)
    assert window.session.document.id == doc_id  # type: ignore[union-attr]
    assert (
        window.selected is not None
        and window.selected.start == window.session.document.text.index(CLAIM_C)
    )  # type: ignore[union-attr]


def test_rename_and_merge_in_the_actors_view_are_undone_with_ctrl_z(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    first = claim(window, CLAIM_A, "TikTok", "o", "1", nth=2)
    link_with_keys(window, first)
    second = claim(window, CLAIM_C, "un porte-parole de TikTok", "s", "3")
    link_with_keys(window, second)  # a second actor, "un porte-parole de TikTok"
    links = window.session.aset.actor_links
    assert links[first.id] != links[second.id]
    window.actors.open_view()
    view = window.actors.view
    assert view is not None

    registry = window.actors.registry()
    tiktok, spokesman = registry[links[first.id]], registry[links[second.id]]
    window.actors.change(service.renamed(tiktok, "TikTok Inc."), "Rename")
    assert view.select_actor("TikTok Inc.")
    window.actors.change(service.MergeActors(spokesman.id, tiktok.id), "Merge")
    assert window.session.aset.actor_links[second.id] == tiktok.id
    assert [r.actor.name for r in view.actors.rows] == ["TikTok Inc."]
    assert view.actors.rows[0].stances == {"FAVOR": 1, "NONE": 1}
    assert window.actors.registry()[tiktok.id].aliases == ("TikTok", "un porte-parole de TikTok")

    window.undo_stack.undo()  # the merge
    assert window.session.aset.actor_links[second.id] == spokesman.id
    assert sorted(r.actor.name for r in view.actors.rows) == [
        "TikTok Inc.",
        "un porte-parole de TikTok",
    ]
    window.undo_stack.undo()  # the rename
    assert window.actors.registry()[tiktok.id].name == "TikTok"
    window.undo_stack.redo()
    window.undo_stack.redo()
    assert window.session.aset.actor_links[second.id] == tiktok.id
    assert window.actors.registry()[tiktok.id].name == "TikTok Inc."
