"""Annotation sets as their stored rows, read inside a transaction: what every read of
sets starts from (:func:`annotator.store.set_reads._load_sets` makes core objects of
them), and what a merge compares and writes without making any (issue 20).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, inspect, select

from annotator.core.model import AnnotationSet, DocLabels, Relation, Span
from annotator.store import schema as t
from annotator.store.rows import _add_answer, _chunks, _driver_rows, _fragments_of_row

SpanRow = tuple[Any, str, str, int, int, str, str, str, str, "str | None"]
"""``(set key, id, layer, start, end, label, attrs JSON, origin, state, fragments JSON)``."""
RelationRow = tuple[Any, str, str, str]
"""``(set key, head, child, label)``."""
LabelRow = tuple[Any, str, str, int]
"""``(set key, question, value, multi)`` (see :func:`annotator.store.rows._label_rows`)."""
LinkRow = tuple[Any, str, str]
"""``(set key, span id, actor id)``."""


@dataclass(slots=True)
class SetRows:
    """One annotation set: its row's fields and the rows of its content, in stored order
    (actor links in the order of their spans)."""

    pk: int
    document_pk: int
    annotator: str
    status: str
    guideline_version: int | None
    created_at: str | None
    updated_at: str | None
    spans: list[SpanRow] = field(default_factory=list)
    relations: list[RelationRow] = field(default_factory=list)
    labels: list[LabelRow] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.spans or self.relations or self.labels or self.links)

    def as_answers(self) -> DocLabels:
        """The set's answers, as :attr:`AnnotationSet.doc_labels`."""
        labels: DocLabels = {}
        for _set, question, value, multi in self.labels:
            _add_answer(labels, question, value, multi)
        return labels

    def as_set(self) -> AnnotationSet:
        """The core object of the set."""
        aset = AnnotationSet(
            self.annotator,
            self.status,
            guideline_version=self.guideline_version,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )
        # The hot loop of every read: plain tuples, and no JSON parsing for empty attrs.
        aset.spans = [
            Span(
                span_id,
                layer,
                start,
                end,
                label,
                {} if attrs == "{}" else _parsed(attrs),
                origin,
                state,
                None if pieces is None else _fragments_of_row(pieces),
            )
            for _set, span_id, layer, start, end, label, attrs, origin, state, pieces in self.spans
        ]
        aset.relations = [
            Relation(head, child, label) for _set, head, child, label in self.relations
        ]
        aset.doc_labels = self.as_answers()
        aset.actor_links = {span_id: actor for _set, span_id, actor in self.links}
        return aset


def read_set_rows(
    conn: Connection,
    document_pks: Sequence[int],
    annotators: Sequence[str] | None,
    content: bool = True,
) -> dict[int, list[SetRows]]:
    """The annotation sets of the given documents (of ``annotators``, or everyone's),
    keyed by document pk, in creation order; without ``content``, only their rows (see
    :func:`read_content`)."""
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
        .where(a.c.document_pk.in_(list(document_pks)))
        .order_by(a.c.pk)
    )
    if annotators is not None:
        query = query.where(s.c.name.in_(list(annotators)))
    by_pk: dict[int, SetRows] = {}
    result: dict[int, list[SetRows]] = {}
    for row in _driver_rows(conn, query):
        rows = SetRows(*row)
        by_pk[rows.pk] = rows
        result.setdefault(rows.document_pk, []).append(rows)
    if content:
        read_content(conn, by_pk)
    return result


def read_content(conn: Connection, by_pk: Mapping[int, SetRows]) -> None:
    """Fill the sets of ``by_pk`` (by their key) with the rows of their content."""
    links = has_actor_tables(conn)
    for chunk in _chunks(list(by_pk), 500):
        sp = t.spans
        columns = (
            sp.c.set_pk, sp.c.span_id, sp.c.layer, sp.c.start_offset, sp.c.end_offset,
            sp.c.label, sp.c.attrs, sp.c.origin, sp.c.state, sp.c.fragments,
        )  # fmt: skip
        query = select(*columns).where(sp.c.set_pk.in_(chunk)).order_by(sp.c.pk)
        for span in _driver_rows(conn, query):
            by_pk[span[0]].spans.append(span)
        r, q = t.relations.c, t.doc_labels.c
        relations = select(r.set_pk, r.head, r.child, r.label).where(r.set_pk.in_(chunk))
        for relation in _driver_rows(conn, relations.order_by(r.pk)):
            by_pk[relation[0]].relations.append(relation)
        answers = select(q.set_pk, q.question, q.value, q.multi).where(q.set_pk.in_(chunk))
        for answer in _driver_rows(conn, answers.order_by(q.pk)):
            by_pk[answer[0]].labels.append(answer)
        if links:
            k = t.actor_links
            linked = (  # in the order of their spans, however the links were written
                select(k.c.set_pk, k.c.span_id, k.c.actor_id)
                .join(sp, (sp.c.set_pk == k.c.set_pk) & (sp.c.span_id == k.c.span_id))
                .where(k.c.set_pk.in_(chunk))
            )
            for link in _driver_rows(conn, linked.order_by(sp.c.pk)):
                by_pk[link[0]].links.append(link)


