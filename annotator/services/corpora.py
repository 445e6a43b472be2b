"""Creating and opening corpora, the default corpus and its seed articles."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from annotator.core.errors import AnnotatorError, CorpusReadOnly, SchemeError
from annotator.core.model import Document
from annotator.core.scheme import Scheme
from annotator.formats.text import read_document
from annotator.resources import resource_path
from annotator.store.corpus import Corpus
from annotator.store.engine import is_url

CORPUS_SUFFIX = ".annotator"
HOME_VARIABLE = "ANNOTATOR_HOME"
#: Who wrote version 1 of the guidelines of a corpus made with the default scheme.
DEFAULT_GUIDELINES_AUTHOR = "annotator (default guidelines)"


def data_dir() -> Path:
    """Where the default corpus lives: ``$ANNOTATOR_HOME`` or the platform's user data dir."""
    if os.environ.get(HOME_VARIABLE):
        return Path(os.environ[HOME_VARIABLE])
    import platformdirs

    return platformdirs.user_data_path("annotator", appauthor=False)


def default_corpus_path() -> Path:
    return data_dir() / f"default{CORPUS_SUFFIX}"


def default_scheme() -> Scheme:
    raw = resource_path("default_scheme.json").read_text("utf-8")
    return Scheme.from_dict(json.loads(raw), source="default scheme")


def default_guidelines() -> str:
    """The annotation guide of the default scheme (Markdown, ``resources/guidelines``)."""
    return resource_path("guidelines", "default.md").read_text("utf-8")


def load_scheme(path: Path) -> Scheme:
    """Read a scheme file (DESIGN §4), with errors naming the file."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SchemeError(f"{path}: cannot read the scheme file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise SchemeError(f"{path}: the scheme file is not UTF-8") from None
    except json.JSONDecodeError as error:
        raise SchemeError(
            f"{path}, line {error.lineno}: invalid JSON ({error.msg}, column {error.colno})"
        ) from None
    return Scheme.from_dict(raw, source=str(path))


def init_corpus(
    location: str | Path, scheme_file: Path | None = None, language: str | None = None
) -> Corpus:
    """Create an empty corpus with a scheme (the default one unless a file is given).

    A corpus made with the default scheme starts with its guidelines as version 1, so that
    a new annotator is told what each label, a claim, a claimant and a stance mean.
    """
    scheme = load_scheme(scheme_file) if scheme_file else default_scheme()
    if language:
        scheme = Scheme.from_dict({**scheme.to_dict(), "language": language}, source="--lang")
    corpus = Corpus.create(location, scheme)
    if scheme_file is None:
        try:
            corpus.add_guidelines(default_guidelines(), DEFAULT_GUIDELINES_AUTHOR)
        except BaseException:
            corpus.close()
            raise
    return corpus


def open_corpus(location: str | Path, read_only: bool = False) -> Corpus:
    """Open a corpus; ``read_only`` for commands that only read it (nothing is ever
    written to it, and a read-only file or folder works)."""
    return Corpus.open(location, read_only=read_only)


def open_for_editing(location: str | Path) -> Corpus:
    """Open a corpus to work in (the window): a corpus that cannot be written (a
    read-only file, folder or mount) is opened read-only instead, and says so with
    ``corpus.read_only``, so that the window can show it and refuse edits at once rather
    than fail on the first one."""
    if not is_url(location) and not _writable(Path(location)):
        return Corpus.open(location, read_only=True)
    try:
        return Corpus.open(location)
    except CorpusReadOnly:
        return Corpus.open(location, read_only=True)


def _writable(path: Path) -> bool:
    """Whether this process may write the corpus file and its folder (where SQLite keeps
    its journal). ``os.access`` answers for this user, root and read-only mounts included."""
    return os.access(path, os.W_OK) and os.access(path.absolute().parent, os.W_OK)


def seeds_dir() -> Path:
    """The seed articles: shipped as package data, or the checkout's ``seeds/`` folder."""
    shipped = Path(str(resources.files("annotator"))) / "_seeds"
    if shipped.is_dir():
        return shipped
    checkout = Path(__file__).resolve().parents[2] / "seeds"
    if checkout.is_dir():
        return checkout
    raise AnnotatorError("the seed articles are missing from this installation; reinstall it")


def seed_documents() -> list[Document]:
    """The seed articles, in the order of ``seeds/index.json``."""
    folder = seeds_dir()
    entries = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return [
        read_document(
            folder / entry["file"],
            entry["id"],
            {"lang": entry["lang"], "title": entry["title"], "origin": entry["source"]},
        )
        for entry in entries
    ]


def open_default_corpus() -> Corpus:
    """The default corpus, created with the default scheme and the seeds on first use."""
    path = default_corpus_path()
    if path.exists():
        return open_for_editing(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Build it under a temporary name so that an interrupted first run leaves no
    # half-seeded corpus behind.
    partial = path.with_name(path.name + ".creating")
    partial.unlink(missing_ok=True)
    corpus = Corpus.create(partial, default_scheme())
    try:
        corpus.add_guidelines(default_guidelines(), DEFAULT_GUIDELINES_AUTHOR)
        corpus.add_documents(seed_documents())
        from annotator.services import near_copies

        near_copies.update(corpus)  # compared, as an import compares (wire copies)
    finally:
        corpus.close()
    # SQLite removes the WAL on the last clean close; if one is left, it travels along.
    for suffix in ("-wal", "-shm"):
        leftover = Path(str(partial) + suffix)
        if leftover.exists():
            leftover.replace(str(path) + suffix)
    partial.replace(path)
    return Corpus.open(path)
