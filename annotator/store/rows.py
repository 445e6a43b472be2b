"""Rows as the corpus tables hold them, and the small statements every transaction
shares: settings, annotator keys, new keys, bulk inserts, span and answer rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, CursorResult, Insert, Table, func, select

from annotator.core.model import Fragments, Span
from annotator.store import schema as t


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)  # as json.dumps with these options, without a new encoder


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


SPAN_COLUMNS = (
    "set_pk", "span_id", "layer", "label", "start_offset", "end_offset", "attrs", "origin", "state",
    "fragments",
)  # fmt: skip


def _span_values(set_pk: int, span: Span) -> tuple[Any, ...]:
    """A span's row, as a tuple of :data:`SPAN_COLUMNS`."""
    attrs = _attrs_json(span.attrs) if span.attrs else "{}"
    return (set_pk, span.id, span.layer, span.label, span.start, span.end, attrs, span.origin,
            span.state, _fragments_json(span.fragments))  # fmt: skip


def _fragments_json(fragments: Fragments | None) -> str | None:
    """The ``fragments`` column: NULL for an ordinary span, else ``[[s, e], ...]``."""
    return None if fragments is None else _dumps([[s, e] for s, e in fragments])


def _fragments_of_row(value: str | None) -> Fragments | None:
    """The span's fragments from its ``fragments`` column."""
    if value is None:
        return None
    return tuple((int(s), int(e)) for s, e in json.loads(value))


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


#: ``doc_labels.multi`` of the row that records an empty answer (``[]``, "none of these")
#: to a multi-valued question: it is an answer, and must come back as one.
EMPTY_MULTI = 2


def _label_rows(set_pk: int, labels: dict[str, str | list[str]]) -> list[dict[str, Any]]:
    rows = []
    for question, answer in labels.items():
        if answer == []:
            rows.append({"set_pk": set_pk, "question": question, "value": "", "multi": EMPTY_MULTI})
            continue
        multi = isinstance(answer, list)
        for value in answer if isinstance(answer, list) else [answer]:
            rows.append(
                {"set_pk": set_pk, "question": question, "value": value, "multi": int(multi)}
            )
    return rows
