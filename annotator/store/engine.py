"""Engines for SQLite files and server URLs, set up for durability (DESIGN §11).

SQLite: WAL journal, ``synchronous=FULL``, foreign keys on, a 15 s busy timeout, and
write transactions opened with ``BEGIN IMMEDIATE`` so that two processes queue for the
write lock instead of failing with "database is locked" when a read turns into a write.

PostgreSQL (``postgresql+psycopg://``; a bare ``postgresql://`` gets psycopg too): reads
are REPEATABLE READ (one snapshot, as in WAL mode); writes are READ COMMITTED and start
by taking a transaction-scoped advisory lock that stands in for SQLite's write lock.
Most writes (imports, merges, scheme changes, migrations) take it exclusively, so they
run as one at a time exactly as on SQLite. An edit of one annotation set
(``writing(..., exclusive=False)``) takes it shared and then locks its set's row
(``SELECT ... FOR UPDATE``), so annotators editing different sets commit in parallel
while two windows on one set queue and re-read each other's work. Why not SERIALIZABLE:
its conflict detection works on index pages and whole tables, so annotators adding
spans to different sets abort each other (20 writers x 100 edits: 9,123 retries and a
third of the throughput). A dropped connection becomes :class:`ConnectionLost`, a
privilege the server refuses (row-level security) :class:`PermissionDenied`.

Every write transaction on a server sets ``lock_timeout``: a session holding a lock (an
annotator's ``LOCK TABLE`` in psql, the advisory lock taken by hand) stalls the others
for :data:`EDIT_LOCK_TIMEOUT_MS` at most for an edit (the window keeps it as not saved
and retries it) and :data:`WRITE_LOCK_TIMEOUT_MS` for a whole-corpus write, which then
fails with :class:`ServerBusy` instead of waiting for as long as the lock is held.
Damaged files, full disks and read-only files become the errors of
:mod:`annotator.store.failures`.

``make_engine(..., read_only=True)`` opens a file with ``mode=ro``, never writing to it
(not even the WAL switch), and ``immutable=1`` in a folder nobody can write (where no
other process can be writing either): read commands work on a read-only corpus.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from annotator.core.errors import ConnectionLost, CorpusError, PermissionDenied
from annotator.store.failures import shown, translate

BUSY_TIMEOUT_MS = 15_000
EDIT_LOCK_TIMEOUT_MS = 3_000
"""How long an edit of one set waits for a lock on a server before :class:`ServerBusy`."""
WRITE_LOCK_TIMEOUT_MS = 60_000
"""How long a whole-corpus write (import, merge...) waits for a server's lock."""
_WRITE = "annotator_write"
WRITE_LOCK = 0x616E6E6F7461746F  # the server's advisory write lock ("annotato" in ASCII)
_RETRIED_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock
T = TypeVar("T")


def is_url(location: str | Path) -> bool:
    return "://" in str(location)


def url_for(location: str | Path) -> str:
    """The SQLAlchemy URL of a corpus given as a file path or a URL."""
    if is_url(location):
        return str(location)
    return f"sqlite:///{Path(location).expanduser().absolute()}"


def make_engine(location: str | Path, read_only: bool = False) -> Engine:
    """An engine for ``location`` (a file path or a SQLAlchemy URL); ``read_only``
    opens a file so that nothing can be written to it (see the module's docstring)."""
    if is_url(location):
        return _server_engine(str(location))
    path = Path(location).expanduser().absolute()
    # A URL object, not a string: a path may hold '?', '#' or '%' that a URL would parse.
    url = _read_only_url(path) if read_only else URL.create("sqlite", database=str(path))
    # NullPool: a corpus connection is cheap to open, and no pooled connection outlives
    # a close() (which matters for backups, restores and tests that delete files).
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    on_connect = _sqlite_on_connect_read_only if read_only else _sqlite_on_connect
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _read_only_url(path: Path) -> URL:
    from urllib.parse import quote

    flags = {"mode": "ro", "uri": "true"}
    if _nobody_can_write(path) and not Path(f"{path}-wal").exists():
        flags["immutable"] = "1"  # no -shm can be made here, and nobody can be writing
    return URL.create("sqlite", database=f"file:{quote(str(path))}", query=flags)


