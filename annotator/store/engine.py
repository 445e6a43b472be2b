"""Engines for SQLite files and server URLs, set up for durability (DESIGN §11).

SQLite: WAL journal, ``synchronous=FULL``, foreign keys on, a 15 s busy timeout, and
write transactions opened with ``BEGIN IMMEDIATE`` so that two processes queue for the
write lock instead of failing with "database is locked" when a read turns into a write.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

BUSY_TIMEOUT_MS = 15_000
_WRITE = "annotator_write"
T = TypeVar("T")


def is_url(location: str | Path) -> bool:
    return "://" in str(location)


def url_for(location: str | Path) -> str:
    """The SQLAlchemy URL of a corpus given as a file path or a URL."""
    if is_url(location):
        return str(location)
    return f"sqlite:///{Path(location).expanduser().absolute()}"


def make_engine(location: str | Path) -> Engine:
    """An engine for ``location`` (a file path or a SQLAlchemy URL)."""
    url = url_for(location)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    # NullPool: a corpus connection is cheap to open, and no pooled connection outlives
    # a close() (which matters for backups, restores and tests that delete files).
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred-only).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction (a consistent snapshot in WAL mode)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def writing(engine: Engine, work: Callable[[Connection], T], attempts: int = 5) -> T:
    """Run ``work`` in one write transaction, committed before returning.

    The transaction is ``BEGIN IMMEDIATE`` on SQLite. If the database stays locked past
    the busy timeout (another process holding a long write), the whole transaction is
    retried a few times before the error reaches the caller; ``work`` must therefore
    only touch the database.
    """
    for attempt in range(1, attempts + 1):
        try:
            with engine.connect() as conn:
                conn = conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    return work(conn)
        except OperationalError as error:
            if attempt == attempts or not _is_locked(error):
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _is_locked(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "database is locked" in message or "database is busy" in message
