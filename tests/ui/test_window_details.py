"""The smaller things a user meets: zoom keys, the search box, dock widths, claim texts,
the export dialog's alignment, the status count after an import, the questions tab."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.ui.dialogs import ExportDialog, ImportDialog
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]


def test_ctrl_equals_zooms_in_as_ctrl_plus_does(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    size = window.view.point_size()
    QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.view.point_size() == pytest.approx(size * 1.1)
    QTest.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.view.point_size() == pytest.approx(size)


def test_enter_in_the_search_box_opens_the_first_match_and_down_goes_to_the_list(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    search = window.browser.search
    search.setFocus()
    QTest.keyClicks(search, "Marseille")
    QTest.keyClick(search, Qt.Key.Key_Return)
    assert window.model.rowCount() == 1
    assert window.session.document.id == window.model.doc_id(0)  # type: ignore[union-attr]
    assert "greve-dockers" in window.session.document.id  # type: ignore[union-attr]

    search.setFocus()
    search.clear()
    QTest.keyClick(search, Qt.Key.Key_Down)
    assert window.browser.table.hasFocus()
    assert window.model.rowCount() == 7


@pytest.mark.parametrize(("width", "height", "article"), [(1280, 800, 720), (1024, 640, 540)])
def test_the_docks_leave_the_article_room_and_show_the_status_and_spans_columns(
    qtbot: QtBot, open_window: Open, seeded_path: Path, width: int, height: int, article: int
):
    window = open_window(seeded_path)
    window.resize(width, height)
    window._size_side_docks(width)
    QApplication.processEvents()
    assert window.size().width() == width and window.size().height() == height
    assert window.view.width() >= article
    table = window.browser.table
    header = table.horizontalHeader()
    visible = table.viewport().width()
    for column in (0, 2, 3):  # document, status, spans: wholly visible
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= visible


def test_a_claim_is_shown_whole_when_the_column_has_room(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    claim = "seuls ses ingénieurs avaient pu avoir accès, pas le gouvernement chinois"
    drag_select(window, *find_in_view(window, claim))
    QTest.keyClicks(window.view, "c")
    model = window.claims.model
    assert model.data(model.index(0, 0)) == claim  # 72 characters, not cut at 60


def test_the_export_dialogs_spacy_fields_align_with_the_other_fields(qtbot: QtBot):
    dialog = ExportDialog(["alice"])
    qtbot.addWidget(dialog)
    dialog.format.setCurrentText("spacy")
    dialog.show()
    QApplication.processEvents()
    form = dialog.form
    left = {form.labelForField(field).x() for field in (dialog.format, dialog.source)}
    left |= {form.labelForField(field).x() for label, field in dialog.spacy.rows if label}
    fields = {dialog.format.x(), dialog.spacy.dev_fraction.x(), dialog.spacy.alignment.x()}
    fields.add(dialog.spacy.include_unfinished.x())
    assert len(left) == 1 and len(fields) == 1
    dialog.format.setCurrentText("jsonl")
    assert not dialog.spacy.alignment.isVisibleTo(dialog)
    assert not dialog.spacy.include_unfinished.isVisibleTo(dialog)


def test_the_status_bar_counts_imported_documents_at_once(
    open_window: Open, seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    assert window.status_progress.text() == "0/7 done"
    article = tmp_path / "new.txt"
    article.write_text("Un nouvel article sur Oracle.", encoding="utf-8")
    monkeypatch.setattr(QMessageBox, "information", lambda *args: None)

    def fill_and_import() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ImportDialog))
        dialog.paths.edit.setText(str(article))
        dialog.accept()

    QTimer.singleShot(0, fill_and_import)
    window.import_dialog()

    assert window.status_progress.text() == "0/8 done"


def test_the_questions_come_back_on_the_next_document_after_reading_the_guidelines(
    open_window: Open, seeded_path: Path
):
    window = open_window(seeded_path)
    window.guidelines_dock.raise_()
    QApplication.processEvents()
    assert window.questions.visibleRegion().isEmpty()

    window.step_document(1)
    QApplication.processEvents()

    assert not window.questions.visibleRegion().isEmpty()
