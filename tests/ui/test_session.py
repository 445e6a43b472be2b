"""Working through a corpus in the window: documents, undo, restart, identity, views."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog
from pytestqt.qtbot import QtBot

from annotator.core.model import Document
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from annotator.ui.dialogs import ShortcutsSheet
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag_select, find_in_view

Open = Callable[..., MainWindow]
REPO = Path(__file__).resolve().parents[2]


def spans_of(path: Path, doc_id: str, annotator: str = "alice") -> list[tuple[str, str]]:
    with Corpus.open(path) as corpus:
        text = corpus.document(doc_id).text
        aset = corpus.annotation_set(doc_id, annotator)
    return sorted((text[s.start : s.end], s.label) for s in aset.spans)


def label(window: MainWindow, needle: str, key: str) -> None:
    drag_select(window, *find_in_view(window, needle))
    QTest.keyClicks(window.view, key)


def test_undo_and_redo_follow_edits_across_documents(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    first = window.session.document.id  # type: ignore[union-attr]
    label(window, "Bytedance", "o")
    QTest.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    second = window.session.document.id  # type: ignore[union-attr]
    assert second != first
    label(window, "CNIL", "o")
    assert spans_of(seeded_path, second) == [("CNIL", "ORG")]

    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert spans_of(seeded_path, second) == []
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert spans_of(seeded_path, first) == []
    # Undoing an edit of another document brings that document back into view.
    assert window.session.document.id == first  # type: ignore[union-attr]
    QTest.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert spans_of(seeded_path, first) == [("Bytedance", "ORG")]
    QTest.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert spans_of(seeded_path, second) == [("CNIL", "ORG")]
    assert window.session.document.id == second  # type: ignore[union-attr]


def test_undo_of_the_first_edit_restores_the_todo_status(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    label(window, "Oracle", "o")
    assert window.session.aset.status == "in_progress"
    window.undo_stack.undo()
    assert window.session.aset.status == "todo"


def test_restarting_the_app_finds_everything_as_it_was(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    QTest.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    doc_id = window.session.document.id  # type: ignore[union-attr]
    label(window, "CNIL", "o")
    window.zoom(1.5)
    zoom = window.view.point_size()
    window.close()
    window.corpus.close()

    again = open_window(seeded_path)
    assert again.session.document.id == doc_id  # type: ignore[union-attr]
    assert [(s.label) for s in again.session.aset.spans] == ["ORG"]
    assert again.view.point_size() == pytest.approx(zoom)
    assert spans_of(seeded_path, doc_id) == [("CNIL", "ORG")]


def test_mark_done_moves_on_and_the_browser_shows_it(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    first = window.session.document.id  # type: ignore[union-attr]
    QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.session.document.id != first  # type: ignore[union-attr]
    assert window.model.data(window.model.index(0, 2)) == "done"
    assert window.status_progress.text() == "1/7 done"
    QTest.keyClick(
        window,
        Qt.Key.Key_Return,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.model.data(window.model.index(1, 2)) == "skipped"
    with Corpus.open(seeded_path) as corpus:
        assert corpus.annotation_set(first, "alice").status == "done"


def test_browser_filters_by_status_and_searches_text(
    open_window: Open, seeded_path: Path, qtbot: QtBot
):
    window = open_window(seeded_path)
    window.set_status("done")
    browser = window.browser
    browser.status.setCurrentIndex(browser.status.findData("done"))
    assert window.model.rowCount() == 1
    browser.status.setCurrentIndex(browser.status.findData("todo"))
    assert window.model.rowCount() == 6
    browser.status.setCurrentIndex(0)
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert browser.search.hasFocus()
    QTest.keyClicks(browser.search, "dockers")
    QTest.keyClick(browser.search, Qt.Key.Key_Return)
    assert window.model.rowCount() == 1
    assert "dockers" in str(window.model.doc_id(0))
    browser.table.activated.emit(window.model.index(0, 0))
    assert window.session.document.id == window.model.doc_id(0)  # type: ignore[union-attr]


def test_unicode_text_is_annotated_at_exact_offsets(open_window: Open, tmp_path: Path):
    text = (
        "Le 1er\xa0mai, Zoé\u0301 Martin a parlé.\r\n"
        "😀 Ali 🇫🇷 Bob\u2028Chloé a\u202fdit : « non ».\r\n"
        "\u05e9\u05dc\u05d5\u05dd Dana \U0001d518x fin."
    )
    path = tmp_path / "unicode.annotator"
    with init_corpus(path) as corpus:
        corpus.add_documents([Document("u", text)])
    window = open_window(path)
    window.character_action.trigger()
    targets = [
        ("1er\xa0mai", "m"),
        ("Zoé\u0301 Martin", "p"),
        ("Ali 🇫🇷 Bob", "o"),
        ("Chloé a\u202fdit", "m"),
        ("\u05e9\u05dc\u05d5\u05dd", "l"),
        ("Dana \U0001d518x", "p"),
    ]
    for needle, key in targets[:4]:
        label(window, needle, key)
    # The last paragraph is laid out right to left: a mouse drag there selects visually,
    # so select through the widget's cursor at the positions Qt itself reports.
    for needle, key in targets[4:]:
        start, end = find_in_view(window, needle)
        cursor = window.view.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        window.view.setTextCursor(cursor)
        QTest.keyClicks(window.view, key)
    assert spans_of(path, "u") == sorted(
        (needle, window.session.key_bindings()[key].label) for needle, key in targets
    )


def test_selection_ending_at_a_crlf_line_end_takes_no_carriage_return(
    open_window: Open, tmp_path: Path
):
    text = "Premier paragraphe ici.\r\nSecond paragraphe."
    path = tmp_path / "crlf.annotator"
    with init_corpus(path) as corpus:
        corpus.add_documents([Document("crlf", text)])
    window = open_window(path)
    window.character_action.trigger()
    start, _ = find_in_view(window, "ici.")
    block_end = window.view.document().firstBlock().length() - 1
    drag_select(window, start, block_end)
    QTest.keyClicks(window.view, "m")
    assert spans_of(path, "crlf") == [("ici.", "MISC")]


def test_each_annotator_sees_only_their_own_set(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    label(window, "Bytedance", "o")
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("bob", True))
    QTest.keyClick(
        window,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.session.annotator == "bob"
    assert window.session.aset.spans == []
    assert window.status_annotator.text() == "Annotator: bob"
    label(window, "Oracle", "o")
    doc_id = window.session.document.id  # type: ignore[union-attr]
    assert spans_of(seeded_path, doc_id, "alice") == [("Bytedance", "ORG")]
    assert spans_of(seeded_path, doc_id, "bob") == [("Oracle", "ORG")]
    assert window.settings.value("annotator") == "bob"


def test_first_start_asks_the_annotator_name_once(
    seeded_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
):
    from annotator.ui.app import build_window

    asked = []

    def answer(*args: object, **kwargs: object) -> tuple[str, bool]:
        asked.append(kwargs.get("text"))
        return ("  chloé  ", True)

    monkeypatch.setattr(QInputDialog, "getText", answer)
    window = build_window(str(seeded_path))
    qtbot.addWidget(window)
    assert window.session.annotator == "chloé"
    window.corpus.close()
    again = build_window(str(seeded_path))
    qtbot.addWidget(again)
    assert again.session.annotator == "chloé"
    assert len(asked) == 1
    again.corpus.close()


def test_shortcuts_sheet_lists_label_keys_and_actions(
    open_window: Open, seeded_path: Path, monkeypatch: pytest.MonkeyPatch
):
    window = open_window(seeded_path)
    shown: list[ShortcutsSheet] = []
    monkeypatch.setattr(ShortcutsSheet, "exec", lambda self: shown.append(self) or 0)
    QTest.keyClick(window, Qt.Key.Key_F1)
    QTest.keyClicks(window.view, "?")
    assert len(shown) == 2
    table = shown[0].table
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["p"] == "Label the selection PER (entity)"
    assert rows["Ctrl+Z"] == "Undo"
    assert rows["Tab"] == "Next span"
    assert rows["Ctrl+Return"] == "Mark done and go on"


def test_dark_theme_is_applied_and_remembered(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    light = window.view.palette().base().color().lightness()
    window.dark_action.trigger()
    QApplication.processEvents()
    assert window.view.palette().base().color().lightness() < light
    assert window.settings.value("theme") == "dark"


def test_opening_another_corpus_from_the_window(
    open_window: Open, seeded_path: Path, tmp_path: Path
):
    other = tmp_path / "other.annotator"
    with init_corpus(other) as corpus:
        corpus.add_documents([Document("only", "Un seul document ici.")])
    window = open_window(seeded_path)
    window.open_location(str(other))
    assert window.model.rowCount() == 1
    assert window.session.document.id == "only"  # type: ignore[union-attr]
    assert window.recent_menu.actions()[0].text() == str(other)


def test_a_started_window_paints_before_anything_heavy_and_answers_its_first_label_key_at_once(
    tmp_path: Path,
):
    """``annotator`` (a fresh process, the command's own start): the window of a fresh
    default corpus paints without spaCy (about 1 s), SQLAlchemy, its panels or the
    domain's modules (its frame only); it fills itself and opens the corpus after, and
    prepares snapping in the background. Once it has settled, the session's first label
    key is handled within 150 ms (the issue's "done"), first imports included: the GUI
    thread's own time, which a machine shared by other work does not stretch (the wall
    time is printed beside it)."""
    script = (
        "import sys, time\n"
        "from PySide6.QtCore import QEvent, QObject, QTimer\n"
        "from PySide6.QtTest import QTest\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from annotator.ui.app import application, start_window\n"
        "app = application()\n"
        "seen = []\n"
        "class Paint(QObject):\n"
        "    def eventFilter(self, obj, event):\n"
        "        if event.type() == QEvent.Type.Paint and not seen:\n"
        "            seen.append(('spacy' in sys.modules, 'sqlalchemy' in sys.modules,\n"
        "                         'annotator.ui.document_view' in sys.modules,\n"
        "                         'annotator.core.model' in sys.modules))\n"
        "        return False\n"
        "def first_label_key():\n"
        "    text = w.session.document.text\n"
        "    start = text.index('Bytedance')\n"
        "    w.view.setFocus()\n"
        "    w.view.select_range(start, start + len('Bytedance'))\n"
        "    started, busy = time.perf_counter(), time.thread_time()\n"
        "    QTest.keyClicks(w.view, 'o')\n"
        "    seen.append(round((time.thread_time() - busy) * 1000))\n"
        "    print('wall ms', round((time.perf_counter() - started) * 1000), file=sys.stderr)\n"
        "    seen.append([(text[s.start:s.end], s.label) for s in w.session.aset.spans])\n"
        "    app.quit()\n"
        "w = start_window(None, 'alice')\n"
        "w.installEventFilter(Paint(w))\n"
        "w.corpusOpened.connect(lambda: w.snapping.ready.connect(\n"
        "    lambda _id: QTimer.singleShot(0, first_label_key)))\n"
        "app.exec()\n"
        "print(w.model.rowCount(), *seen[0], w.session.document.id, w.session.snapping_ready())\n"
        "print(seen[1], seen[2])\n"
    )
    env = {"ANNOTATOR_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    import os

    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seeds = json.loads((REPO / "seeds" / "index.json").read_text(encoding="utf-8"))
    started, labelled = result.stdout.splitlines()
    count, spacy_at_paint, store_at_paint, view_at_paint, model_at_paint, first, ready = (
        started.split()
    )
    assert int(count) == len(seeds)
    assert (spacy_at_paint, store_at_paint) == ("False", "False")
    assert (view_at_paint, model_at_paint) == ("False", "False")
    assert first == seeds[0]["id"]
    assert ready == "True"
    milliseconds, spans = labelled.split(" ", 1)
    assert spans == "[('Bytedance', 'ORG')]"
    assert int(milliseconds) < 150, f"the first label key took {milliseconds} ms of CPU"


def test_shortcuts_sheet_is_a_dialog(open_window: Open, seeded_path: Path):
    window = open_window(seeded_path)
    sheet = ShortcutsSheet(window.all_actions, [], window)
    assert isinstance(sheet, QDialog)
    assert sheet.table.rowCount() > 10


def test_a_work_package_opens_under_its_annotators_name(
    open_window: Open, seeded_path: Path, tmp_path: Path
):
    from annotator.services.packages import make_package

    package = tmp_path / "bob.annotator"
    with Corpus.open(seeded_path) as corpus:
        first = corpus.document_ids()[0]
        make_package(corpus, "bob", package, [first])
    window = open_window(package, "alice")
    assert window.session.annotator == "bob"
    assert "(package for bob)" in window.windowTitle()
    label(window, "Bytedance", "o")
    with Corpus.open(package) as opened:
        assert [s.label for s in opened.annotation_set(first, "bob").spans] == ["ORG"]


def test_closing_the_window_takes_a_backup_when_the_corpus_changed(
    open_window: Open, seeded_path: Path
):
    from annotator.services.backups import list_backups

    window = open_window(seeded_path)
    before = len(list_backups(seeded_path))
    label(window, "Bytedance", "o")
    window.close()
    backups = list_backups(seeded_path)
    assert len(backups) == before + 1
    with Corpus.open(backups[0].path) as copy:
        doc_id = copy.document_ids()[0]
        assert [s.label for s in copy.annotation_set(doc_id, "alice").spans] == ["ORG"]


def test_the_recent_corpora_never_keep_a_password(tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from annotator.ui.settings import recent_corpora, remember_corpus

    path = tmp_path / "settings.ini"
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    settings.setValue(
        "recent", ["postgresql+psycopg://bob:older-secret@host/db"]
    )  # as stored before
    remember_corpus(settings, "postgresql+psycopg://alice:s3cret@host/team")
    remember_corpus(settings, str(tmp_path / "local.annotator"))
    settings.sync()

    assert recent_corpora(settings) == [
        str(tmp_path / "local.annotator"),
        "postgresql+psycopg://alice@host/team",
        "postgresql+psycopg://bob@host/db",
    ]
    assert "s3cret" not in path.read_text("utf-8")
    assert "older-secret" not in path.read_text("utf-8")
