"""A claim cut by its attribution, made in the real window: select the claim, select
its next piece and press ``+``; ``-`` takes a piece away; Ctrl+Z undoes either. The
claim is drawn over its pieces only, hovered by them, and stays one claim."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.core.fragments import fragments_of
from annotator.core.model import Span
from annotator.store.corpus import Corpus
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]
DOCKERS = "greve-dockers-marseille-fos"
FIRST = "un mouvement «\u00a0irresponsable\u00a0» qui"
SECOND = "coûte «\u00a0plusieurs millions d’euros par jour\u00a0»"


def stored_claims(path: Path) -> list[Span]:
    with Corpus.open(path) as corpus:
        aset = corpus.annotation_set(DOCKERS, "alice")
    return [s for s in aset.spans if s.layer == "claim"]


def claim_in_two_pieces(window: MainWindow) -> Span:
    window.open_document(DOCKERS)
    drag_select(window, *find_in_view(window, FIRST))
    QTest.keyClicks(window.view, "c")
    assert window.selected is not None and window.selected.layer == "claim"
    drag_select(window, *find_in_view(window, SECOND))
    QTest.keyClicks(window.view, "+")
    assert window.selected is not None
    return window.selected


def test_plus_adds_the_selected_text_as_a_piece_of_the_selected_claim(
    open_window: Open, seeded_path: Path
) -> None:
    window = open_window(seeded_path)

    made = claim_in_two_pieces(window)

    (claim,) = stored_claims(seeded_path)
    text = window.session.document.text  # type: ignore[union-attr]
    assert claim == made
    assert [text[s:e] for s, e in fragments_of(claim)] == [FIRST, SECOND]
    gap = text.index("selon elle")
    assert claim not in window.session.spans_at(gap)  # the attribution is no part of it
    assert window.session.spans_at(text.index("plusieurs"))[0].id == claim.id
    assert window.claims.model.rowCount() == 1


def test_the_claim_is_drawn_over_its_pieces_and_not_over_the_gap(
    open_window: Open, seeded_path: Path
) -> None:
    window = open_window(seeded_path)
    claim_in_two_pieces(window)
    highlighter = window.view.highlighter
    assert highlighter is not None
    highlighter.finish()

    first, _ = find_in_view(window, FIRST)
    block = window.view.document().findBlock(first)
    drawn = [(block.position() + r.start, r.length) for r in block.layout().formats()]
    pieces = [find_in_view(window, FIRST), find_in_view(window, SECOND)]
    assert [(start, end - start) for start, end in pieces] == drawn


def test_undo_and_minus_take_the_piece_away_again(open_window: Open, seeded_path: Path) -> None:
    window = open_window(seeded_path)
    made = claim_in_two_pieces(window)

    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    (claim,) = stored_claims(seeded_path)
    assert claim.fragments is None and claim.id == made.id

    QTest.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert stored_claims(seeded_path) == [made]

    window._select(made.id)
    start, end = find_in_view(window, SECOND)
    drag_select(window, start + 2, end - 2)
    QTest.keyClicks(window.view, "-")
    (claim,) = stored_claims(seeded_path)
    text = window.session.document.text  # type: ignore[union-attr]
    assert text[claim.start : claim.end] == FIRST and claim.fragments is None
