"""The repository: a corpus database, read and written as core objects.

Every public method that changes the corpus runs in one write transaction and has
committed when it returns, so whatever the caller shows as done is on disk. The SQL of
each concern is in its own module behind this face: :mod:`~annotator.store.rows` (rows
and shared statements), :mod:`~annotator.store.set_reads` and
:mod:`~annotator.store.set_writes` (one annotation set), :mod:`~annotator.store.bulk`
(imports).
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.exc import DatabaseError, OperationalError

from annotator import __version__
from annotator.core.edits import Edit, apply
from annotator.core.errors import (
    CorpusDamaged,
    CorpusError,
    CorpusReadOnly,
    EditConflict,
    PermissionDenied,
)
from annotator.core.model import AnnotationSet, Document
from annotator.core.scheme import Scheme
from annotator.core.validation import check_annotator_name, check_set
from annotator.store import migrations
from annotator.store import schema as t
from annotator.store.bulk import _insert_documents, corpus_is_empty
from annotator.store.engine import is_url, make_engine, reading, storage_errors, writing
from annotator.store.failures import damaged, shown, translate
from annotator.store.rows import _chunks, _put_setting, now
from annotator.store.set_reads import _copy, _load_sets
from annotator.store.set_writes import _ensure_set, _write_diff


def _text_hashes(conn: Connection, doc_ids: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(doc_ids)), 500):
        query = select(t.documents.c.doc_id, t.documents.c.text_sha256).where(
            t.documents.c.doc_id.in_(chunk)
        )
        found.update({row[0]: row[1] for row in conn.execute(query)})
    return found


DocumentBatch = tuple[Sequence[Document], Scheme | None]
"""Documents to add, with the corpus scheme to store with them (or None)."""
KnownTexts = Callable[[Iterable[str]], dict[str, str]]
"""``known(doc_ids)``: ``{doc_id: text_sha256}`` for those already in the corpus."""

CORPUS_ID = "corpus_id"
"""The settings key of the corpus's random identity (a UUID4 in hex)."""


