"""A training (then its suggestions) in a background thread, the window staying usable.

Unlike :func:`annotator.ui.worker.run_with_progress`, nothing is modal: the job reports
through signals (shown in the status bar and the Model panel) and :meth:`TrainingJob.cancel`
stops it at the next step, writing no model and recording no run.

Signals:
    progressed(str): a line saying where the job is (step, losses, dev scores).
    finished(object): the recorded :class:`~annotator.store.model_runs.ModelRun`, after
        its suggestions are written; ``None`` when cancelled.
    failed(str): the message of an error (the job stopped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from annotator.core.errors import AnnotatorError
from annotator.services.progress import Cancelled


class TrainingJob(QObject):
    progressed = Signal(str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[Callable[[str], None]], Any]) -> None:
        """``work(report)`` trains and suggests; ``report(text)`` raises once cancelled."""
        super().__init__()
        self._work = work
        self._cancel = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName("model-training")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._run)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, milliseconds: int = 60_000) -> bool:
        return self._thread.wait(milliseconds)

    def _report(self, text: str) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self.progressed.emit(text)

    def _run(self) -> None:
        try:
            result = self._work(self._report)
        except Cancelled:
            self.finished.emit(None)
        except (AnnotatorError, OSError) as error:
            self.failed.emit(str(error))
        except Exception as error:  # a bug: shown, never a dead window
            self.failed.emit(f"training failed: {type(error).__name__}: {error}")
        else:
            self.finished.emit(result)
        finally:
            self._thread.quit()
