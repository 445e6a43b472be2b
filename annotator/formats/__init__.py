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

from annotator.core.actors import Actor
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
    actors: dict[str, Actor] = field(default_factory=dict)
    """The corpus's actor registry by id, for formats that name actors (jsonl, claims,
    spacy's ``kb_id_``)."""


@dataclass(slots=True)
class WriteReport:
    """What an export wrote, and what the format could not express (never silent)."""

    documents: int = 0
    spans: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    split: int = 0
    """Discontinuous spans written as one span per fragment (the format has no fragments)."""

    def leave_out(self, what: str, count: int = 1) -> None:
        self.left_out[what] = self.left_out.get(what, 0) + count

    def split_note(self, format_name: str) -> str:
        """What the export says when it wrote discontinuous spans fragment by fragment."""
        return (
            f"wrote each fragment of {self.split} discontinuous spans as a span of its own: "
            f"the {format_name} format cannot hold a span in several pieces"
        )


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


#: Formats that are written but never read back (tables for analysis, not corpora).
EXPORT_ONLY: dict[str, str] = {"claims": "claims"}


def module(name: str) -> ModuleType:
    if name not in FORMATS and name not in EXPORT_ONLY:
        known = sorted({*FORMATS, *EXPORT_ONLY})
        raise AnnotatorError(f"unknown format {name!r}; known formats: {', '.join(known)}")
    return importlib.import_module(f"annotator.formats.{FORMATS.get(name) or EXPORT_ONLY[name]}")


#: Formats whose documents may say their language themselves (the native format's
#: ``meta.lang``, a DocBin this application wrote); see :class:`_Reader`.
SAYS_LANGUAGE = ("jsonl", "spacy")


class _Reader:
    """A format's reader that also records each document's language in ``meta.lang``
    (DESIGN §4): the file's own, else ``--lang`` (:attr:`ReadOptions.language`), else the
    corpus language. The native format is lossless: its documents get ``meta.lang``
    only from ``--lang``."""

    def __init__(self, name: str, format_module: FormatModule) -> None:
        self.name = name
        self.module = format_module
        self.SUFFIXES = format_module.SUFFIXES

    def detect(self, path: Path) -> bool:
        return self.module.detect(path)

    def read(self, path: Path, options: ReadOptions) -> Iterator[Record]:
        given = options.language
        default = given or (options.scheme.language if options.scheme is not None else None)
        keep_absent = self.name in SAYS_LANGUAGE and given is None
        for record in self.module.read(path, options):
            meta = record.document.meta
            if "lang" not in meta and default is not None and not keep_absent:
                meta["lang"] = default
            yield record


def reader(name: str) -> FormatModule:
    if name in EXPORT_ONLY:
        raise AnnotatorError(f"format {name!r} can be exported but not imported")
    return _Reader(name, cast(FormatModule, module(name)))


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
