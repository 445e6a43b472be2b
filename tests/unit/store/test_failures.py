"""A corpus that cannot take a change (damaged, on a full disk, read-only) says so in one
line naming it and what to do, and nothing is half-written (store/failures.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.core.edits import AddSpan
from annotator.core.errors import CorpusDamaged, CorpusError, CorpusReadOnly, DiskFull
from annotator.core.model import Document, Span
from annotator.services.corpora import init_corpus
from annotator.store.corpus import Corpus
from annotator.store.failures import shown
from tests.mounts import fill, read_only_folder, small_disk
from tests.unit.damage import spoil_middle

__all__ = ["read_only_folder", "small_disk"]  # fixtures

TEXT = "Le ministre Jean Dupont a déclaré que la société Oracle hébergera les données. "
SECRET = "texte-confidentiel-du-document"


def many_documents(count: int = 400) -> list[Document]:
    return [Document(f"d{n}", f"{TEXT * 8}{n}") for n in range(count)]


@pytest.fixture
def damaged_path(corpus_path: Path) -> Path:
    with init_corpus(corpus_path) as created:
        created.add_documents(many_documents())
    spoil_middle(corpus_path)
    return corpus_path


# -- damaged -------------------------------------------------------------------------------


@pytest.mark.parametrize("read_only", [False, True], ids=["for writing", "for reading"])
def test_a_damaged_corpus_is_refused_before_anything_is_read_or_written(
    damaged_path: Path, read_only: bool
) -> None:
    before = damaged_path.read_bytes()

    with pytest.raises(CorpusDamaged) as caught:
        Corpus.open(damaged_path, read_only=read_only)

    message = str(caught.value)
    assert message.startswith(f"{damaged_path}: the corpus is damaged")
    assert f"annotator restore {damaged_path}" in message and "\n" not in message
    assert damaged_path.read_bytes() == before


def test_a_read_that_meets_damage_says_damaged_instead_of_a_database_error(
    corpus: Corpus, corpus_path: Path
) -> None:
    corpus.add_documents(many_documents())
    spoil_middle(corpus_path, 64 * 1024)  # after the check at opening: the window's case

    with pytest.raises(CorpusDamaged, match="restore a backup"):
        for _ in corpus.documents():
            pass


def test_a_write_that_meets_damage_says_damaged(corpus: Corpus, corpus_path: Path) -> None:
    corpus.add_documents(many_documents())
    spoil_middle(corpus_path, 64 * 1024)  # after the check at opening: the window's case

    with pytest.raises(CorpusDamaged):
        corpus.add_documents([Document(f"x{n}", TEXT * 50) for n in range(300)])
        for _ in corpus.documents():
            pass


def test_check_reports_foreign_key_orphans(corpus: Corpus, corpus_path: Path) -> None:
    corpus.add_documents([Document("d1", TEXT)])
    corpus.apply_edit("d1", "alice", AddSpan(Span("e1", "entity", 12, 23, "PER")))
    conn = sqlite3.connect(corpus_path)
    with conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM annotation_sets")
    conn.close()

    assert any("spans" in problem for problem in corpus.check())


# -- full disk -----------------------------------------------------------------------------


def test_a_full_disk_is_one_line_without_document_text(small_disk: Path) -> None:
    location = small_disk / "corpus.annotator"
    with init_corpus(location) as corpus:
        corpus.add_documents([Document("first", TEXT)])
        fill(small_disk)
        docs = [Document(f"d{n}", f"{SECRET} {n} " * 200) for n in range(50)]

        with pytest.raises(DiskFull) as caught:
            corpus.add_documents(docs)

        message = str(caught.value)
        assert message.startswith(f"{location}: the disk is full")
        assert "free some space" in message and "\n" not in message
        assert SECRET not in message and "INSERT" not in message
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
        (small_disk / "filler").unlink()
        assert corpus.document_ids() == ["first"]  # nothing of the failed import
        corpus.add_documents(docs[:1])  # space freed: it works again
        assert corpus.document_ids() == ["first", "d0"]


# -- read-only -----------------------------------------------------------------------------


@pytest.fixture
def read_only_corpus(read_only_folder: object, tmp_path: Path) -> Path:
    """A corpus with one document, in a folder then mounted read-only."""
    location = tmp_path / "read-only" / "corpus.annotator"
    with init_corpus(location) as corpus:
        corpus.add_documents([Document("d1", TEXT)])
    assert callable(read_only_folder)
    read_only_folder()
    return location


def test_a_corpus_on_a_read_only_folder_opens_for_reading(read_only_corpus: Path) -> None:
    location = read_only_corpus
    with Corpus.open(location, read_only=True) as corpus:
        assert corpus.document_ids() == ["d1"]


def test_writing_a_read_only_corpus_says_read_only(read_only_corpus: Path) -> None:
    location = read_only_corpus
    with pytest.raises(CorpusReadOnly) as caught, Corpus.open(location) as corpus:
        corpus.add_documents([Document("d2", TEXT)])

    assert str(caught.value).startswith(f"{location}: the corpus file or its folder cannot be")
    assert "\n" not in str(caught.value)


def test_a_read_only_opening_never_writes_the_file(corpus_path: Path, corpus: Corpus) -> None:
    corpus.add_documents([Document("d1", TEXT)])
    corpus.close()
    before = corpus_path.read_bytes()

    with Corpus.open(corpus_path, read_only=True) as reader:
        assert reader.document_ids() == ["d1"]
        with pytest.raises(CorpusReadOnly):
            reader.add_documents([Document("d2", TEXT)])

    assert corpus_path.read_bytes() == before


@pytest.mark.parametrize("read_only", [True, False])
def test_an_empty_file_stays_empty(tmp_path: Path, read_only: bool) -> None:
    empty = tmp_path / "empty.annotator"
    empty.touch()

    with pytest.raises(CorpusError, match="an empty file, not an Annotator corpus"):
        Corpus.open(empty, read_only=read_only)

    assert empty.read_bytes() == b""


# -- names -------------------------------------------------------------------------------


def test_a_url_is_shown_without_its_password() -> None:
    url = "postgresql+psycopg://alice:s3cr%40t@db.example:5432/corpus"

    assert shown(url) == "postgresql+psycopg://alice:***@db.example:5432/corpus"
    assert shown("/data/corpus.annotator") == "/data/corpus.annotator"