class Corpus:
    """One corpus database (a SQLite file or a server URL).

    Use :meth:`create` for a new corpus and :meth:`open` for an existing one; both
    bring the schema to the latest version. Close it (or use ``with``) when done.
    """

    def __init__(self, engine: Engine, location: str, read_only: bool = False) -> None:
        self.engine = engine
        self.location = location
        self.shown = shown(location)
        """The location as it may be shown or stored: a URL without its password."""
        self.read_only = read_only
        self._scheme: Scheme | None = None

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def create(cls, location: str | Path, scheme: Scheme) -> Corpus:
        """Create a new corpus with ``scheme``; refuses to overwrite an existing one."""
        if not is_url(location):
            path = Path(location)
            if path.exists() and path.stat().st_size > 0:
                raise CorpusError(f"{path}: a file already exists there; choose another name")
            path.parent.mkdir(parents=True, exist_ok=True)
            if not os.access(path.parent, os.W_OK):
                raise CorpusReadOnly(
                    f"{path}: its folder cannot be written (a read-only folder or disk); "
                    "nothing was written: choose a folder you can write to"
                )
        corpus = cls(make_engine(location), str(location))
        try:
            version = corpus._migrate()
            if version != 0 and corpus.setting("scheme") is not None:
                raise CorpusError(f"{location}: a corpus already exists there")
            corpus.set_scheme(scheme)
            corpus.set_setting("created_with", __version__)
            # A stable identity that work packages name as their source (never a path).
            corpus.set_setting(CORPUS_ID, uuid.uuid4().hex)
        except BaseException:
            corpus.close()
            raise
        return corpus

    @classmethod
    def open(cls, location: str | Path, read_only: bool = False) -> Corpus:
        """Open an existing corpus, migrating it forward (after a backup) if it is older.

        A file first passes SQLite's ``quick_check`` (0.2 s for 200 MB), so that nothing
        is written into a damaged corpus nor read from it as if it were whole.
        ``read_only`` opens it without ever writing to it (read commands; a read-only
        file or folder); a corpus older than :data:`migrations.READABLE_FROM` is still
        migrated, which needs writing.

        Raises:
            CorpusError: no corpus there (an empty file, another kind of file).
            CorpusDamaged: the file fails its check.
            StorageError: the file cannot be opened (see :mod:`annotator.store.failures`).
        """
        if not is_url(location):
            path = Path(location)
            if not path.is_file():
                raise CorpusError(
                    f"{path}: no corpus here; create one with 'annotator init {path}'"
                )
            _check_sqlite_header(path)
        corpus = cls(make_engine(location, read_only=read_only), str(location), read_only)
        try:
            if corpus.path is not None:
                corpus._quick_check()
            if not read_only:
                corpus._migrate(require_existing=True)
            elif corpus._check_version(require_existing=True) < migrations.READABLE_FROM:
                corpus.close()  # too old to read as it is: it must be migrated (a write)
                return cls.open(location)
            corpus.scheme  # noqa: B018 - load and check the scheme now, not at first use
        except BaseException:
            corpus.close()
            raise
        return corpus

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Check that the corpus answers (a server may have gone away).

        Raises:
            ConnectionLost: the server cannot be reached; the next use reconnects.
        """
        with reading(self.engine) as conn:
            conn.execute(select(1))

    def reconnect(self) -> None:
        """Drop every pooled connection, then :meth:`ping` on a new one."""
        self.engine.dispose()
        self.ping()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def path(self) -> Path | None:
        """The corpus file, or None for a server corpus."""
        return None if is_url(self.location) else Path(self.location)

    def _check_version(self, require_existing: bool = False) -> int:
        """The schema version found, refusing a database that is no corpus or is newer."""
        try:
            with reading(self.engine) as conn:
                found = migrations.current_version(conn)
                has_tables = bool(inspect(conn).get_table_names())
        except DatabaseError as error:
            raise CorpusError(f"{self.shown}: not a corpus database ({error.orig})") from None
        if require_existing and found == 0:
            what = "an unrelated database" if has_tables else "an empty file"
            raise CorpusError(f"{self.shown}: this is {what}, not an Annotator corpus")
        if found > migrations.LATEST:
            raise CorpusError(
                f"{self.shown}: this corpus was written by a newer Annotator "
                f"(schema {found}, this version knows up to {migrations.LATEST}); "
                "upgrade Annotator to open it"
            )
        return found

    def _quick_check(self) -> None:
        """Refuse a damaged file before anything is written into it."""
        verdict = self.check(quick=True)
        if verdict:
            raise damaged(self.shown, verdict[0])

    def check(self, quick: bool = False) -> list[str]:
        """What is wrong with a file corpus: SQLite's ``integrity_check`` (or the faster
        ``quick_check``) and ``foreign_key_check``; an empty list when it is sound (and
        always for a server, which checks itself)."""
        if self.path is None:
            return []
        problems: list[str] = []
        try:
            with self.engine.connect() as conn:
                pragma = "quick_check" if quick else "integrity_check"
                rows = [str(row[0]) for row in conn.exec_driver_sql(f"PRAGMA {pragma}")]
                problems += [row for row in rows if row != "ok"]
                if not problems:
                    for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                        problems.append(f"row {rowid} of {table} refers to a missing {parent} row")
        except DatabaseError as error:
            known = translate(error, self.shown)
            if not isinstance(known, CorpusDamaged):
                raise known or error from None
            problems.append(str(error.orig).strip().splitlines()[0])
        return problems

    def _migrate(self, require_existing: bool = False) -> int:
        """Bring the schema to :data:`migrations.LATEST`; return the version found."""
        found = self._check_version(require_existing)
        if found < migrations.LATEST:
            if found > 0:
                self.backup(suffix=f"before-schema-{migrations.LATEST}")
            try:  # the version again, under the write lock: another process may have begun
                writing(self.engine, lambda c: migrations.upgrade(c, migrations.current_version(c)))
            except PermissionDenied as error:
                raise CorpusError(
                    f"{error}\nthe corpus has schema {found} and this Annotator needs "
                    f"{migrations.LATEST}: the server's administrator upgrades it with "
                    "'annotator server setup URL'"
                ) from None
        return found

    def backup(self, destination: Path | None = None, suffix: str = "backup") -> Path | None:
        """Copy a file corpus consistently (SQLite online backup); return the copy's path."""
        if self.path is None:
            return None
        if destination is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            destination = self.path.with_name(f"{self.path.name}.{suffix}-{stamp}")
        with storage_errors(self.engine):
            source = self.engine.raw_connection()  # read-only when the corpus is
            try:
                target = sqlite3.connect(destination)
                try:
                    source.driver_connection.backup(target)  # type: ignore[union-attr]
                finally:
                    target.close()
            finally:
                source.close()
        return destination

    # -- settings and scheme -------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        with reading(self.engine) as conn:
            value = conn.execute(select(t.settings.c.value).where(t.settings.c.key == key)).scalar()
        return default if value is None else json.loads(value)

    def set_setting(self, key: str, value: Any) -> None:
        writing(self.engine, lambda conn: _put_setting(conn, key, value))

    @property
    def scheme(self) -> Scheme:
        if self._scheme is None:
            raw = self.setting("scheme")
            if raw is None:
                raise CorpusError(f"{self.shown}: the corpus has no scheme (damaged?)")
            self._scheme = Scheme.from_dict(raw, source=f"{self.shown} (stored scheme)")
        return self._scheme

    def set_scheme(self, scheme: Scheme) -> None:
        scheme.check()
        self.set_setting("scheme", scheme.to_dict())
        self._scheme = scheme

    def reload(self) -> None:
        """Forget cached settings (after another process may have changed them)."""
        self._scheme = None

    # -- documents -------------------------------------------------------------------------

    def document_count(self) -> int:
        with reading(self.engine) as conn:
            return int(conn.execute(select(func.count()).select_from(t.documents)).scalar_one())

    def document_ids(self) -> list[str]:
        with reading(self.engine) as conn:
            rows = conn.execute(select(t.documents.c.doc_id).order_by(t.documents.c.pk))
            return [row[0] for row in rows]

    def text_hashes(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """``{doc_id: text_sha256}`` for those of ``doc_ids`` already in the corpus."""
        with reading(self.engine) as conn:
            if corpus_is_empty(conn):
                return {}  # an empty corpus (the first import): no query per chunk
            return _text_hashes(conn, doc_ids)

    def document(self, doc_id: str, annotators: Sequence[str] | None = None) -> Document:
        """The document ``doc_id`` with its annotation sets (all, or those of ``annotators``)."""
        for doc in self.documents([doc_id], annotators=annotators):
            return doc
        raise CorpusError(f"{self.shown}: no document with id {doc_id!r}")

    def documents(
        self,
        doc_ids: Sequence[str] | None = None,
        annotators: Sequence[str] | None = None,
        batch: int = 200,
    ) -> Iterator[Document]:
        """Documents in corpus order with their annotation sets, loaded ``batch`` at a time."""
        last_pk = 0
        wanted = list(doc_ids) if doc_ids is not None else None
        while True:
            with reading(self.engine) as conn:
                query = select(
                    t.documents.c.pk, t.documents.c.doc_id, t.documents.c.text, t.documents.c.meta
                ).order_by(t.documents.c.pk)
                if wanted is not None:
                    chunk, wanted = wanted[:batch], wanted[batch:]
                    if not chunk:
                        return
                    query = query.where(t.documents.c.doc_id.in_(chunk))
                else:
                    query = query.where(t.documents.c.pk > last_pk).limit(batch)
                rows = conn.execute(query).all()
                if not rows and wanted is None:
                    return
                sets = _load_sets(conn, [row.pk for row in rows], annotators)
            if rows:
                last_pk = rows[-1].pk
            for row in rows:
                yield Document(row.doc_id, row.text, json.loads(row.meta), sets.get(row.pk, []))

    def add_documents(self, docs: Sequence[Document], scheme: Scheme | None = None) -> int:
        """Add documents (and their annotation sets) in one transaction.

        A document whose id is already in the corpus with the same text only brings its
        annotation sets; with another text it is refused. ``scheme`` replaces the
        corpus scheme in the same transaction (``--extend-scheme``).

        Returns:
            The number of new documents.

        Raises:
            CorpusError: a conflict with the corpus; nothing is written.
        """
        if scheme is not None:
            scheme.check()

        def work(conn: Connection) -> int:
            if scheme is not None:
                _put_setting(conn, "scheme", scheme.to_dict())
            return _insert_documents(conn, docs)

        added = writing(self.engine, work)
        if scheme is not None:
            self._scheme = scheme
        return added

    def add_document_batches(self, batches: Callable[[KnownTexts], Iterable[DocumentBatch]]) -> int:
        """Add documents batch after batch, all in one transaction: all of them or none.

        ``batches(known)`` gives ``(documents, scheme)`` pairs (``scheme``: the corpus
        scheme to store with them, or None to keep it), with distinct document ids over
        all batches; ``known(ids)`` is :meth:`text_hashes` inside the transaction. An
        error it raises rolls everything back. It is called again if the transaction is
        retried (the database was locked), so it must start over.

        Returns:
            The number of new documents.

        Raises:
            CorpusError: a conflict with the corpus; nothing is written.
        """

        def work(conn: Connection) -> tuple[int, Scheme | None]:
            was_empty = corpus_is_empty(conn)

            def known(doc_ids: Iterable[str]) -> dict[str, str]:
                return {} if was_empty else _text_hashes(conn, doc_ids)

            added, stored = 0, None
            for docs, scheme in batches(known):
                if scheme is not None and scheme != stored:
                    scheme.check()
                    _put_setting(conn, "scheme", scheme.to_dict())
                    stored = scheme
                added += _insert_documents(conn, docs, was_empty)
            return added, stored

        added, scheme = writing(self.engine, work)
        if scheme is not None:
            self._scheme = scheme
        return added

    # -- annotation sets -------------------------------------------------------------------

    def annotators(self) -> list[str]:
        """Annotators who have at least one annotation set, by name."""
        with reading(self.engine) as conn:
            query = (
                select(t.annotators.c.name)
                .where(t.annotators.c.pk.in_(select(t.annotation_sets.c.annotator_pk)))
                .order_by(t.annotators.c.name)
            )
            return [row[0] for row in conn.execute(query)]

    def annotation_set(self, doc_id: str, annotator: str) -> AnnotationSet:
        """``annotator``'s set on ``doc_id``; an empty "todo" set if they have none yet."""
        doc = self.document(doc_id, annotators=[annotator])
        return doc.annotation_set(annotator) or AnnotationSet(annotator)

    def apply_edit(
        self,
        doc_id: str,
        annotator: str,
        edit: Edit,
        record_decisions: bool = True,
        also: Callable[[Connection, int], None] | None = None,
        expected_revision: int | None = None,
    ) -> Edit:
        """Apply ``edit`` to ``annotator``'s set on ``doc_id`` and commit it.

        The set is locked and re-read inside the write transaction, so edits from
        another process are never overwritten. Returns the edit that undoes this one.
        What becomes of model suggestions (accepted, changed, rejected) is recorded
        unless ``record_decisions`` is false (pre-annotation replacing its own
        suggestions). With ``expected_revision`` (from :meth:`annotation_set_and_revision`;
        each edit adds 1) the edit is refused if the set changed since, so a window
        never applies an edit to a set it has not seen.

        Raises:
            AnnotationError: the edit would break an invariant; nothing is written.
            EditConflict: the set is no longer at ``expected_revision``; nothing is written.
        """
        check_annotator_name(annotator)
        scheme = self.scheme

        def work(conn: Connection) -> Edit:
            doc = conn.execute(
                select(t.documents.c.pk, func.length(t.documents.c.text).label("size")).where(
                    t.documents.c.doc_id == doc_id
                )
            ).first()
            if doc is None:
                raise CorpusError(f"{self.shown}: no document with id {doc_id!r}")
            set_pk = _ensure_set(conn, doc.pk, annotator)
            if expected_revision is not None:
                revision = conn.execute(
                    select(t.annotation_sets.c.revision).where(t.annotation_sets.c.pk == set_pk)
                ).scalar_one()
                if revision != expected_revision:
                    raise EditConflict(doc_id, annotator, expected_revision, revision)
            before = _load_sets(conn, [doc.pk], [annotator])[doc.pk][0]
            after = _copy(before)
            inverse = apply(after, edit)
            # The set records the guidelines it is being annotated under.
            latest = conn.execute(select(func.max(t.guidelines.c.version))).scalar()
            if latest is not None:
                after.guideline_version = int(latest)
            check_set(doc_id, " " * doc.size, after, scheme)
            _write_diff(conn, set_pk, before, after, record_decisions)
            if also is not None:
                also(conn, doc.pk)  # more writes that must commit with this edit
            return inverse

        # Shared: this changes only the set that _ensure_set locked (engine's docstring).
        return writing(self.engine, work, exclusive=False)

    def annotation_set_and_revision(self, doc_id: str, annotator: str) -> tuple[AnnotationSet, int]:
        """``annotator``'s set on ``doc_id`` and its revision (0 for no set), read together
        for :meth:`apply_edit`'s ``expected_revision``."""
        a, n = t.annotation_sets, t.annotators
        with reading(self.engine) as conn:
            doc_pk = conn.execute(select(t.documents.c.pk).where(t.documents.c.doc_id == doc_id))
            pk = doc_pk.scalar()
            if pk is None:
                raise CorpusError(f"{self.shown}: no document with id {doc_id!r}")
            sets = _load_sets(conn, [pk], [annotator]).get(pk, [AnnotationSet(annotator)])
            revision = conn.execute(
                select(a.c.revision)
                .join(n, n.c.pk == a.c.annotator_pk)
                .where(a.c.document_pk == pk, n.c.name == annotator)
            ).scalar()
        return sets[0], int(revision or 0)

    # -- guidelines ------------------------------------------------------------------------

    def guidelines(self) -> tuple[int, str] | None:
        """The latest guidelines as ``(version, markdown)``, or None if there are none."""
        with reading(self.engine) as conn:
            row = conn.execute(
                select(t.guidelines.c.version, t.guidelines.c.text)
                .order_by(t.guidelines.c.version.desc())
                .limit(1)
            ).first()
        return None if row is None else (row.version, row.text)

    def add_guidelines(self, text: str, author: str) -> int:
        """Store a new version of the guidelines; return its number."""

        def work(conn: Connection) -> int:
            latest = conn.execute(select(func.max(t.guidelines.c.version))).scalar() or 0
            conn.execute(
                t.guidelines.insert().values(
                    version=latest + 1, text=text, author=author, created_at=now()
                )
            )
            return int(latest + 1)

        return writing(self.engine, work)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result ("ok" when healthy)."""
        with reading(self.engine) as conn:
            if conn.dialect.name != "sqlite":
                return "ok"
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())


# -- helpers (module level so that transactions can share them) -------------------------


def _check_sqlite_header(path: Path) -> None:
    """Refuse, before SQLite opens it (and would write to it), an empty file or another
    kind of file."""
    with path.open("rb") as handle:
        header = handle.read(16)
    if not header:
        raise CorpusError(f"{path}: this is an empty file, not an Annotator corpus")
    if header != b"SQLite format 3\x00":
        raise CorpusError(f"{path}: not a corpus file (not an SQLite database)")


__all__ = ["CORPUS_ID", "Corpus", "OperationalError", "now"]
