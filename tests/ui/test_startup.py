"""Startup: the window paints first, then opens its corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.ui.app import start_window


def test_the_window_opens_its_corpus_after_it_is_shown(
    seeded_path: Path, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ANNOTATOR_HOME", str(tmp_path / "home"))
    window = start_window(str(seeded_path), "alice")
    qtbot.addWidget(window)
    assert not window.has_corpus()
    assert not window.menuBar().isEnabled()  # nothing to act on yet

    with qtbot.waitSignal(window.corpusOpened, timeout=10_000):
        pass

    assert window.corpus.location == str(seeded_path)
    assert window.menuBar().isEnabled()
    assert window.session.document is not None
    window.close()
    window.corpus.close()


def test_a_corpus_that_cannot_be_opened_is_reported_in_the_window(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ANNOTATOR_HOME", str(tmp_path / "home"))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    # The application then exits with 1; a real exit() would also end every event loop
    # that later tests start in this process (QEventLoop.exec returns at once after it).
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", lambda code=0: exits.append(code))
    broken = tmp_path / "not-a-corpus.annotator"
    broken.write_text("plain text, not SQLite", encoding="utf-8")

    window = start_window(str(broken), "alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)

    assert "not-a-corpus.annotator" in shown[0]
    assert not window.has_corpus()
    assert exits == [1]
