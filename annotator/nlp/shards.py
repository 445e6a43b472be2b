"""One side of a spaCy export (``train.spacy`` or ``dev.spacy``), held a bounded number of
examples at a time, so that the export's memory stays flat in corpus size (DESIGN §5).

Up to :data:`EXAMPLES_PER_FILE` examples a side is one DocBin file, as it always was.
Beyond, every full DocBin is written as soon as it fills, and the side becomes a folder of
numbered DocBins of that many examples each::

    OUT/train.spacy/part-00000.spacy
    OUT/train.spacy/part-00001.spacy
    ...

which ``spacy train`` and ``spacy debug data`` read as they are: spaCy's corpus reader
(``spacy.training.corpus.walk_corpus``) walks a folder for its ``.spacy`` files, in name
order, skipping names that start with a dot. So does ``annotator import``.

The pieces are written into a hidden staging folder of the export (``OUT/.<name>.partial``,
which neither reader looks into), and put in place with the export's other files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Final

from spacy.tokens import Doc, DocBin

from annotator.nlp import user_data

EXAMPLES_PER_FILE: Final = 1000
"""Examples per DocBin: a few megabytes in memory, a few hundred kilobytes on disk."""
PIECE: Final = "part-{:05d}.spacy"


class Side:
    """The examples of one side of one language's export, as they come.

    Args:
        staging: the hidden folder the pieces are written to once there is more than one;
            created then, emptied of what an interrupted export left there.
        limit: examples per DocBin.
    """

    def __init__(self, staging: Path, limit: int = EXAMPLES_PER_FILE) -> None:
        if limit < 1:
            raise ValueError(f"a DocBin holds at least one example, not {limit}")
        self.staging = staging
        self.limit = limit
        self.bin = DocBin(store_user_data=True)
        self.pieces: list[Path] = []
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def add(self, doc: Doc) -> None:
        self.bin.add(doc)
        self.count += 1
        if len(self.bin) >= self.limit:
            self._write_piece()

    def take(self, owner: str, vocab: Any) -> list[Doc]:
        """Remove the examples of the document ``owner`` and return them, in order (the
        split moves one document when a side would be empty: rare, so pieces are reread)."""
        taken: list[Doc] = []

        def without_owner(docbin: DocBin) -> DocBin:
            staying: list[Doc] = []
            for doc in docbin.get_docs(vocab):
                mine = doc.user_data[user_data.KEY]["document"]["id"] == owner
                (taken if mine else staying).append(doc)
            return DocBin(store_user_data=True, docs=staying)

        for piece in self.pieces:
            before = len(taken)
            kept = without_owner(DocBin(store_user_data=True).from_disk(piece))
            if len(taken) != before:
                _write(piece, kept.to_bytes())
        self.bin = without_owner(self.bin)
        self.count -= len(taken)
        return taken

    @property
    def pieces_written(self) -> int:
        """How many files the side is written as (1: a single DocBin file)."""
        return len(self.pieces) + (1 if len(self.bin) or not self.pieces else 0)

    def finish(self) -> bytes | Path:
        """The side's single file's bytes, or the staging folder holding all its pieces."""
        if not self.pieces:
            return bytes(self.bin.to_bytes())
        if len(self.bin):
            self._write_piece()
        return self.staging

    def discard(self) -> None:
        """Remove the pieces written (a failed or cancelled export)."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def _write_piece(self) -> None:
        if not self.pieces:
            if self.staging.exists():
                shutil.rmtree(self.staging)  # left by an interrupted export
            self.staging.mkdir(parents=True)
        path = self.staging / PIECE.format(len(self.pieces))
        _write(path, self.bin.to_bytes())
        self.pieces.append(path)
        self.bin = DocBin(store_user_data=True)


def _write(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def read_docs(path: Path, vocab: Any) -> list[Doc]:
    """The examples of one side of an export, a single DocBin file or a folder of them
    (read in name order, as spaCy's corpus reader does)."""
    files = (
        sorted(p for p in path.glob("*.spacy") if not p.name.startswith("."))
        if path.is_dir()
        else [path]
    )
    return [doc for file in files for doc in DocBin().from_disk(file).get_docs(vocab)]
