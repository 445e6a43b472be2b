"""The repository: a corpus database, read and written as core objects.

Every public method that changes the corpus runs in one write transaction and has
committed when it returns, so whatever the caller shows as done is on disk.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Insert, Table, func, inspect, select
from sqlalchemy.exc import DatabaseError, OperationalError

from annotator import __version__
from annotator.core.edits import Edit, apply
from annotator.core.errors import (
    AnnotationError,
    CorpusDamaged,
    CorpusError,
    EditConflict,
    PermissionDenied,
)
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.core.scheme import Scheme
from annotator.core.validation import check_annotator_name, check_set
from annotator.store import migrations
from annotator.store import schema as t
from annotator.store.engine import is_url, make_engine, reading, storage_errors, writing
from annotator.store.failures import damaged, shown, translate

CORPUS_ID = "corpus_id"
"""The settings key of the corpus's random identity (a UUID4 in hex)."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)  # as json.dumps with these options, without a new encoder


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
        file or folder); an older corpus is still migrated, which needs writing.

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
            elif corpus._check_version(require_existing=True) < migrations.LATEST:
                corpus.close()  # older: it must be migrated, which is a write
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
        wanted = list(dict.fromkeys(doc_ids))
        found: dict[str, str] = {}
        with reading(self.engine) as conn:
            if conn.execute(select(t.documents.c.pk).limit(1)).first() is None:
                return found  # an empty corpus (the first import): no query per chunk
            for chunk in _chunks(wanted, 500):
                query = select(t.documents.c.doc_id, t.documents.c.text_sha256).where(
                    t.documents.c.doc_id.in_(chunk)
                )
                found.update({row[0]: row[1] for row in conn.execute(query)})
        return found

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


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _put_setting(conn: Connection, key: str, value: Any) -> None:
    conn.execute(t.settings.delete().where(t.settings.c.key == key))
    conn.execute(t.settings.insert().values(key=key, value=_dumps(value)))


def _annotator_pk(conn: Connection, name: str) -> int:
    query = select(t.annotators.c.pk).where(t.annotators.c.name == name)
    pk = conn.execute(query).scalar()
    if pk is None:
        conn.execute(_insert_if_absent(conn, t.annotators).values(name=name))
        pk = conn.execute(query).scalar_one()
    return int(pk)


