"""Errors a user can cause, each with a message that says where and what to do.

Anything that is not an :class:`AnnotatorError` is a bug and may show a traceback.
"""

from __future__ import annotations


class AnnotatorError(Exception):
    """Base of every error caused by user input or data; the CLI prints it and exits 1."""


class SchemeError(AnnotatorError):
    """A scheme file or a scheme change is invalid."""


class AnnotationError(AnnotatorError):
    """An annotation breaks an invariant of the domain (offsets, labels, relations...)."""


class InputError(AnnotatorError):
    """A file being imported is unreadable or malformed.

    Args:
        path: the file.
        message: what is wrong and what to do.
        line: the 1-based line (or record) number, when known.
    """

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.reason = message


class CorpusError(AnnotatorError):
    """A corpus cannot be opened, created or changed as asked."""