def _nobody_can_write(path: Path) -> bool:
    """Whether no one at all can change ``path``: on a read-only file system, or with no
    write permission for anyone on it and its folder. Not just "this user cannot": in a
    team folder another user may be writing, and ``immutable`` would then read torn pages
    (which look like a damaged file)."""
    try:
        if hasattr(os, "statvfs") and os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return True  # a read-only mount (Windows has no statvfs: permissions only)
        return not (path.stat().st_mode | path.parent.stat().st_mode) & 0o222
    except OSError:
        return False


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    _sqlite_set_up(dbapi_connection, wal=True)


def _sqlite_on_connect_read_only(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    _sqlite_set_up(dbapi_connection, wal=False)


def _sqlite_set_up(dbapi_connection: sqlite3.Connection, wal: bool) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred-only).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if wal:  # a switch that writes the file: never on a read-only connection
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _server_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CorpusError(f"{shown(url)}: not a corpus file path nor a database URL") from None
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver we depend on
    else:
        raise CorpusError(
            f"{shown(parsed)}: a corpus is a file or a PostgreSQL server "
            "(postgresql+psycopg://USER@HOST/DATABASE); other databases are not supported"
        )
    # pool_pre_ping: a pooled connection the server dropped is replaced on its next use.
    return create_engine(parsed, pool_pre_ping=True)


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction (a consistent snapshot in WAL mode, REPEATABLE READ on a server)."""
    with storage_errors(engine), engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def writing(
    engine: Engine, work: Callable[[Connection], T], attempts: int = 5, *, exclusive: bool = True
) -> T:
    """Run ``work`` in one write transaction, committed before returning.

    The transaction is ``BEGIN IMMEDIATE`` on SQLite; on a server it first takes the
    write lock (see the module's docstring), exclusively unless ``exclusive`` is false,
    which only a ``work`` that changes nothing but one annotation set whose row it locks
    may ask for. If the database stays locked past the busy timeout (another process
    holding a long write), or a server reports a deadlock or a serialization failure,
    the whole transaction is retried a few times before the error reaches the caller;
    ``work`` must therefore only touch the database.
    """
    with storage_errors(engine):
        for attempt in range(1, attempts + 1):
            try:
                with engine.connect() as conn:
                    conn = conn.execution_options(**{_WRITE: True})
                    server = conn.dialect.name != "sqlite"
                    if server:
                        conn = conn.execution_options(isolation_level="READ COMMITTED")
                    with conn.begin():
                        if server:
                            wait = WRITE_LOCK_TIMEOUT_MS if exclusive else EDIT_LOCK_TIMEOUT_MS
                            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait)}")
                            lock = func.pg_advisory_xact_lock
                            if not exclusive:
                                lock = func.pg_advisory_xact_lock_shared
                            conn.execute(select(lock(WRITE_LOCK)))
                        return work(conn)
            except DBAPIError as error:
                if attempt == attempts or not _is_transient(error):
                    raise
                time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _is_transient(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return False  # the outcome of the commit is unknown: never replay it blindly
    if getattr(error.orig, "sqlstate", None) in _RETRIED_SQLSTATES:
        return True
    message = str(error.orig).lower()
    locked = "database is locked" in message or "database is busy" in message
    return isinstance(error, OperationalError) and locked


def shown_location(engine: Engine) -> str:
    """The corpus of ``engine`` as messages name it: its file, or its URL without password."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database or ""
        if database.startswith("file:"):  # a read-only URI: file:PATH, its flags apart
            from urllib.parse import unquote

            database = unquote(database[len("file:") :])
        return database
    return shown(engine.url)


@contextmanager
def storage_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors into user errors: a damaged file, a full disk, a read-only
    file, a busy server (:mod:`annotator.store.failures`), a server's dropped connection
    and refused privileges. Anything else goes on as it is (a bug)."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as error:
        where = shown_location(engine)
        known = translate(error, where)
        if known is not None:
            raise known from None
        if engine.dialect.name == "sqlite" or not isinstance(error, DBAPIError):
            raise
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        if error.connection_invalidated or sqlstate.startswith(("08", "57P")):
            raise ConnectionLost(
                f"{where}: lost the connection to the server ({reason}); the last change "
                "was not confirmed as saved: reconnect, and check it before redoing it"
            ) from error
        if isinstance(error, OperationalError) and not sqlstate:
            raise ConnectionLost(f"{where}: cannot connect to the server ({reason})") from error
        if sqlstate == "42501":  # insufficient_privilege, row-level security included
            raise PermissionDenied(
                f"{where}: the server refused this for role {engine.url.username!r} "
                f"({reason}); an annotator's role reads the corpus and changes only its "
                "own annotations: ask the lead for anything else"
            ) from error
        raise
