"""A self-check of an installation: ``ANNOTATOR_SMOKE=1 annotator`` opens, paints, quits.

With the variable set, the window closes itself as soon as it has been painted once and
its corpus is open, after printing one line that names the corpus, its document count and the
window title, and the process exits with 0. A window not painted within a minute exits
with 3 and says so, so that a broken bundle fails the check instead of hanging it.

``packaging/smoke.py`` runs a built application this way, headless
(``QT_QPA_PLATFORM=offscreen``), to show that the bundle holds everything the window
needs to start: Qt's platform plugin, the default scheme, the seed articles, the icon.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

SMOKE_VARIABLE = "ANNOTATOR_SMOKE"
PAINT_DEADLINE_MS = 60_000
NOT_PAINTED = 3


class _QuitAfterFirstPaint(QObject):
    """Watches the window; once it is painted and its corpus open, reports and quits."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            QTimer.singleShot(0, self.finish)
        return False

    def finish(self) -> None:
        if not self.window.has_corpus():  # painted first, the corpus opens right after
            self.window.corpusOpened.connect(self.finish)
            return
        corpus = self.window.corpus
        print(
            f"annotator smoke: painted {corpus.location} "
            f"({corpus.document_count()} documents), window {self.window.windowTitle()!r}",
            flush=True,
        )
        self.window.close()
        QApplication.quit()

    def give_up(self) -> None:
        if not self.painted:
            print("annotator smoke: the window was not painted within a minute", flush=True)
            QApplication.exit(NOT_PAINTED)


def quit_after_first_paint_if_asked(window: MainWindow) -> None:
    """Arm the self-check when ``ANNOTATOR_SMOKE`` is set to anything but empty or 0."""
    if os.environ.get(SMOKE_VARIABLE, "") in ("", "0"):
        return
    watcher = _QuitAfterFirstPaint(window)
    # The window, not its document view: a started window paints its frame first and
    # makes the view with its corpus (the check then waits for the corpus).
    window.installEventFilter(watcher)
    QTimer.singleShot(PAINT_DEADLINE_MS, watcher.give_up)
