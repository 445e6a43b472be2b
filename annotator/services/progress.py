"""Progress reporting that services accept and the CLI or the window display."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, what: str) -> None:
        """Report that ``done`` of ``total`` units of ``what`` are finished.

        A window's progress dialog raises :class:`Cancelled` from here to stop the work.
        """


class Cancelled(Exception):
    """Raised by a progress callback to stop long work; nothing half-done is kept."""


def no_progress(done: int, total: int, what: str) -> None:
    return None
