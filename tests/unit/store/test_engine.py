"""SQLite set up for durability (DESIGN §11) on every connection the corpus opens."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from annotator.services.corpora import default_scheme
from annotator.store.corpus import Corpus
from annotator.store.engine import is_url, reading, shown_location, url_for, writing


def pragma(conn: Connection, name: str) -> object:
    return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_every_connection_is_wal_synchronous_full_with_foreign_keys_and_a_busy_timeout(
    corpus: Corpus,
) -> None:
    for _ in range(3):  # no pool: each connection is a new one and must be set up again
        with corpus.engine.connect() as conn:
            assert pragma(conn, "journal_mode") == "wal"
            assert pragma(conn, "synchronous") == 2  # FULL
            assert pragma(conn, "foreign_keys") == 1
            busy = pragma(conn, "busy_timeout")
            assert isinstance(busy, int) and busy >= 5000


def test_a_reopened_corpus_is_set_up_the_same_way(corpus_path: Path, corpus: Corpus) -> None:
    corpus.close()
    with Corpus.open(corpus_path) as reopened, reopened.engine.connect() as conn:
        assert (pragma(conn, "journal_mode"), pragma(conn, "synchronous")) == ("wal", 2)
        assert pragma(conn, "foreign_keys") == 1


def test_a_write_transaction_takes_the_write_lock_when_it_begins(
    corpus_path: Path, corpus: Corpus
) -> None:
    """BEGIN IMMEDIATE: a second writer must queue at once, not fail when a read turns
    into a write (the source of "database is locked" under deferred transactions)."""
    outcome: list[str] = []

    def work(conn: Connection) -> None:
        conn.execute(text("SELECT count(*) FROM documents"))  # a read only, so far
        other = sqlite3.connect(corpus_path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            outcome.append("second writer got the lock")
        except sqlite3.OperationalError as error:
            outcome.append(str(error))
        finally:
            other.close()

    writing(corpus.engine, work)

    assert outcome == ["database is locked"]


def test_reading_does_not_block_a_writer(corpus_path: Path, corpus: Corpus) -> None:
    with reading(corpus.engine) as conn:
        conn.execute(text("SELECT count(*) FROM documents")).scalar()
        other = sqlite3.connect(corpus_path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO settings (key, value) VALUES ('k', '1')")
            other.execute("COMMIT")
        finally:
            other.close()
    assert corpus.setting("k") == 1


def test_a_writer_does_not_block_readers_on_new_connections(
    corpus_path: Path, corpus: Corpus
) -> None:
    other = sqlite3.connect(corpus_path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO settings (key, value) VALUES ('pending', '1')")
        assert corpus.document_count() == 0  # a new connection, set up while locked
        assert corpus.setting("pending") is None  # and it sees only committed data
        other.execute("COMMIT")
    finally:
        other.close()
    assert corpus.setting("pending") == 1


def test_a_failing_write_transaction_is_rolled_back(corpus: Corpus) -> None:
    def work(conn: Connection) -> None:
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('half', '1')"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        writing(corpus.engine, work)

    assert corpus.setting("half") is None


def test_foreign_keys_are_enforced(corpus: Corpus) -> None:
    def orphan_span(conn: Connection) -> None:
        conn.execute(
            text(
                "INSERT INTO spans (set_pk, span_id, layer, label, start_offset, end_offset, "
                "attrs, origin, state) VALUES (999, 's1', 'entity', 'PER', 0, 1, '{}', "
                "'import', 'accepted')"
            )
        )

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        writing(corpus.engine, orphan_span)


def test_locations_are_paths_or_urls(tmp_path: Path) -> None:
    assert not is_url(tmp_path / "c.annotator")
    assert is_url("postgresql://host/db")
    assert url_for(tmp_path / "c.annotator") == f"sqlite:///{tmp_path / 'c.annotator'}"
    assert url_for("postgresql://host/db") == "postgresql://host/db"


@pytest.mark.parametrize("read_only", [False, True])
def test_a_path_with_url_characters_opens_that_very_file(tmp_path: Path, read_only: bool) -> None:
    folder = tmp_path / "a ?b#c%20d"
    folder.mkdir()
    location = folder / "corpus?.annotator"
    Corpus.create(location, default_scheme()).close()

    with Corpus.open(location, read_only=read_only) as corpus:
        assert corpus.document_ids() == []
        assert shown_location(corpus.engine) == str(location)
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


def test_a_corpus_is_read_as_immutable_only_when_nobody_can_write_it(tmp_path: Path) -> None:
    from annotator.store.engine import _nobody_can_write

    shared = tmp_path / "shared"
    shared.mkdir()
    corpus = shared / "c.annotator"
    corpus.write_bytes(b"")
    corpus.chmod(0o444)
    assert not _nobody_can_write(corpus)  # the folder is writable: someone may write in it
    shared.chmod(0o555)
    try:
        assert _nobody_can_write(corpus)
        corpus.chmod(0o644)
        assert not _nobody_can_write(corpus)  # its owner can still write the file
    finally:
        shared.chmod(0o755)
