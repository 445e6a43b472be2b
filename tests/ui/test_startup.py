"""Startup: the window paints first, then opens its corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtWidgets import QApplication, QDockWidget, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.ui.app import build_window, start_window
from annotator.ui.main_window import MainWindow


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


def _layout(window: MainWindow) -> dict[str, QRect]:
    """Where the window's parts are: menu bar, status bar, article pane, each dock."""
    parts = {"menu bar": window.menuBar(), "status bar": window.statusBar()}
    parts["article"] = window.centralWidget()
    for dock in window.findChildren(QDockWidget):
        parts[dock.objectName()] = dock
    shown = window.rect()  # a dock behind another's tab is moved out of the window
    return {
        name: QRect(part.geometry())
        for name, part in parts.items()
        if part.isVisible() and shown.intersects(part.geometry())
    }


@pytest.mark.parametrize("saved_layout", [True, False], ids=["a later start", "a first start"])
def test_filling_the_window_after_its_first_paint_moves_nothing(
    seeded_path: Path,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    saved_layout: bool,
):
    """The first paint shows the frame (menus, docks, status bar, article pane) where
    the filled window has them: filling it and opening the corpus adds content without
    moving anything (no flicker of a layout settling)."""
    monkeypatch.setenv("ANNOTATOR_HOME", str(tmp_path / "home"))
    if saved_layout:  # as every start but the first: the last window saved its layout
        earlier = build_window(str(seeded_path), "alice")
        earlier.show()
        earlier.resize(1100, 700)
        earlier.findChild(QDockWidget, "dock-documents").hide()  # type: ignore[union-attr]
        qtbot.wait(50)
        earlier.close()
        earlier.corpus.close()
    first_paint: list[dict[str, QRect]] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not first_paint:
                first_paint.append(_layout(window))
            return False

    window = start_window(str(seeded_path), "alice")
    qtbot.addWidget(window)
    watch = Watch(window)
    window.installEventFilter(watch)
    with qtbot.waitSignal(window.corpusOpened, timeout=20_000):
        pass
    assert first_paint, "the window was opened before it was painted"
    qtbot.wait(100)  # the panels put into a shown window show at the next turn
    documents = window.findChild(QDockWidget, "dock-documents")
    assert documents is not None and documents.isHidden() == saved_layout  # as left
    filled = _layout(window)
    if not saved_layout:
        # A first start has no saved sizes: the labels dock takes the height of its
        # buttons once the scheme is shown, the bottom docks their panels' least height.
        # Nothing moves sideways.
        def across(layout: dict[str, QRect]) -> dict[str, tuple[int, int]]:
            return {name: (rect.x(), rect.width()) for name, rect in layout.items()}

        assert across(filled) == across(first_paint[0])
        for name in ("menu bar", "status bar"):
            assert filled[name] == first_paint[0][name]
        return
    assert filled == first_paint[0]
    window.close()
    window.corpus.close()
