"""Long work off the GUI thread, behind a progress dialog that can cancel it.

The work is a plain function taking a progress callback (the services' convention). It
runs in a ``QThread``; the dialog stays responsive and its Cancel button makes the next
progress call raise :class:`Cancelled`, which the services turn into "nothing half-done".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from annotator.services.progress import Cancelled, Progress

T = TypeVar("T")


class _Runner(QObject):
    progressed = Signal(int, int, str)
    finished = Signal()

    def __init__(self, work: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.work = work
        self.cancel = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def report(self, done: int, total: int, what: str) -> None:
        if self.cancel.is_set():
            raise Cancelled()
        self.progressed.emit(done, total, what)

    def run(self) -> None:
        try:
            self.result = self.work(self.report)
        except BaseException as error:  # handed to the GUI thread, re-raised there
            self.error = error
        finally:
            self.finished.emit()


class _Display(QObject):
    """Receives progress in the GUI thread (a plain function would run in the worker's)."""

    def __init__(self, dialog: QProgressDialog, title: str) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.title = title

    @Slot(int, int, str)
    def show(self, done: int, total: int, what: str) -> None:
        self.dialog.setMaximum(max(total, 0))
        self.dialog.setValue(min(done, total) if total else 0)
        of = f" of {total}" if total else ""
        self.dialog.setLabelText(f"{self.title}: {done}{of} {what}")


def run_with_progress(parent: QWidget | None, title: str, work: Callable[[Progress], T]) -> T:
    """Run ``work(progress)`` in a thread while a progress dialog shows; return its result.

    Raises:
        Cancelled: the user pressed Cancel.
        Exception: whatever ``work`` raised, in the GUI thread.
    """
    dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    runner = _Runner(work)
    thread = QThread()
    runner.moveToThread(thread)
    loop = QEventLoop()

    display = _Display(dialog, title)
    runner.progressed.connect(display.show, Qt.ConnectionType.QueuedConnection)
    runner.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(runner.cancel.set)
    thread.started.connect(runner.run)
    thread.start()
    loop.exec()
    thread.quit()
    thread.wait()
    dialog.close()
    dialog.deleteLater()
    if runner.error is not None:
        raise runner.error
    return runner.result  # type: ignore[no-any-return]
