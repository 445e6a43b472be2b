"""Fixtures for window tests: a seeded corpus, the real main window, offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from annotator.services.corpora import init_corpus, seed_documents
from annotator.ui.app import build_window
from annotator.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def no_unexpected_message_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message box nobody expects would wait forever offscreen: fail the test instead
    (tests that expect one patch it themselves)."""

    def unexpected(_parent: object, title: str, text: str, *args: object) -> None:
        raise AssertionError(f"unexpected message box {title!r}: {text}")

    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, unexpected)


@pytest.fixture
def seeded_path(tmp_path: Path) -> Path:
    path = tmp_path / "seeded.annotator"
    with init_corpus(path) as corpus:
        corpus.add_documents(seed_documents())
    return path


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[..., MainWindow]]:
    """Open (and later close) main windows on a corpus, as a given annotator."""
    windows: list[MainWindow] = []

    def make(location: Path | str, annotator: str = "alice") -> MainWindow:
        window = build_window(str(location), annotator)
        qtbot.addWidget(window)
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
        window.view.setFocus()
        # Settled: the word boundaries for snapping are prepared in the background.
        qtbot.waitUntil(window.session.snapping_ready, timeout=60_000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.corpus.close()


def point_of(window: MainWindow, qt_position: int) -> QPoint:
    """Where Qt position ``qt_position`` of the document is drawn, in viewport coordinates."""
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(qt_position)
    return window.view.cursorRect(cursor).center()


def drag_select(window: MainWindow, qt_start: int, qt_end: int) -> None:
    """Select text with the mouse, as a user drags across it."""
    viewport = window.view.viewport()
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(qt_start)
    window.view.setTextCursor(cursor)
    window.view.ensureCursorVisible()
    start, end = point_of(window, qt_start), point_of(window, qt_end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def find_in_view(window: MainWindow, needle: str, nth: int = 0) -> tuple[int, int]:
    """Qt positions of ``needle``, read from the widget's own blocks (independently of our
    offset map). ``QTextDocument.find`` cannot be used: it matches NBSP as a space."""
    seen = 0
    block = window.view.document().begin()
    while block.isValid():
        text = block.text()
        index = text.find(needle)
        while index >= 0:
            if seen == nth:
                start = block.position() + _utf16_len(text[:index])
                return start, start + _utf16_len(needle)
            seen += 1
            index = text.find(needle, index + 1)
        block = block.next()
    raise AssertionError(f"{needle!r} not found in the view")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def keyboard_select(window: MainWindow, qt_start: int, qt_end: int) -> None:
    """Select text with the keyboard only: Ctrl+Home, Right to the start, Shift+Right."""
    view = window.view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    for _ in range(qt_start):
        QTest.keyClick(view, Qt.Key.Key_Right)
    for _ in range(qt_end - qt_start):
        QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
