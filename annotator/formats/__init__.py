"""Interchange formats: one module per format, each reading and writing core objects.

A format module provides ``read(path, options) -> Iterator[Record]`` and, when it can
be written, ``write(documents, out, options) -> WriteReport``; it may provide
``detect(path) -> bool`` for ``--format auto``. :data:`FORMATS` names them; modules are
imported only when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast

from annotator.core.errors import AnnotatorError
from annotator.core.model import Document
from annotator.core.scheme import Scheme


@dataclass(slots=True)
class Record:
    """A document read from a file, with where it was found (for error messages)."""

    document: Document
    path: str
    line: int | None = None
    unit: str = "line"
    """What ``line`` counts in messages: ``line``, or ``doc`` for a DocBin's Docs."""
    span_lines: dict[str, int] | None = None
    """The line that defines each span, for formats with a line per span (brat), so
    that an error about a span names its line."""


@dataclass(slots=True)
class ReadOptions:
    annotator: str | None = None
    """Annotator name for annotations the file does not attribute to anyone."""
    scheme: Scheme | None = None
    """The corpus scheme, so that readers put known labels in their layer."""
    language: str | None = None
    """``--lang``: the language of documents whose file does not say it."""
    warnings: list[str] = field(default_factory=list)
    """What was read but not imported (e.g. rejected Prodigy answers): readers append
    a message, the caller shows them."""


@dataclass(slots=True)
class WriteOptions:
    include_suggestions: bool = False
    scheme: Scheme | None = None
    """The corpus scheme, for formats that list a question's possible answers."""


@dataclass(slots=True)
class WriteReport:
    """What an export wrote, and what the format could not express (never silent)."""

    documents: int = 0
    spans: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def leave_out(self, what: str, count: int = 1) -> None:
        self.left_out[what] = self.left_out.get(what, 0) + count


class FormatModule(Protocol):
    SUFFIXES: tuple[str, ...]

    def read(self, path: Path, options: ReadOptions) -> Iterator[Record]: ...

    def detect(self, path: Path) -> bool: ...


Writer = Callable[[Iterable[Document], Path, WriteOptions], WriteReport]

#: Format name -> module (under ``annotator.formats``) implementing it. ``--format auto``
#: asks them in this order: specific formats before the generic jsonl and text ones.
FORMATS: dict[str, str] = {
    "brat": "brat",
    "prodigy": "prodigy",
    "doccano": "doccano",
    "labelstudio": "labelstudio",
    "webanno": "webanno",
    "conll": "conll",
    "spacy": "spacy",
    "jsonl": "jsonl",
    "text": "text",
}


def module(name: str) -> ModuleType:
    if name not in FORMATS:
        raise AnnotatorError(
            f"unknown format {name!r}; known formats: {', '.join(sorted(FORMATS))}"
        )
    return importlib.import_module(f"annotator.formats.{FORMATS[name]}")


def reader(name: str) -> FormatModule:
    return cast(FormatModule, module(name))


def writer(name: str) -> Writer:
    mod = module(name)
    write = getattr(mod, "write", None)
    if write is None:
        raise AnnotatorError(f"format {name!r} can be imported but not exported")
    return cast(Writer, write)


def detect(path: Path) -> str:
    """The format of ``path`` for ``--format auto``.

    Raises:
        AnnotatorError: no format recognises the file, with the reason.
    """
    for name in FORMATS:
        if reader(name).detect(path):
            return name
    from annotator.formats.sniff import describe

    raise AnnotatorError(
        f"{path}: cannot tell the format: {describe(path)}; "
        f"name it with --format ({', '.join(sorted(FORMATS))})"
    )