def content_digests(conn: Connection, set_pks: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """Per set, a text of each table of its content that differs whenever the content
    does, made by the database without a Python object per row: every row's fields
    joined by a unit separator, the rows by a record separator (the nullable
    ``fragments`` as an SQL literal). A set none of whose values holds a separator gets
    texts that tell its content apart from any other's; a set where one does (the
    counts of separators give it away) gets no digest, and is compared by its rows, as
    are sets whose rows came in another order. SQLite only (``{}`` elsewhere)."""
    if conn.dialect.name != "sqlite" or not set_pks:
        return {}
    tables = _digested(conn)
    digests: dict[int, list[Any]] = {pk: [None] * len(tables) for pk in set_pks}
    spoilt: set[int] = set()
    for chunk in _chunks(list(set_pks), 500):
        keys = ",".join(str(int(pk)) for pk in chunk)
        for number, (table, columns) in enumerate(tables):
            fields = " || char(31) || ".join(columns)
            query = (
                f"SELECT set_pk, count(*), group_concat({fields}, char(30)) "
                f"FROM {table} WHERE set_pk IN ({keys}) GROUP BY set_pk"
            )
            for set_pk, count, text in conn.exec_driver_sql(query):
                if (
                    text is None
                    or text.count("\x1f") != count * (len(columns) - 1)
                    or text.count("\x1e") != count - 1
                ):
                    spoilt.add(set_pk)
                digests[set_pk][number] = text
    return {pk: tuple(texts) for pk, texts in digests.items() if pk not in spoilt}


def content_counts(conn: Connection, set_pks: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """Per set, how many rows each table of :func:`content_digests` holds of it (read
    from the tables' indexes alone: a cheap first look before digests)."""
    tables = [table for table, _columns in _digested(conn)]
    counts: dict[int, list[int]] = {pk: [0] * len(tables) for pk in set_pks}
    for chunk in _chunks(list(set_pks), 500):
        keys = ",".join(str(int(pk)) for pk in chunk)
        for number, table in enumerate(tables):
            query = f"SELECT set_pk, count(*) FROM {table} WHERE set_pk IN ({keys}) GROUP BY set_pk"
            for set_pk, count in conn.exec_driver_sql(query):
                counts[set_pk][number] = count
    return {pk: tuple(numbers) for pk, numbers in counts.items()}


_DIGESTED = (
    (
        "spans",
        (
            "span_id", "layer", "start_offset", "end_offset", "label", "attrs", "origin",
            "state", "quote(fragments)",
        ),
    ),
    ("relations", ("head", "child", "label")),
    ("doc_labels", ("question", "value", "multi")),
    ("actor_links", ("span_id", "actor_id")),
)  # fmt: skip
"""The tables and fields of :func:`content_digests` (the last one from schema 8)."""


def _digested(conn: Connection) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """:data:`_DIGESTED`, without the actor links where the database has none."""
    return _DIGESTED if has_actor_tables(conn) else _DIGESTED[:-1]


_PARSED: dict[str, dict[str, Any]] = {}


def _parsed(attrs: str) -> dict[str, Any]:
    """``json.loads(attrs)``, a new dict each time, remembered: spans repeat a few
    attribute values (a claim's stance) over and over, and copying is faster."""
    found = _PARSED.get(attrs)
    if found is None:
        found = cast(dict[str, Any], json.loads(attrs))
        if not all(type(value) is str for value in found.values()):
            return found  # a shallow copy would share nested values
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        _PARSED[attrs] = found
    return dict(found)


def has_actor_tables(conn: Connection) -> bool:
    """Whether the corpus has the actor registry (schema 8): a corpus of an older schema
    opened read-only (without migrating) has none, and reads as having no links.
    Remembered per database connection once found, since tables are never dropped."""
    if conn.info.get("actor_tables"):
        return True
    found = bool(inspect(conn).has_table("actor_links"))
    if found:
        conn.info["actor_tables"] = True
    return found
