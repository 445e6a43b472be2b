"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from annotator.core.errors import AnnotatorError


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
