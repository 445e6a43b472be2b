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
        unit: what ``line`` counts, as the message says it ("line", "doc" in a DocBin).
    """

    def __init__(
        self, path: str, message: str, line: int | None = None, unit: str = "line"
    ) -> None:
        where = f"{path}, {unit} {line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.reason = message


class CorpusError(AnnotatorError):
    """A corpus cannot be opened, created or changed as asked."""


class ConnectionLost(CorpusError):
    """The corpus server cannot be reached, or the connection dropped during a change.

    Nothing was acknowledged: a change that raised this may or may not have been
    committed. Retrying later may succeed (the next use reconnects); a change retried
    with ``expected_revision`` cannot be applied twice.
    """


class PermissionDenied(CorpusError):
    """The corpus server refused an operation to this database role (an annotator's role
    reads the corpus and changes only its own annotations)."""


class EditConflict(AnnotatorError):
    """An annotation set changed since the window read it (another window of the same
    annotator edited it); nothing was written: reload the set and redo the action.

    Args:
        doc_id: the document.
        annotator: whose set it is.
        expected: the revision the caller had read.
        found: the revision in the corpus.
    """

    def __init__(self, doc_id: str, annotator: str, expected: int, found: int) -> None:
        super().__init__(
            f"document {doc_id!r}: {annotator}'s annotations were changed in another window "
            f"(revision {found}, this one had {expected}); nothing was written: reload the "
            "document and redo the last action"
        )
        self.doc_id = doc_id
        self.annotator = annotator
        self.expected = expected
        self.found = found


class StorageError(CorpusError):
    """The corpus cannot take a change now, through no fault of the change: its disk is
    full, its file is read-only or damaged, or the server is busy. Nothing was written;
    the message names the corpus and what to do. A window keeps the edit as not saved
    and saves it when it can, as it does for :class:`ConnectionLost`.
    """


class CorpusDamaged(StorageError):
    """The corpus file fails SQLite's checks ("malformed", a failing quick_check): it is
    refused for writing and reading; restore a backup (``annotator restore``)."""


class DiskFull(StorageError):
    """The disk holding the corpus is full; nothing was written: free space, then retry."""


class CorpusReadOnly(StorageError):
    """The corpus file (or its folder) cannot be written: read commands still work."""


class ServerBusy(StorageError):
    """The team server did not grant a lock in time (another session holds it); nothing
    was written, and the same change may be retried."""
