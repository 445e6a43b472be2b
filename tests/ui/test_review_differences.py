"""Review of claims: where boundaries differ, claims before their stance and links, links
named by text, and counts that add up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.services.corpora import init_corpus
from annotator.ui.main_window import MainWindow
from annotator.ui.review_panel import ReviewItemsModel

Open = Callable[..., MainWindow]
TEXT = (
    "Roland Cloutier a expliqué que seuls ses ingénieurs avaient pu avoir accès, pas le "
    "gouvernement chinois, selon lui."
)
LONG = "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois"
SHORT = "seuls ses ingénieurs avaient pu avoir accès"


def span(sid: str, layer: str, words: str, label: str, **attrs: str) -> Span:
    start = TEXT.index(words)
    return Span(sid, layer, start, start + len(words), label, attrs, origin="manual")


@pytest.fixture
def claims_path(tmp_path: Path) -> Path:
    """alice and bob mark one claim with different ends, the same claimant and stance."""

    def version(name: str, claim: str) -> AnnotationSet:
        return AnnotationSet(
            name,
            "done",
            [
                span(f"{name}-p", "entity", "Roland Cloutier", "PER"),
                span(f"{name}-c", "claim", claim, "CLAIM", stance="AGAINST"),
            ],
            [Relation(f"{name}-c", f"{name}-p", "CLAIMANT")],
        )

    path = tmp_path / "claims.annotator"
    with init_corpus(path) as corpus:
        corpus.add_documents(
            [Document("d", TEXT, {}, [version("alice", LONG), version("bob", SHORT)])]
        )
    return path


def review(open_window: Open, path: Path) -> MainWindow:
    window = open_window(path, "lead")
    QTest.keyClick(window, Qt.Key.Key_F7)
    assert window.reviewing
    return window


def versions_text(window: MainWindow, row: int) -> str:
    model: ReviewItemsModel = window.review.model  # type: ignore[assignment]
    return str(model.data(model.index(row, 2)))


def test_a_claim_comes_before_its_stance_and_its_links(open_window: Open, claims_path: Path):
    window = review(open_window, claims_path)
    kinds = [(i.kind, i.layer) for i in window.review_items if i.layer == "claim"]
    assert kinds == [("span", "claim"), ("attribute", "claim"), ("link", "claim")]


def test_boundary_versions_show_their_differing_ends(open_window: Open, claims_path: Path):
    window = review(open_window, claims_path)
    row = next(i for i, it in enumerate(window.review_items) if it.what() == "boundary")

    shown = versions_text(window, row)

    assert "gouvernement chinois]»" in shown  # the end only alice's version has
    assert "avoir accès]»" in shown  # and bob's
    window.review.select_row(row)
    extents = window.view.decorations.extents
    assert sorted((TEXT[s:e], tag) for s, e, tag in extents) == sorted(
        [(LONG, tag_of(window, row, "alice")), (SHORT, tag_of(window, row, "bob"))]
    )


def tag_of(window: MainWindow, row: int, annotator: str) -> str:
    versions = window.review_items[row].versions
    return str(next(n for n, v in enumerate(versions, 1) if annotator in v.annotators))


def test_links_are_named_by_the_text_they_point_to(open_window: Open, claims_path: Path):
    window = review(open_window, claims_path)
    row = next(i for i, it in enumerate(window.review_items) if it.kind == "link")
    shown = versions_text(window, row)
    assert "«Roland Cloutier» (entity)" in shown
    assert "entity:" not in shown


def test_a_stance_chosen_before_its_claim_names_the_claim_by_text(
    open_window: Open, claims_path: Path
):
    window = review(open_window, claims_path)
    # The stance agrees but waits for the claim: taken alone it is refused with the reason.
    row = next(i for i, it in enumerate(window.review_items) if it.kind == "attribute")
    window.decide(row, 0)
    message = window.statusBar().currentMessage()
    assert message.startswith("Decide the claim «seuls ses ingénieurs")
    assert str(next(i for i, it in enumerate(window.review_items) if it.kind == "span"
                    and it.layer == "claim") + 1) in message  # fmt: skip
    assert "570" not in message and "-" not in message.split("«")[0]


def test_taking_the_agreed_items_gives_counts_that_add_up(open_window: Open, claims_path: Path):
    window = review(open_window, claims_path)
    total = len(window.review_items)

    window.accept_agreed()

    message = window.statusBar().currentMessage()
    # Claimant entity agreed: copied; the claim disagrees; its stance and link wait for it.
    assert message.startswith("Took 1 agreed items into gold; 0 were decided before;")
    assert f"{total - 1} of {total} left to decide" in message
    assert "(2 agreed, waiting for their span to be decided first)" in message
