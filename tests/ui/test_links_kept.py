"""An edit that would drop a link carries it to the new span, or says what it removes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtTest import QTest

from annotator.core.model import Relation
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]
CLAIM = "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois"


def label(window: MainWindow, needle: str, key: str) -> None:
    drag_select(window, *find_in_view(window, needle))
    QTest.keyClicks(window.view, key)


def claim_with_claimant(window: MainWindow, claimant: str) -> str:
    label(window, CLAIM, "c")
    claim = window.selected
    assert claim is not None
    QTest.keyClicks(window.view, "w")
    label(window, claimant, "p")
    return claim.id


def claimant_text(window: MainWindow, claim_id: str) -> str | None:
    text = window.session.document.text  # type: ignore[union-attr]
    for relation in window.session.aset.relations:
        if relation.head == claim_id and relation.label == "CLAIMANT":
            child = window.session.aset.span(relation.child)
            assert child is not None
            return text[child.start : child.end]
    return None


def test_relabelling_over_a_claimant_carries_the_link_to_the_new_span(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    claim_id = claim_with_claimant(window, "Roland Cloutier")
    assert claimant_text(window, claim_id) == "Roland Cloutier"

    label(window, "Cloutier, responsable", "p")  # replaces the overlapping PER

    assert claimant_text(window, claim_id) == "Cloutier, responsable"
    message = window.statusBar().currentMessage()
    assert "Moved the claimant link" in message and "«Cloutier, responsable»" in message
    window.undo_stack.undo()
    assert claimant_text(window, claim_id) == "Roland Cloutier"


def test_moving_a_claimant_to_a_layer_the_relation_accepts_keeps_the_link(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    claim_id = claim_with_claimant(window, "Roland Cloutier")
    claimant = next(s for s in window.session.aset.spans if s.layer == "entity")
    window._select(claimant.id)

    QTest.keyClicks(window.view, "s")  # make it a SOURCE span: CLAIMANT accepts that layer

    assert claimant_text(window, claim_id) == "Roland Cloutier"
    source = next(s for s in window.session.aset.spans if s.layer == "source")
    assert Relation(claim_id, source.id, "CLAIMANT") in window.session.aset.relations


def test_deleting_a_claimant_says_which_link_it_removes(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    claim_id = claim_with_claimant(window, "Roland Cloutier")
    claimant = next(s for s in window.session.aset.spans if s.layer == "entity")
    window._select(claimant.id)

    window.delete_selected()

    assert claimant_text(window, claim_id) is None
    message = window.statusBar().currentMessage()
    assert message.startswith("Removed the claimant link «seuls ses ingénieurs")
    assert "«Roland Cloutier»" in message
    window.undo_stack.undo()
    assert claimant_text(window, claim_id) == "Roland Cloutier"
