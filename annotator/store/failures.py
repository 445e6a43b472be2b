"""Storage failures translated into the errors a user can act on (core/errors.py).

The store's boundary (``reading``, ``writing``, opening, backing up) hands every driver
error to :func:`translate`: a damaged file, a full disk, a read-only file or folder, a
lock the server did not grant in time become :class:`CorpusDamaged`, :class:`DiskFull`,
:class:`CorpusReadOnly` and :class:`ServerBusy`, each one line naming the corpus and
what to do. Their messages are built from the driver's error code and its first line
only: never from the SQL statement nor its parameters, which hold document text (and,
for ``CREATE ROLE``, a password).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from annotator.core.errors import (
    AnnotatorError,
    CorpusDamaged,
    CorpusReadOnly,
    DiskFull,
    ServerBusy,
    StorageError,
)

# SQLite's primary result codes (https://sqlite.org/rescode.html).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26
# PostgreSQL's SQLSTATEs.
_LOW_SPACE = 1024**2  # bytes free under which an I/O error is a full disk
_PG_BUSY = {"55P03", "57014"}  # lock_not_available (lock_timeout), query_canceled (timeout)
_PG_FULL = {"53100"}  # disk_full
_PG_READ_ONLY = {"25006"}  # read_only_sql_transaction (a standby, a read-only database)
_PG_DAMAGED = {"XX001", "XX002"}  # data_corrupted, index_corrupted


def shown(location: str | Path | URL) -> str:
    """A corpus location as it may be shown or stored: a URL without its password."""
    if isinstance(location, URL):
        return location.render_as_string(hide_password=True)
    text = str(location)
    if "://" not in text:
        return text
    try:
        return make_url(text).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme, _, rest = text.partition("://")
        credentials, at, host = rest.rpartition("@")
        if not at or ":" not in credentials:
            return text
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def restore_hint(location: str) -> str:
    return (
        f"restore a backup (list them with 'annotator restore {location} --list', "
        f"then 'annotator restore {location} 1' puts back the newest)"
    )


def damaged(location: str, reason: str) -> CorpusDamaged:
    """The one-line refusal of a damaged file; SQLite's ``quick_check`` may report several
    lines in one row ("*** in database main ***" then a line per page): they are joined."""
    reason = "; ".join(line.strip() for line in reason.splitlines() if line.strip())
    return CorpusDamaged(f"{location}: the corpus is damaged ({reason}): {restore_hint(location)}")


def translate(error: BaseException, location: str) -> AnnotatorError | None:
    """The user's error for a driver error on the corpus at ``location`` (already
    :func:`shown`), or None for anything else (a bug, or a case the caller handles)."""
    original = error.orig if isinstance(error, DBAPIError) else error
    if original is None:
        return None
    if isinstance(original, sqlite3.Error):
        return _sqlite(original, location)
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _server(sqlstate, _first_line(original), location)
    return None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else error.__class__.__name__


def _sqlite(error: sqlite3.Error, location: str) -> StorageError | None:
    code = getattr(error, "sqlite_errorcode", None)
    reason = _first_line(error)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in reason:
        return damaged(location, reason)
    if primary == _SQLITE_FULL or "disk is full" in reason or _no_space(primary, location):
        return DiskFull(
            f"{location}: the disk is full ({reason}); nothing was written: "
            "free some space on it, then do it again"
        )
    if primary == _SQLITE_READONLY or "readonly" in reason or _cannot_write(primary, location):
        return CorpusReadOnly(
            f"{location}: the corpus file or its folder cannot be written ({reason}); "
            "nothing was written: make both writable (or work on a copy); "
            "read commands (stats, export) still work"
        )
    if primary == _SQLITE_CANTOPEN:
        return StorageError(
            f"{location}: cannot open the corpus file ({reason}): check that its folder "
            "exists and can be read and written (read commands need only reading)"
        )
    if primary == _SQLITE_IOERR:
        return StorageError(
            f"{location}: the system could not read or write the corpus file ({reason}); "
            "nothing was written: check the disk, then do it again"
        )
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StorageError(
            f"{location}: another program kept the corpus locked too long ({reason}); "
            "nothing was written: do it again when it is done"
        )
    return None


def _no_space(primary: int | None, location: str) -> bool:
    """An I/O error on a file system left without space (SQLite reports a failed WAL
    write as "disk I/O error", not as SQLITE_FULL)."""
    if primary != _SQLITE_IOERR or "://" in location:
        return False
    try:
        return shutil.disk_usage(Path(location).parent).free < _LOW_SPACE
    except OSError:
        return False


def _cannot_write(primary: int | None, location: str) -> bool:
    """A file SQLite cannot open for writing because it or its folder is read-only."""
    if primary != _SQLITE_CANTOPEN or "://" in location:
        return False
    path = Path(location)
    return path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _server(sqlstate: str, reason: str, location: str) -> StorageError | None:
    if sqlstate in _PG_BUSY:
        return ServerBusy(
            f"{location}: the server is busy, another session holds a lock on the corpus "
            f"({reason}); nothing was written: it is retried, or do it again shortly"
        )
    if sqlstate in _PG_FULL:
        return DiskFull(
            f"{location}: the server's disk is full; nothing was written: "
            "ask its administrator to free space, then do it again"
        )
    if sqlstate in _PG_READ_ONLY:
        return CorpusReadOnly(
            f"{location}: the server takes no writes now ({reason}); nothing was written: "
            "ask its administrator; reading still works"
        )
    if sqlstate in _PG_DAMAGED:
        return CorpusDamaged(
            f"{location}: the server reports damaged data ({reason}): "
            "ask its administrator to restore it from a dump"
        )
    return None