def _insert_if_absent(conn: Connection, table: Table) -> Insert:
    """An insert that a server skips if a concurrent transaction (an edit in shared
    mode, see the engine) inserted the same unique key first; SQLite has one writer."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        return insert(table).on_conflict_do_nothing()
    return table.insert()


def _new_keys(conn: Connection, table: Table, count: int) -> Iterator[int]:
    """``count`` new primary keys of ``table``, in increasing order, for a bulk insert.

    A server hands them out from the table's sequence: a key computed from the rows a
    role can see would collide with rows that row-level security hides from it (an
    annotator importing next to another's sets). SQLite has one writer, which sees every
    row: the keys after the largest.
    """
    if count <= 0:
        return iter(())
    if conn.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "pk")
        series = func.generate_series(1, count)
        rows = conn.execute(select(func.nextval(sequence)).select_from(series))
        return iter(sorted(int(row[0]) for row in rows))
    first = int(conn.execute(select(func.max(table.c.pk))).scalar() or 0) + 1
    return iter(range(first, first + count))


def _ensure_set(conn: Connection, document_pk: int, annotator: str) -> int:
    """The key of ``annotator``'s set on the document, created if need be, and locked
    (on a server) until the transaction ends: writers of one set queue here."""
    annotator_pk = _annotator_pk(conn, annotator)
    a = t.annotation_sets
    query = (
        select(a.c.pk)
        .where(a.c.document_pk == document_pk, a.c.annotator_pk == annotator_pk)
        .with_for_update()
    )
    pk = conn.execute(query).scalar()
    if pk is None:
        stamp = now()
        conn.execute(
            _insert_if_absent(conn, a).values(
                document_pk=document_pk,
                annotator_pk=annotator_pk,
                status="todo",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        pk = conn.execute(query).scalar_one()
    return int(pk)


def _insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (dicts with the same keys) into ``table``."""
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    _insert_values(conn, table, columns, [values(row) for row in rows])


def _insert_values(
    conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows given as tuples of ``columns`` into ``table``.

    On SQLite the tuples go straight to the driver's ``executemany``: SQLAlchemy's
    per-row parameter processing costs more than SQLite's insert itself, and an import
    of 100k documents writes about a million rows (DESIGN §10 sets its pace against
    raw ``executemany``). A server gets SQLAlchemy's batched insert.
    """
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)


def _inserted_pk(result: CursorResult[Any]) -> int:
    """The new row's primary key, which SQLAlchemy types as optional (only a bug omits it)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database did not report the primary key of the inserted row")
    return int(key[0])


def _copy(aset: AnnotationSet) -> AnnotationSet:
    return AnnotationSet(
        aset.annotator,
        aset.status,
        list(aset.spans),
        list(aset.relations),
        {k: (list(v) if isinstance(v, list) else v) for k, v in aset.doc_labels.items()},
        aset.guideline_version,
        aset.created_at,
        aset.updated_at,
    )


def _load_sets(
    conn: Connection, document_pks: Sequence[int], annotators: Sequence[str] | None
) -> dict[int, list[AnnotationSet]]:
    """Annotation sets of the given documents, keyed by document pk, in creation order."""
    if not document_pks:
        return {}
    a, s = t.annotation_sets, t.annotators
    query = (
        select(
            a.c.pk,
            a.c.document_pk,
            s.c.name,
            a.c.status,
            a.c.guideline_version,
            a.c.created_at,
            a.c.updated_at,
        )
        .join(s, s.c.pk == a.c.annotator_pk)
        .where(a.c.document_pk.in_(document_pks))
        .order_by(a.c.pk)
    )
    if annotators is not None:
        query = query.where(s.c.name.in_(list(annotators)))
    by_pk: dict[int, AnnotationSet] = {}
    result: dict[int, list[AnnotationSet]] = {}
    for row in conn.execute(query):
        aset = AnnotationSet(
            row.name,
            row.status,
            guideline_version=row.guideline_version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        by_pk[row.pk] = aset
        result.setdefault(row.document_pk, []).append(aset)
    if not by_pk:
        return result
    set_pks = list(by_pk)
    for chunk in _chunks(set_pks, 500):
        s = t.spans
        columns = (
            s.c.set_pk, s.c.span_id, s.c.layer, s.c.start_offset, s.c.end_offset,
            s.c.label, s.c.attrs, s.c.origin, s.c.state,
        )  # fmt: skip
        rows = conn.execute(select(*columns).where(s.c.set_pk.in_(chunk)).order_by(s.c.pk))
        # The hot loop of every read: plain tuples, and no JSON parsing for empty attrs.
        for set_pk, span_id, layer, start, end, label, attrs, origin, state in rows:
            by_pk[set_pk].spans.append(
                Span(
                    span_id,
                    layer,
                    start,
                    end,
                    label,
                    {} if attrs == "{}" else json.loads(attrs),
                    origin,
                    state,
                )
            )
        for row in conn.execute(
            select(t.relations).where(t.relations.c.set_pk.in_(chunk)).order_by(t.relations.c.pk)
        ):
            by_pk[row.set_pk].relations.append(Relation(row.head, row.child, row.label))
        for row in conn.execute(
            select(t.doc_labels).where(t.doc_labels.c.set_pk.in_(chunk)).order_by(t.doc_labels.c.pk)
        ):
            labels = by_pk[row.set_pk].doc_labels
            if row.multi:
                current = labels.setdefault(row.question, [])
                assert isinstance(current, list)
                current.append(row.value)
            else:
                labels[row.question] = row.value
    return result


SPAN_COLUMNS = (
    "set_pk", "span_id", "layer", "label", "start_offset", "end_offset", "attrs", "origin", "state"
)  # fmt: skip


def _span_values(set_pk: int, span: Span) -> tuple[Any, ...]:
    """A span's row, as a tuple of :data:`SPAN_COLUMNS`."""
    attrs = _attrs_json(span.attrs) if span.attrs else "{}"
    return (set_pk, span.id, span.layer, span.label, span.start, span.end, attrs, span.origin,
            span.state)  # fmt: skip


_ATTRS_JSON: dict[tuple[tuple[str, Any], ...], str] = {}


def _attrs_json(attrs: Mapping[str, Any]) -> str:
    """``_dumps(attrs)``, remembered: spans repeat a few attribute values (a claim's
    stance) over and over, and an import encodes hundreds of thousands of them."""
    key = tuple(attrs.items())
    if not all(type(name) is str and type(value) is str for name, value in key):
        return _dumps(dict(attrs))  # only strings: 1, 1.0 and True are equal keys
    encoded = _ATTRS_JSON.get(key)
    if encoded is None:
        if len(_ATTRS_JSON) >= 4096:
            _ATTRS_JSON.clear()
        encoded = _ATTRS_JSON[key] = _dumps(dict(attrs))
    return encoded


def _span_row(set_pk: int, span: Span) -> dict[str, Any]:
    return dict(zip(SPAN_COLUMNS, _span_values(set_pk, span), strict=True))


def _label_rows(set_pk: int, labels: dict[str, str | list[str]]) -> list[dict[str, Any]]:
    rows = []
    for question, answer in labels.items():
        multi = isinstance(answer, list)
        for value in answer if isinstance(answer, list) else [answer]:
            rows.append(
                {"set_pk": set_pk, "question": question, "value": value, "multi": int(multi)}
            )
    return rows


def _write_diff(
    conn: Connection,
    set_pk: int,
    before: AnnotationSet,
    after: AnnotationSet,
    record_decisions: bool = True,
) -> None:
    """Write the difference between two states of one set, and bump its revision.

    Changed spans are updated in place, so a set keeps its order and its relations.
    """
    old_spans = {s.id: s for s in before.spans}
    new_spans = {s.id: s for s in after.spans}
    for rel in before.relations:
        if rel not in after.relations:
            conn.execute(
                t.relations.delete().where(
                    t.relations.c.set_pk == set_pk,
                    t.relations.c.head == rel.head,
                    t.relations.c.child == rel.child,
                    t.relations.c.label == rel.label,
                )
            )
    gone = [span_id for span_id in old_spans if span_id not in new_spans]
    for chunk in _chunks(gone, 500):
        conn.execute(
            t.spans.delete().where(t.spans.c.set_pk == set_pk, t.spans.c.span_id.in_(chunk))
        )
    for span in after.spans:
        old = old_spans.get(span.id)
        if old is None:
            conn.execute(t.spans.insert().values(_span_row(set_pk, span)))
        elif old != span:
            conn.execute(
                t.spans.update()
                .where(t.spans.c.set_pk == set_pk, t.spans.c.span_id == span.id)
                .values(_span_row(set_pk, span))
            )
    added = [r for r in after.relations if r not in before.relations]
    if added:
        conn.execute(
            t.relations.insert(),
            [{"set_pk": set_pk, "head": r.head, "child": r.child, "label": r.label} for r in added],
        )
    if record_decisions:
        _record_decisions(conn, set_pk, before, after)
    if before.doc_labels != after.doc_labels:
        conn.execute(t.doc_labels.delete().where(t.doc_labels.c.set_pk == set_pk))
        rows = _label_rows(set_pk, after.doc_labels)
        if rows:
            conn.execute(t.doc_labels.insert(), rows)
    conn.execute(
        t.annotation_sets.update()
        .where(t.annotation_sets.c.pk == set_pk)
        .values(
            status=after.status,
            guideline_version=after.guideline_version,
            updated_at=now(),
            revision=t.annotation_sets.c.revision + 1,
        )
    )


def _record_decisions(
    conn: Connection, set_pk: int, before: AnnotationSet, after: AnnotationSet
) -> None:
    """Record what became of model suggestions: accepted as is, accepted changed, or
    rejected; a suggestion that comes back (undo) forgets the decision."""
    old = {s.id: s for s in before.spans}
    new = {s.id: s for s in after.spans}
    decided: list[tuple[Span, str]] = []
    forgotten: list[str] = []
    for span_id, was in old.items():
        if not was.suggested:
            continue
        now_span = new.get(span_id)
        if now_span is None:
            decided.append((was, "rejected"))
        elif not now_span.suggested:
            same = (now_span.layer, now_span.start, now_span.end, now_span.label) == (
                was.layer,
                was.start,
                was.end,
                was.label,
            )
            decided.append((was, "accepted" if same else "changed"))
    for span_id, span in new.items():
        previous = old.get(span_id)
        if span.suggested and (previous is None or not previous.suggested):
            forgotten.append(span_id)
    ids = [s.id for s, _ in decided] + forgotten
    if not ids:
        return
    d = t.suggestion_decisions
    for chunk in _chunks(ids, 500):
        conn.execute(d.delete().where(d.c.set_pk == set_pk, d.c.span_id.in_(chunk)))
    if decided:
        stamp = now()
        conn.execute(
            d.insert(),
            [
                {
                    "set_pk": set_pk,
                    "span_id": span.id,
                    "origin": span.origin,
                    "decision": decision,
                    "decided_at": stamp,
                }
                for span, decision in decided
            ],
        )


def _insert_documents(conn: Connection, docs: Sequence[Document]) -> int:
    existing: dict[str, tuple[int, str]] = {}
    empty = conn.execute(select(t.documents.c.pk).limit(1)).first() is None
    ids = [] if empty else [d.id for d in docs]  # an empty corpus has none of them
    for chunk in _chunks(ids, 500):
        for row in conn.execute(
            select(t.documents.c.doc_id, t.documents.c.pk, t.documents.c.text_sha256).where(
                t.documents.c.doc_id.in_(chunk)
            )
        ):
            existing[row.doc_id] = (row.pk, row.text_sha256)
    stamp = now()
    new_rows: list[tuple[Any, ...]] = []
    doc_pks: list[int] = []
    keys = _new_keys(conn, t.documents, len({d.id for d in docs} - existing.keys()))
    for doc in docs:
        if doc.id in existing:
            pk, sha = existing[doc.id]
            if sha != doc.text_sha256:
                raise CorpusError(
                    f"document {doc.id!r} is already in the corpus with a different text; "
                    "give the new one another id"
                )
        else:
            pk = next(keys)
            sha = doc.text_sha256
            existing[doc.id] = (pk, sha)
            meta = _dumps(doc.meta) if doc.meta else "{}"
            new_rows.append((pk, doc.id, doc.text, sha, meta, stamp))
        doc_pks.append(pk)
    if new_rows:
        columns = ("pk", "doc_id", "text", "text_sha256", "meta", "created_at")
        _insert_values(conn, t.documents, columns, new_rows)
    if any(doc.annotations for doc in docs):
        new_pks = {row[0] for row in new_rows}
        known = [pk for pk in doc_pks if pk not in new_pks]
        _insert_annotation_sets(conn, docs, doc_pks, stamp, known)
    return len(new_rows)


def _insert_annotation_sets(
    conn: Connection,
    docs: Sequence[Document],
    doc_pks: Sequence[int],
    stamp: str,
    known_pks: Sequence[int],
) -> None:
    """Insert the documents' sets; ``known_pks`` are the documents that were in the
    corpus before (only they can have sets already: one query for all, not one each)."""
    annotator_pks: dict[str, int] = {}
    keys = _new_keys(conn, t.annotation_sets, sum(len(doc.annotations) for doc in docs))
    a = t.annotation_sets
    existing: dict[tuple[int, int], int] = {}
    for chunk in _chunks(list(dict.fromkeys(known_pks)), 500):
        query = select(a.c.pk, a.c.document_pk, a.c.annotator_pk).where(a.c.document_pk.in_(chunk))
        existing.update({(row[1], row[2]): row[0] for row in conn.execute(query)})
    set_rows: list[tuple[Any, ...]] = []
    contents: list[tuple[int, AnnotationSet]] = []
    for doc, doc_pk in zip(docs, doc_pks, strict=True):
        for aset in doc.annotations:
            if aset.annotator not in annotator_pks:
                annotator_pks[aset.annotator] = _annotator_pk(conn, aset.annotator)
            a_pk = annotator_pks[aset.annotator]
            old = existing.get((doc_pk, a_pk))
            if old is not None:
                current = _load_sets(conn, [doc_pk], [aset.annotator])[doc_pk][0]
                if not current.is_empty() or current.status != "todo":
                    raise AnnotationError(
                        f"document {doc.id!r} already has annotations by {aset.annotator!r}; "
                        "import them under another --annotator name, or merge instead"
                    )
                conn.execute(t.annotation_sets.delete().where(t.annotation_sets.c.pk == old))
            created, updated = aset.created_at or stamp, aset.updated_at or stamp
            set_pk = next(keys)
            set_rows.append(
                (set_pk, doc_pk, a_pk, aset.status, aset.guideline_version, created, updated)
            )
            contents.append((set_pk, aset))
    if set_rows:
        columns = ("pk", "document_pk", "annotator_pk", "status", "guideline_version")
        _insert_values(conn, a, (*columns, "created_at", "updated_at"), set_rows)
    span_rows = [  # _span_values(pk, s), inline: this runs once per imported span
        (pk, s.id, s.layer, s.label, s.start, s.end, _attrs_json(s.attrs) if s.attrs else "{}",
         s.origin, s.state)
        for pk, aset in contents
        for s in aset.spans
    ]  # fmt: skip
    if span_rows:
        _insert_values(conn, t.spans, SPAN_COLUMNS, span_rows)
    rel_rows = [
        {"set_pk": pk, "head": r.head, "child": r.child, "label": r.label}
        for pk, aset in contents
        for r in aset.relations
    ]
    if rel_rows:
        _insert_rows(conn, t.relations, rel_rows)
    label_rows = [row for pk, aset in contents for row in _label_rows(pk, aset.doc_labels)]
    if label_rows:
        _insert_rows(conn, t.doc_labels, label_rows)


__all__ = ["Corpus", "OperationalError"]
