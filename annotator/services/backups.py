"""Rolling backups of a corpus file, and restoring one (DESIGN §11).

Where they go: ``backups/<corpus file name>/`` in the corpus file's folder, so for the
default corpus ``<data dir>/backups/default.annotator/``. Beside the corpus, because
backups then move, get copied and get deleted with the project folder they belong to;
one folder per corpus, because pruning one corpus must never touch another's.

What they are: complete corpora (SQLite online backup, consistent while other processes
write), switched to a rollback journal so that each is one self-contained file, named
``<UTC time>-<reason>.annotator`` (``2025-01-31T142501.123456Z-timer.annotator``): they
sort by time and open in the app like any corpus. A backup is written under a
``.partial`` name and renamed when complete, so a crash never leaves half a backup that
looks whole. At most :data:`DEFAULT_KEEP` are kept per corpus (the corpus setting
:data:`KEEP_SETTING` changes it, ``annotator backup --keep N`` sets it); the oldest go.

The window backs up on a timer and on close with :func:`maybe_backup`, which skips the
copy when the corpus has not changed since the newest backup: without that check an app
left open overnight would replace the whole history with identical copies.

A backup is only taken of a sound corpus: the copy must pass ``integrity_check`` and
``foreign_key_check`` before it is kept, so a damaged corpus never pushes the good
backups out of the rolling set (:class:`CorpusDamaged` names the newest good one to
restore). Raw copies of damaged corpora kept by a restore do not count against the
good backups when pruning. A restore checks the backup the same way, and compares its
schema with the one this Annotator makes, before anything is replaced.

A corpus on a server is backed up by its administrator (``pg_dump``): these functions
refuse a URL, except :func:`maybe_backup`, which does nothing for one.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from annotator.core.errors import (
    AnnotatorError,
    CorpusDamaged,
    CorpusError,
    DiskFull,
    StorageError,
)
from annotator.store import migrations
from annotator.store.corpus import Corpus
from annotator.store.engine import BUSY_TIMEOUT_MS, is_url, make_engine
from annotator.store.failures import translate

DEFAULT_KEEP = 10
KEEP_SETTING = "backups_kept"
"""Corpus setting: how many rolling backups of this corpus to keep."""
DEFAULT_INTERVAL_S = 600.0
"""How often the window backs up a corpus that changed (:func:`maybe_backup`)."""
FOLDER = "backups"
SUFFIX = ".annotator"
_STAMP = "%Y-%m-%dT%H%M%S.%fZ"
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{6}\.\d{6}Z)-([a-z0-9-]+)\.annotator$")
_STALE_PARTIAL_S = 3600.0
DAMAGED = "damaged"
"""The reason of a raw copy of a damaged corpus (kept by :func:`restore`)."""


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup file of a corpus."""

    path: Path
    taken_at: datetime
    reason: str
    size: int


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What :func:`restore` did."""

    restored: Path
    """The backup whose content the corpus now holds."""
    previous: Path | None
    """The backup of the corpus as it was before (restore it to undo); None if there was
    no corpus file."""
    damaged: bool = False
    """The corpus could not be opened or failed its integrity check: ``previous`` is a raw
    copy of its file (and of its ``-wal`` journal, beside it), kept for a recovery by hand."""


# -- where backups are -----------------------------------------------------------------------


def corpus_file(location: str | Path) -> Path:
    """The corpus file at ``location``, refusing a server URL with what to do instead."""
    if is_url(location):
        raise CorpusError(
            f"{location}: backups and restores are for corpus files; a corpus on a server is "
            "backed up by the server's administrator (pg_dump)"
        )
    return Path(location).expanduser().absolute()


def backup_folder(location: str | Path) -> Path:
    path = corpus_file(location)
    return path.parent / FOLDER / path.name


def list_backups(location: str | Path) -> list[Backup]:
    """The backups of the corpus at ``location``, newest first."""
    folder = backup_folder(location)
    if not folder.is_dir():
        return []
    found = []
    for file in folder.iterdir():
        match = _NAME.match(file.name)
        if match is None or not file.is_file():
            continue
        taken = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
        found.append(Backup(file, taken, match.group(2), file.stat().st_size))
    return sorted(found, key=lambda b: b.path.name, reverse=True)


def find_backup(location: str | Path, which: str) -> Path:
    """A backup named on the command line: its number in :func:`list_backups` (1 is the
    newest) or a file path (any corpus file, e.g. a migration's ``before-schema`` copy)."""
    if which.isdigit():
        backups = list_backups(location)
        number = int(which)
        if not 1 <= number <= len(backups):
            raise CorpusError(
                f"{location}: there is no backup number {number} ({len(backups)} backups; "
                f"list them with 'annotator restore {location} --list')"
            )
        return backups[number - 1].path
    return Path(which).expanduser()


def kept(corpus: Corpus) -> int:
    """How many backups of ``corpus`` to keep (its :data:`KEEP_SETTING`)."""
    value = corpus.setting(KEEP_SETTING, DEFAULT_KEEP)
    return value if isinstance(value, int) and value >= 1 else DEFAULT_KEEP


def set_kept(corpus: Corpus, keep: int) -> None:
    if keep < 1:
        raise CorpusError(f"{corpus.location}: keep at least 1 backup (asked {keep})")
    corpus.set_setting(KEEP_SETTING, keep)


# -- taking backups ------------------------------------------------------------------------


def backup_now(corpus: Corpus, reason: str = "manual", keep: int | None = None) -> Path:
    """Back up ``corpus`` now and prune its oldest backups; return the new file.

    Args:
        corpus: an open file corpus (other processes may be writing to it).
        reason: a word saying why (``manual``, ``timer``, ``close``, ``before-restore``).
        keep: how many backups to keep; the corpus's setting when None.

    Raises:
        CorpusDamaged: the corpus fails its checks; no backup was taken (the existing
            ones are all kept), and the message names the newest to restore.
        CorpusError: a server corpus, or the backup cannot be written (disk full...).
    """
    folder = backup_folder(corpus.location)
    target = _new_name(folder, reason)
    partial = target.with_name(target.name + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        corpus.backup(partial)
        _self_contained(partial)
        _refuse_damaged(corpus, partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync_folder(folder)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise DiskFull(
                f"{target}: the disk is full, the backup was not written: free some space "
                "on it, then back up again"
            ) from None
        known = translate(error, str(target)) if isinstance(error, sqlite3.Error) else None
        raise known or CorpusError(f"{target}: cannot write the backup ({error})") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    prune(corpus.location, kept(corpus) if keep is None else keep)
    return target


def _refuse_damaged(corpus: Corpus, copy: Path) -> None:
    """Check the fresh copy (the corpus's pages, as they are) before it is kept."""
    # Read-only: a writable connection would switch the copy back to WAL mode.
    with Corpus(make_engine(copy, read_only=True), str(copy), True) as opened:
        problems = opened.check()
    if not problems:
        return
    raise CorpusDamaged(
        f"{corpus.location}: the corpus is damaged ({problems[0]}); no backup was taken, "
        f"so the backups already there are kept: {newest_backup(corpus.location)}"
    )


def newest_backup(location: str | Path) -> str:
    """Which backup to restore for a damaged corpus, said for a message."""
    good = [b for b in list_backups(location) if b.reason != DAMAGED]
    if not good:
        return (
            f"there is no backup of it in {backup_folder(location)}: restore a copy kept "
            f"elsewhere with 'annotator restore {location} FILE'"
        )
    number = list_backups(location).index(good[0]) + 1
    return (
        f"restore the newest good backup with 'annotator restore {location} {number}' "
        f"({good[0].path.name}, taken {good[0].taken_at:%Y-%m-%d %H:%M} UTC)"
    )


def maybe_backup(
    corpus: Corpus,
    min_interval_s: float = DEFAULT_INTERVAL_S,
    reason: str = "timer",
    keep: int | None = None,
) -> Path | None:
    """Back up ``corpus`` if its newest backup is older than ``min_interval_s`` and the
    corpus changed since; return the new backup, or None when none was needed.

    The window calls it on a timer (``reason="timer"``) and when it closes a corpus
    (``min_interval_s=0, reason="close"``), off the GUI thread for a large corpus. Does
    nothing for a server corpus, nor for one opened read-only (it cannot have changed
    through it, and its folder may take no file). Changes are seen by row counts, keys,
    annotation set revisions and settings, which every write of the store moves.
    """
    if corpus.path is None or corpus.read_only:
        return None
    backups = list_backups(corpus.location)
    if backups:
        newest = backups[0]
        if datetime.now(UTC) - newest.taken_at < timedelta(seconds=min_interval_s):
            return None
        if _fingerprint(newest.path) == _fingerprint(corpus.path):
            return None
    return backup_now(corpus, reason, keep)


def prune(location: str | Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups (and stale partial ones); return them.

    Raw copies of damaged corpora are counted apart (``keep`` of them are kept too): they
    never push out a good backup."""
    backups = list_backups(location)
    good = [b.path for b in backups if b.reason != DAMAGED]
    damaged = [b.path for b in backups if b.reason == DAMAGED]
    removed = good[max(keep, 1) :] + damaged[max(keep, 1) :]
    folder = backup_folder(location)
    if folder.is_dir():
        cutoff = time.time() - _STALE_PARTIAL_S
        removed += [p for p in folder.glob("*.partial") if p.stat().st_mtime < cutoff]
    for path in removed:
        for file in (path, Path(f"{path}-wal")):
            file.unlink(missing_ok=True)
    return removed


def _new_name(folder: Path, reason: str) -> Path:
    word = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "manual"
    moment = datetime.now(UTC)
    while True:  # unique, and still in time order
        candidate = folder / f"{moment.strftime(_STAMP)}-{word}{SUFFIX}"
        if not candidate.exists():
            return candidate
        moment += timedelta(microseconds=1)


def _self_contained(path: Path) -> None:
    """Switch a fresh copy to a rollback journal: one file, no ``-wal`` to travel with it."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    finally:
        conn.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); Windows cannot open a folder, and
    NTFS journals renames itself."""
    try:
        _fsync(folder)
    except OSError:
        if os.name != "nt":
            raise


def _fingerprint(path: Path) -> tuple[object, ...]:
    """What changes whenever the store writes: per table its row count and largest key,
    plus set revisions, timestamps of set changes and decisions, and the settings."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        parts: list[object] = []
        for table in tables:
            parts.append((table, *conn.execute(f'SELECT count(*), max(rowid) FROM "{table}"')))
        for query in (
            "SELECT total(revision), max(updated_at) FROM annotation_sets",
            "SELECT max(decided_at) FROM adjudications",
            "SELECT group_concat(key || '=' || value, ';') FROM "
            "(SELECT key, value FROM settings ORDER BY key)",
        ):
            try:
                parts.append(tuple(conn.execute(query).fetchone()))
            except sqlite3.OperationalError:  # an older schema without that table or column
                parts.append(None)
        return tuple(parts)
    except sqlite3.DatabaseError:
        return (path,)  # unreadable: never equal to another file's
    finally:
        conn.close()


# -- restoring -------------------------------------------------------------------------------


def restore(location: str | Path, backup: str | Path, keep: int | None = None) -> RestoreReport:
    """Put the content of ``backup`` in place of the corpus file at ``location``.

    The backup is first copied and checked (it passes ``integrity_check`` and
    ``foreign_key_check``, opens as a corpus, migrated forward if it is older, and then
    has exactly the schema this Annotator makes); then the corpus as it is gets a
    ``before-restore`` backup, so that a restore can be undone by restoring that one.
    A healthy corpus receives the content in one SQLite transaction (the online backup
    API writing into it), so a window that has it open sees the old or the new content,
    never a mix, and a crash leaves the old one. A damaged corpus is replaced as a file
    (``os.replace``) after removing its ``-wal`` and ``-shm`` files, which belong to the
    damaged file and are kept in its raw copy; that is refused while another program
    holds it open. A missing corpus file is simply recreated.

    Raises:
        CorpusError: a server URL, a backup that is missing, unreadable, damaged or not
            a corpus, or a damaged corpus in use; nothing was changed.
    """
    target = corpus_file(location)
    source = Path(backup).expanduser().absolute()
    if not source.is_file():
        raise CorpusError(
            f"{source}: no such backup; list them with 'annotator restore {target} --list'"
        )
    if source == target:
        raise CorpusError(f"{source}: this is the corpus itself, not a backup of it")
    folder = backup_folder(target)
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".restoring-{os.getpid()}-{time.monotonic_ns()}{SUFFIX}"
    try:
        _stage(source, staged)
        previous, damaged = _save_current(target, keep)
        if damaged or not target.exists() or not _restore_in_place(staged, target):
            _replace_file(staged, target)
    finally:
        for leftover in folder.glob(f"{staged.name}*"):
            leftover.unlink(missing_ok=True)
    return RestoreReport(source, previous, damaged)


def _stage(source: Path, staged: Path) -> None:
    """Copy ``source`` to ``staged`` and check that the copy is a sound corpus."""
    problem = f"{source}: not a usable backup; nothing was changed"
    try:
        _copy_database(source, staged)
        with Corpus(make_engine(staged), str(staged)) as raw:
            verdict = raw.check()  # pages and foreign keys, before opening migrates it
        if verdict:
            raise CorpusError(f"{problem} (damaged: {verdict[0]})")
        with Corpus.open(staged) as copy, copy.engine.connect() as conn:
            differences = migrations.schema_differences(conn)
        if differences:
            raise CorpusError(f"{problem} (its schema was edited: {'; '.join(differences[:3])})")
    except CorpusError as error:
        if str(error).startswith(problem):
            raise
        reason = str(error).replace(str(staged), "the backup")
        raise CorpusError(f"{problem} ({reason})") from None
    except AnnotatorError as error:  # its scheme unreadable...
        reason = str(error).replace(str(staged), "the backup")
        raise CorpusError(f"{problem} ({reason})") from None
    except (sqlite3.Error, DBAPIError) as error:  # "database disk image is malformed"...
        raise CorpusError(f"{problem} ({error.__class__.__name__}: {error})") from None


def _copy_database(source: Path, destination: Path) -> None:
    with source.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise CorpusError("not an SQLite database")
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    _self_contained(destination)


def _save_current(target: Path, keep: int | None) -> tuple[Path | None, bool]:
    """Back up the corpus before it is overwritten; ``(backup, damaged)``."""
    if not target.exists():
        return None, False
    try:
        current = Corpus.open(target)
    except StorageError as error:
        if not isinstance(error, CorpusDamaged):
            raise  # read-only, full disk: nothing was changed, and replacing cannot help
        _refuse_if_in_use(target)
        return _raw_copy(target, keep), True
    except (AnnotatorError, sqlite3.Error, DBAPIError):  # not a corpus, or unreadable here
        _refuse_if_in_use(target)
        return _raw_copy(target, keep), True
    with current:
        try:
            if not current.check():
                return backup_now(current, "before-restore", keep), False
        except CorpusDamaged:
            pass
    _refuse_if_in_use(target)
    return _raw_copy(target, keep), True


def _raw_copy(target: Path, keep: int | None) -> Path:
    """The damaged corpus's bytes as they are, with its ``-wal`` journal beside them."""
    copy = _new_name(backup_folder(target), DAMAGED)
    shutil.copyfile(target, copy)
    wal = Path(f"{target}-wal")
    if wal.exists():
        shutil.copyfile(wal, f"{copy}-wal")
    prune(target, DEFAULT_KEEP if keep is None else keep)
    return copy


def _restore_in_place(staged: Path, target: Path) -> bool:
    """Write ``staged`` into the live corpus in one transaction; False if SQLite cannot
    (a WAL database cannot take pages of another size), so the file gets replaced."""
    src = sqlite3.connect(staged)
    try:
        dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            src.backup(dst)
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error):
                raise CorpusError(f"{target}: cannot restore into it ({error})") from None
            return False
        finally:
            dst.close()
    finally:
        src.close()
    return True


def _replace_file(staged: Path, target: Path) -> None:
    _refuse_if_in_use(target)
    for journal in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        journal.unlink(missing_ok=True)
    _fsync(staged)
    os.replace(staged, target)
    _fsync_folder(target.parent)


def _refuse_if_in_use(target: Path) -> None:
    """Refuse while another connection has the corpus open: in WAL mode SQLite grants
    the exclusive locking mode only to the sole connection."""
    if not target.exists():
        return
    conn = sqlite3.connect(target, timeout=2.0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise CorpusError(
                f"{target}: the corpus is open in another program (the app or a command); "
                "close it, then restore again; nothing was changed"
            ) from None
    except sqlite3.DatabaseError:
        pass  # too damaged for SQLite to lock: nobody can be using it
    finally:
        conn.close()
