"""Writing output files whole or not at all, and saying why one could not be written."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from annotator.core.errors import AnnotatorError

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


def output_error(out: Path, error: OSError) -> AnnotatorError:
    """The user's one-line error for ``error`` while writing ``out`` (a file or folder
    of an export, a report): the disk is full, or the place cannot be written."""
    reason = error.strerror or str(error)
    if error.errno in _FULL:
        return AnnotatorError(
            f"{out}: the disk is full ({reason}); nothing was written: free some space on "
            "it (or write elsewhere), then do it again"
        )
    if error.errno in _NOT_WRITABLE:
        return AnnotatorError(
            f"{out}: cannot be written there ({reason}); nothing was written: choose a "
            "place you can write to"
        )
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(out) else ""
    return AnnotatorError(f"{out}: cannot be written ({reason}{where}); nothing was written")


@contextmanager
def output_errors(out: Path) -> Iterator[None]:
    """Turn an operating-system error raised while writing ``out`` into
    :func:`output_error` (every writer puts its output in place whole or not at all)."""
    try:
        yield
    except OSError as error:
        raise output_error(Path(out), error) from None


@contextmanager
def atomic_text_writer(out: Path) -> Iterator[TextIO]:
    """A UTF-8 text handle whose content replaces ``out`` only if the block succeeds."""
    out = Path(out)
    if out.is_dir():
        raise AnnotatorError(f"{out}: is a folder; give a file name for this format")
    if not out.parent.exists():
        raise AnnotatorError(f"{out.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
