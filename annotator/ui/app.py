"""Starting the window: ``annotator [CORPUS] [--annotator NAME]``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QInputDialog

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.validation import check_annotator_name
from annotator.services.corpora import open_corpus, open_default_corpus
from annotator.ui.app_icon import app_icon
from annotator.ui.main_window import MainWindow, package_owner
from annotator.ui.platform_check import report_display_problem
from annotator.ui.settings import open_settings
from annotator.ui.smoke import quit_after_first_paint_if_asked


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Annotator")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Annotator")
    # The installed .desktop file's name (packaging/linux), so that desktops match the window to it.
    app.setDesktopFileName("io.github.annotator.Annotator")
    app.setWindowIcon(app_icon())
    return app


def ask_annotator(settings: QSettings) -> str:
    """The annotator's name: from the settings, else asked once and remembered."""
    stored = settings.value("annotator")
    if stored:
        return str(stored)
    default = getpass.getuser() or "annotator"
    while True:
        name, ok = QInputDialog.getText(
            None,
            "Welcome to Annotator",
            "Your name as an annotator (it marks your annotations):",
            text=default,
        )
        name = name.strip() if ok else default
        try:
            check_annotator_name(name)
        except AnnotatorError:
            continue
        settings.setValue("annotator", name)
        return name


def build_window(location: str | None, annotator: str | None = None) -> MainWindow:
    """Open ``location`` (or the default corpus, created and seeded on first use)."""
    application()
    settings = open_settings()
    corpus = open_corpus(location) if location else open_default_corpus()
    if annotator:
        check_annotator_name(annotator)
        settings.setValue("annotator", annotator)
    # A work package is annotated under its annotator's name, whoever opens it.
    owner = package_owner(corpus)
    return MainWindow(corpus, owner or annotator or ask_annotator(settings), settings)


def main(argv: Sequence[str] | None = None) -> int:
    if report_display_problem():  # before Qt loads a platform plugin (and may abort)
        return 1
    parser = argparse.ArgumentParser(prog="annotator", description="Open the Annotator window.")
    parser.add_argument("corpus", nargs="?", help="corpus file or URL (default: your corpus)")
    parser.add_argument("--annotator", help="annotate under this name (remembered)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    app = application()
    try:
        window = build_window(args.corpus, args.annotator)
    except AnnotatorError as error:
        print(f"annotator: error: {error}", file=sys.stderr)
        return 1
    window.show()
    quit_after_first_paint_if_asked(window)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
