"""Near-copies in the corpus browser (issue 24): a cluster mark on every document that
has copies, its tooltip naming the cluster, and filters: near-copies only, one per
cluster, and one cluster's documents (Ctrl+Shift+C on a document), cleared by "All
documents"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from annotator.core.model import Document
from annotator.services import near_copies
from annotator.store.corpus import Corpus
from annotator.ui.browser import (
    ALL_DOCUMENTS,
    COPIES_COLUMN,
    ONE_PER_CLUSTER,
    ONLY_COPIES,
    BrowserPanel,
    DocumentTableModel,
)
from annotator.ui.main_window import MainWindow
from tests.unit.services.near_copy_samples import article, cut_paragraph, text_of, with_byline


@pytest.fixture
def wire(corpus: Corpus) -> Corpus:
    s1, s4 = article(1), article(4)
    corpus.add_documents(
        [
            Document("s0", text_of(article(0)), {}, []),
            Document("s1", text_of(s1), {}, []),
            Document("s2", text_of(article(2)), {}, []),
            Document("s1-byline", with_byline(s1), {}, []),
            Document("s4", text_of(s4), {}, []),
            Document("s1-cut", cut_paragraph(s1), {}, []),
            Document("s4-cut", cut_paragraph(s4, 3), {}, []),
        ]
    )
    near_copies.update(corpus)
    return corpus


def shown(model: DocumentTableModel) -> list[str]:
    return [str(model.doc_id(row)) for row in range(model.rowCount())]


def mark(model: DocumentTableModel, row: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return model.data(model.index(row, COPIES_COLUMN), role)


def test_copies_are_marked_with_their_cluster(wire: Corpus, qtmodeltester: ModelTester) -> None:
    model = DocumentTableModel(wire, "alice")
    marks = {model.doc_id(row): mark(model, row) for row in range(model.rowCount())}
    assert marks == {
        "s0": "", "s1": "≈ 3", "s2": "", "s1-byline": "≈ 3", "s4": "≈ 2", "s1-cut": "≈ 3",
        "s4-cut": "≈ 2",
    }  # fmt: skip
    tip = str(mark(model, 3, Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("Near-copies (cluster s1): 3 documents, similarity 0.")
    assert "Also: s1, s1-cut" in tip
    assert mark(model, 0, Qt.ItemDataRole.ToolTipRole) is None
    for copies in (ONLY_COPIES, ONE_PER_CLUSTER, "cluster:s4"):
        model.set_filter(copies=copies)
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]  # pytest-qt is untyped


def test_the_copies_filters(wire: Corpus) -> None:
    model = DocumentTableModel(wire, "alice")
    model.set_filter(copies=ONLY_COPIES)
    assert shown(model) == ["s1", "s1-byline", "s4", "s1-cut", "s4-cut"]
    model.set_filter(copies=ONE_PER_CLUSTER)
    assert shown(model) == ["s0", "s1", "s2", "s4"]
    model.set_filter(copies=ONLY_COPIES, search="byline")
    assert shown(model) == ["s1-byline"]  # both filters at once
    model.set_filter(copies=ONE_PER_CLUSTER, search="s1-")
    assert shown(model) == ["s1-byline"]  # the search first, then the cluster's first match
    model.set_filter(copies=ALL_DOCUMENTS, search="")
    assert len(shown(model)) == 7
    assert model.row_of("s4-cut") == 6


def test_the_context_menu_shows_the_current_documents_cluster_and_all_documents_clears_it(
    wire: Corpus, qtbot: QtBot, tmp_path: Path
) -> None:
    panel = BrowserPanel(DocumentTableModel(wire, "alice"))
    qtbot.addWidget(panel)
    assert panel.show_copies in panel.table.actions()  # right-click › Show … near-copies
    panel.table.selectRow(4)  # s4
    panel.show_copies.trigger()
    assert shown(panel.model) == ["s4", "s4-cut"]
    assert panel.copies.currentText() == "≈ Cluster s4"
    assert panel.count.text() == "2 documents"
    panel.copies.setCurrentIndex(panel.copies.findData(ALL_DOCUMENTS))
    assert len(shown(panel.model)) == 7

    panel.table.selectRow(0)  # s0 has no copy: nothing changes
    panel.show_copies.trigger()
    assert len(shown(panel.model)) == 7
    panel.resize(700, 320)
    panel.grab().save(str(tmp_path / "browser-copies.png"))


def test_ctrl_shift_c_in_the_window_shows_the_open_documents_near_copies(
    wire: Corpus, corpus_path: Path, open_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    """From the text (where Alt+C would open the Claims menu), Ctrl+Shift+C filters the
    Documents list to the open document's cluster; on a document without copies the
    status bar says so."""
    wire.close()
    window = open_window(corpus_path)
    window.open_document("s1-cut")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_C, MODIFIERS)
    assert shown(window.model) == ["s1", "s1-byline", "s1-cut"]
    assert window.browser.table.currentIndex().row() == 2  # the open document, chosen

    window.browser.copies.setCurrentIndex(0)
    window.open_document("s0")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_C, MODIFIERS)
    assert len(shown(window.model)) == 7
    assert window.statusBar().currentMessage() == "s0 has no near-copies in this corpus"


MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_the_copies_column_sits_after_the_spans_and_only_where_there_are_copies(
    wire: Corpus, corpus_path: Path, qtbot: QtBot
) -> None:
    panel = BrowserPanel(DocumentTableModel(wire, "alice"))
    qtbot.addWidget(panel)
    header = panel.table.horizontalHeader()
    assert header.visualIndex(COPIES_COLUMN) == 3  # id, status, spans, copies, title…
    assert not panel.table.isColumnHidden(COPIES_COLUMN) and not panel.copies.isHidden()

    alone = Corpus.create(corpus_path.with_name("alone.annotator"), wire.scheme)
    alone.add_documents([Document("only", text_of(article(9)), {}, [])])
    near_copies.update(alone)
    plain = BrowserPanel(DocumentTableModel(alone, "alice"))
    qtbot.addWidget(plain)
    assert plain.table.isColumnHidden(COPIES_COLUMN) and plain.copies.isHidden()
    alone.close()
