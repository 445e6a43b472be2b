"""Word boundaries for snapping, prepared off the GUI thread.

The first use of a language loads spaCy (seconds on a loaded machine): done in the GUI
thread, that froze the window on the first label key of a session. The window asks for
the open document's boundaries as soon as it shows the document (after its first
paint); a label key pressed before they are ready is kept and done when they arrive, so
the key is answered at once either way.

Once a language's tokenizer is loaded, the boundaries of an article of ordinary length
take milliseconds: they are then built at once when a key needs them, so labelling
right after opening another document never waits on the event loop.

Signals (SnappingPreparer):
    ready(str): the boundaries of this document id are now in the session.
    failed(str): they could not be built (the message).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from annotator.services.annotating import AnnotationSession, snapping_bounds

if TYPE_CHECKING:
    from annotator.nlp.tokens import TokenBounds

Build = Callable[[str, str], "TokenBounds"]

AT_ONCE_CHARS = 200_000
"""Texts up to this length, in a language already loaded, are tokenized in the GUI
thread when a key needs them (well under a frame's budget per ten thousand words)."""


class SnappingPreparer(QObject):
    """Builds the open document's token boundaries in a background thread.

    Args:
        session: returns the window's current session (it changes with the annotator).
        build: ``(text, language) -> TokenBounds``; :func:`snapping_bounds` by default.
    """

    ready = Signal(str)
    failed = Signal(str)
    _built = Signal(str, object, object)  # doc id, session, bounds (crosses threads)
    _broken = Signal(str)

    def __init__(
        self,
        session: Callable[[], AnnotationSession],
        build: Build = snapping_bounds,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self.build = build
        self._pending: Callable[[], None] | None = None
        self._running: set[tuple[int, str]] = set()  # (session, document) being built
        self._loaded: set[str] = set()  # languages whose tokenizer has been built
        self._lock = threading.Lock()
        self._built.connect(self._take)
        self._broken.connect(self._fail)

    def prepare(self) -> None:
        """Start building the open document's boundaries (nothing when already known)."""
        session = self._session()
        document = session.document
        if document is None or session.snapping_ready():
            return
        text, language, doc_id = document.text, session.language, document.id
        if (id(session), doc_id) in self._running:
            return
        self._running.add((id(session), doc_id))

        def work() -> None:
            try:
                bounds = self.build(text, language)
            except Exception as error:
                self._deliver(
                    self._broken, f"Word boundaries for snapping could not be built: {error}"
                )
                return
            finally:
                self._running.discard((id(session), doc_id))
            with self._lock:
                self._loaded.add(language)
            self._deliver(self._built, doc_id, session, bounds)

        threading.Thread(target=work, name=f"snapping-{doc_id}", daemon=True).start()

    @staticmethod
    def _deliver(signal: Any, *values: object) -> None:
        """Emit from the worker thread; nothing to deliver when the window (and this
        object with it) was closed and deleted while the boundaries were being built."""
        with contextlib.suppress(RuntimeError):  # "Signal source has been deleted"
            signal.emit(*values)

    def when_ready(self, action: Callable[[], None]) -> bool:
        """Run ``action`` now when the boundaries are known (True), else keep it (the
        last one kept wins) to run when they arrive (False)."""
        session = self._session()
        document = session.document
        with self._lock:
            loaded = session.language in self._loaded
        if document is not None and loaded and len(document.text) <= AT_ONCE_CHARS:
            session.use_tokens(document.id, self.build(document.text, session.language))
        if session.snapping_ready():
            action()
            return True
        self._pending = action
        self.prepare()
        return False

    def forget_pending(self) -> None:
        self._pending = None

    def _take(self, doc_id: str, session: object, bounds: object) -> None:
        current = self._session()
        if session is not current or not current.use_tokens(doc_id, bounds):  # type: ignore[arg-type]
            return  # another document (or annotator) by now: its own preparation runs
        self.ready.emit(doc_id)
        pending, self._pending = self._pending, None
        if pending is not None:
            pending()

    def _fail(self, message: str) -> None:
        self._pending = None
        self.failed.emit(message)
