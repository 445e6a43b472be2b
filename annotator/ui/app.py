"""Starting the window: ``annotator [CORPUS] [--annotator NAME]``.

The window paints first, then builds its panels and opens its corpus (DESIGN §10:
startup to first paint within 1.5× a bare QMainWindow): the panels' modules, the store
and SQLAlchemy take several times what Qt needs to show an empty window. The first paint
shows the window's frame (:mod:`annotator.ui.shell`), laid out as the filled window;
nothing on the way to it imports the store, the panels or the domain's modules.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.ui.app_icon import app_icon
from annotator.ui.identity import ask_annotator, check_chosen_name
from annotator.ui.main_window import MainWindow
from annotator.ui.platform_check import report_display_problem
from annotator.ui.settings import open_settings
from annotator.ui.smoke import quit_after_first_paint_if_asked
from annotator.ui.theme import STYLE_SET, style_arguments

if TYPE_CHECKING:
    from annotator.store.corpus import Corpus

UNPAINTED_OPEN_MS = 3000
"""When the window has not been painted after this long, the corpus is opened anyway."""

__all__ = ["application", "ask_annotator", "build_window", "main", "start_window"]


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1] + style_arguments())
        app.setProperty(STYLE_SET, True)
    app.setApplicationName("Annotator")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Annotator")
    # The installed .desktop file's name (packaging/linux), so that desktops match the window to it.
    app.setDesktopFileName("io.github.annotator.Annotator")
    app.setWindowIcon(app_icon())
    return app


def _opener(location: str | None) -> Callable[[], Corpus]:
    def open_it() -> Corpus:
        from annotator.services.corpora import open_corpus, open_default_corpus

        return open_corpus(location) if location else open_default_corpus()

    return open_it


def _window(annotator: str | None, filled: bool = True) -> MainWindow:
    application()
    settings = open_settings()
    if annotator:
        check_chosen_name(annotator)
        settings.setValue("annotator", annotator)
    return MainWindow(None, annotator, settings, filled=filled)


def build_window(location: str | None, annotator: str | None = None) -> MainWindow:
    """A window on ``location`` (or the default corpus, created and seeded on first use),
    opened before it returns (tests, screenshots; the command uses :func:`start_window`)."""
    window = _window(annotator)
    window.attach_corpus(_opener(location)())
    return window


class _OpenAfterFirstPaint(QObject):
    """Fills the window and opens its corpus once the window has been painted."""

    def __init__(self, window: MainWindow, open_it: Callable[[], Corpus]) -> None:
        super().__init__(window)
        self.window = window
        self.open_it = open_it
        self.started = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and not self.started:
            QTimer.singleShot(0, self.open_now)
        return False

    def open_now(self) -> None:
        """Fill the window and open the corpus (once): after the first paint, or when no
        paint came in time (a window started minimised is never painted)."""
        if self.started:
            return
        self.started = True
        self.window.fill()
        try:
            self.window.attach_corpus(self.open_it())
        except AnnotatorError as error:
            from PySide6.QtWidgets import QMessageBox

            print(f"annotator: error: {error}", file=sys.stderr)
            QMessageBox.critical(self.window, "Annotator", str(error))
            QApplication.exit(1)


def start_window(location: str | None, annotator: str | None = None) -> MainWindow:
    """Show a window's frame at once; right after its first paint it fills it and opens
    ``location`` (or the default corpus) (``corpusOpened`` is emitted then)."""
    window = _window(annotator, filled=False)
    opener = _OpenAfterFirstPaint(window, _opener(location))
    window.installEventFilter(opener)
    window.show()
    QTimer.singleShot(UNPAINTED_OPEN_MS, opener.open_now)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="annotator", description="Open the Annotator window.")
    parser.add_argument("corpus", nargs="?", help="corpus file or URL (default: your corpus)")
    parser.add_argument("--annotator", help="annotate under this name (remembered)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))  # --help: no display
    if report_display_problem():  # before Qt loads a platform plugin (and may abort)
        return 1
    app = application()
    try:
        window = start_window(args.corpus, args.annotator)
    except AnnotatorError as error:
        print(f"annotator: error: {error}", file=sys.stderr)
        return 1
    quit_after_first_paint_if_asked(window)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
