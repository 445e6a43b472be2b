"""Long work behind a progress dialog, and the import and export dialogs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from annotator.core.errors import AnnotatorError
from annotator.services.progress import Cancelled, Progress
from annotator.ui.dialogs import ExportDialog, ImportDialog
from annotator.ui.main_window import MainWindow
from annotator.ui.worker import run_with_progress

Open = Callable[..., MainWindow]


def test_work_runs_off_the_gui_thread_and_returns_its_result(qtbot: QtBot):
    threads = []

    def work(progress: Progress) -> int:
        threads.append(threading.current_thread())
        for i in range(5):
            progress(i, 5, "steps")
        return 42

    assert run_with_progress(None, "Working", work) == 42
    assert threads[0] is not threading.main_thread()


def test_the_window_keeps_processing_events_during_the_work(qtbot: QtBot):
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)

    def work(progress: Progress) -> None:
        for i in range(30):
            time.sleep(0.01)
            progress(i, 30, "steps")

    run_with_progress(None, "Working", work)
    timer.stop()
    assert len(ticks) >= 5


def test_cancel_stops_the_work_at_its_next_progress_report(qtbot: QtBot):
    reached = []

    def cancel_soon() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog):
                button = widget.findChild(QPushButton)
                assert button is not None and button.text() == "Cancel"
                button.click()

    def work(progress: Progress) -> None:
        for i in range(500):
            time.sleep(0.01)
            progress(i, 500, "steps")
            reached.append(i)

    QTimer.singleShot(150, cancel_soon)
    with pytest.raises(Cancelled):
        run_with_progress(None, "Working", work)
    assert len(reached) < 500


def test_errors_of_the_work_reach_the_caller(qtbot: QtBot):
    def work(progress: Progress) -> None:
        raise AnnotatorError("bad file")

    with pytest.raises(AnnotatorError, match="bad file"):
        run_with_progress(None, "Working", work)


def import_through_the_dialog(
    window: MainWindow, source: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """File › Import of ``source``, as a user fills the dialog; the messages it shows."""

    def fill(self: ImportDialog) -> int:
        self.paths.edit.setText(str(source))
        return 1

    messages: list[str] = []
    monkeypatch.setattr(ImportDialog, "exec", fill)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: messages.append(text))
    window.import_dialog()
    return messages


def test_import_dialog_imports_through_a_progress_dialog(
    open_window: Open, seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    source = tmp_path / "new.jsonl"
    source.write_text(
        json.dumps({"id": "nouveau", "text": "Marie Curie est née à Varsovie."}) + "\n",
        encoding="utf-8",
    )
    window = open_window(seeded_path)

    messages = import_through_the_dialog(window, source, monkeypatch)
    assert window.model.rowCount() == 8
    assert "new.jsonl (jsonl): 1 new documents" in messages[0]


def test_an_import_in_the_window_finds_the_wire_copies_it_brings(
    open_window: Open, seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A reprint of a seed article (new headline, a byline) imported in the window is
    compared at once: the message says so and the browser's Copies column marks both."""
    from annotator.services import near_copies
    from annotator.services.corpora import open_corpus, seed_documents

    with open_corpus(seeded_path) as seeded:
        near_copies.update(seeded)  # as the default corpus is, and every import
    seed = seed_documents()[0]
    body = seed.text.split("\n", 1)[1]
    source = tmp_path / "reprint.jsonl"
    source.write_text(
        json.dumps({"id": "reprint", "text": f"Nouveau titre\nPar notre envoyé.\n{body}"}) + "\n",
        encoding="utf-8",
    )
    window = open_window(seeded_path)

    messages = import_through_the_dialog(window, source, monkeypatch)
    assert "1 are near-copies of documents already in the corpus" in messages[0]
    column = next(
        c for c in range(window.model.columnCount())
        if window.model.headerData(c, Qt.Orientation.Horizontal) == "Copies"
    )  # fmt: skip
    marks = {
        str(window.model.doc_id(r)): window.model.index(r, column).data()
        for r in range(window.model.rowCount())
    }
    assert marks["reprint"] == marks[seed.id] == "≈ 2"


def test_import_errors_are_shown_and_change_nothing(
    open_window: Open, seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": "x", "text": "cut', encoding="utf-8")
    window = open_window(seeded_path)

    def fill(self: ImportDialog) -> int:
        self.paths.edit.setText(str(source))
        self.format.setCurrentText("jsonl")
        return 1

    warnings: list[str] = []
    monkeypatch.setattr(ImportDialog, "exec", fill)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    window.import_dialog()
    assert "bad.jsonl, line 1" in warnings[0]
    assert window.model.rowCount() == 7


def test_export_dialog_writes_the_chosen_annotations(
    open_window: Open, seeded_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "out.jsonl"
    window = open_window(seeded_path)
    window.set_status("done")

    def fill(self: ExportDialog) -> int:
        self.format.setCurrentText("jsonl")
        self.out.edit.setText(str(out))
        self.source.setCurrentText("alice")
        return 1

    messages: list[str] = []
    monkeypatch.setattr(ExportDialog, "exec", fill)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: messages.append(text))
    window.export_dialog()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["annotations"][0]["status"] == "done"
    assert messages == [f"Wrote {out}: 1 documents, 0 spans."]


def test_import_dialog_previews_the_file_before_importing(
    open_window: Open, seeded_path: Path, qtbot: QtBot
):
    from tests.conftest import FORMATS_REAL

    window = open_window(seeded_path)
    dialog = ImportDialog("alice", window.corpus.scheme, window)
    qtbot.addWidget(dialog)
    source = FORMATS_REAL / "prodigy" / "explosion-projects_ner_tweets_demo.jsonl"
    dialog.paths.edit.setText(str(source))
    dialog.refresh_preview()
    assert dialog.summary.text().startswith(
        "explosion-projects_ner_tweets_demo.jsonl: prodigy (detected); 1 documents"
    )
    assert "Labels the scheme lacks: entity: PERSON" in dialog.summary.text()
    assert dialog.extend.isChecked()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 3).text() == "1"
    assert window.model.rowCount() == 7  # nothing imported by the preview


def test_import_dialog_says_why_a_file_cannot_be_imported(
    open_window: Open, seeded_path: Path, tmp_path: Path, qtbot: QtBot
):
    window = open_window(seeded_path)
    dialog = ImportDialog("alice", window.corpus.scheme, window)
    qtbot.addWidget(dialog)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "cut', encoding="utf-8")
    dialog.paths.edit.setText(str(bad))
    dialog.format.setCurrentText("jsonl")
    dialog.refresh_preview()
    assert dialog.summary.text().startswith("Cannot import:")
    assert "bad.jsonl, line 1" in dialog.summary.text()
    assert not dialog.ok.isEnabled()
